//! Talking to the person at the terminal, through `/dev/tty` so that it
//! works inside git hooks, whose standard streams git owns.
//!
//! Hand-written on termios (rustix) rather than a line-editing crate:
//! avow asks three short questions and a passphrase inside a hook, where
//! standard input is not the terminal; rustyline and reedline read
//! standard input and have no hidden (passphrase) input, and crossterm
//! would still need the line editing below. What this module guarantees:
//!
//! - the terminal is read in non-canonical mode with signals off, so no
//!   line-length limit applies (answers up to [`MAX_ANSWER`] bytes, longer
//!   ones refused with a word) and Ctrl-C arrives as a byte: avow restores
//!   the terminal (a drop guard restores it on every path), keeps what was
//!   typed, and then dies of SIGINT as Ctrl-C would have made it;
//! - a multi-line paste is taken whole: with bracketed paste (enabled
//!   while avow asks) its lines are joined, and lines that arrive together
//!   in one burst (a paste in a terminal without bracketed paste) continue
//!   the answer; when avow is done asking, whatever is left in the
//!   terminal's input was typed for avow and is discarded, never run by
//!   the shell;
//! - an answer that is not UTF-8 is reported as such;
//! - SIGTERM, SIGHUP, SIGQUIT or an outside SIGINT while the terminal is
//!   changed restores it before avow dies of the signal (signal-hook), and
//!   first runs what [`keep_on_signal`] registered (the hook keeps the
//!   answers given so far, as on every other exit path).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::os::fd::AsFd as _;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::termios::{self, LocalModes, OptionalActions, QueueSelector, SpecialCodeIndex, Termios};

/// The longest answer avow takes (bytes); longer ones are refused.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Set when the person pressed Ctrl-C (or Ctrl-\) at a prompt.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set once avow has asked for a secret.
static ASKED_SECRET: AtomicBool = AtomicBool::new(false);

/// Whether avow asked for a secret (so what is left in the terminal's
/// input was typed for it).
pub fn asked_secret() -> bool {
    ASKED_SECRET.load(Ordering::SeqCst)
}

/// Whether the person interrupted a prompt.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Dies of SIGINT as Ctrl-C would have made this process (and, when it is
/// in the terminal's foreground, the git that runs it) die, once the
/// terminal is restored and what was typed is kept.
pub fn die_of_interrupt() -> ! {
    let group = rustix::process::getpgrp();
    let foreground = File::open("/dev/tty").ok().and_then(|t| termios::tcgetpgrp(t.as_fd()).ok());
    if foreground == Some(group) {
        let _ = rustix::process::kill_current_process_group(rustix::process::Signal::INT);
    } else {
        let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::INT);
    }
    // SIGINT ignored by whoever started us: exit as a shell reports it.
    std::process::exit(130)
}

pub use crate::reply::Reply;

/// The controlling terminal.
pub struct Tty {
    file: File,
    /// Bytes read but not yet used (typed ahead for the next question).
    pending: Vec<u8>,
}

/// What one [`Tty`] read ahead, for the next one (each passphrase try
/// opens the terminal anew).
static TYPED_AHEAD: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

impl Drop for Tty {
    fn drop(&mut self) {
        if let Ok(mut ahead) = TYPED_AHEAD.lock() {
            *ahead = std::mem::take(&mut self.pending);
        }
    }
}

/// Keeps the terminal from echoing and from turning Ctrl-C into a signal
/// while it lives (between passphrase tries, while a key is decrypted, so
/// a passphrase typed ahead is not shown); restores it when dropped.
pub struct Quiet {
    _restore: Mode,
}

/// [`Quiet`] on the controlling terminal, if there is one.
pub fn quiet() -> Option<Quiet> {
    let file = OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
    let saved = termios::tcgetattr(file.as_fd()).ok()?;
    let mut t = saved.clone();
    t.local_modes &= !(LocalModes::ECHO | LocalModes::ISIG);
    Some(Quiet { _restore: enter(file, saved, &t, false)? })
}

/// Restores the terminal's modes when dropped.
struct Mode {
    file: File,
    saved: Termios,
    paste: bool,
    depth: usize,
}

impl Drop for Mode {
    fn drop(&mut self) {
        if self.paste {
            let _ = self.file.write_all(b"\x1b[?2004l");
        }
        let _ = termios::tcsetattr(self.file.as_fd(), OptionalActions::Now, &self.saved);
        DEPTH.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut outer) = OUTERMOST.lock() {
            if outer.as_ref().is_some_and(|(depth, _, _)| *depth == self.depth) {
                *outer = None;
            }
        }
    }
}

/// The terminal's modes before avow changed them (with the nesting depth
/// of the [`Mode`] that saved them), for the signal watcher.
static OUTERMOST: std::sync::Mutex<Option<(usize, File, Termios)>> = std::sync::Mutex::new(None);

/// How many [`Mode`]s are alive.
static DEPTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What to run when a signal ends avow (see [`keep_on_signal`]).
type Keeper = Box<dyn FnOnce() + Send>;

static KEEPER: std::sync::Mutex<Option<Keeper>> = std::sync::Mutex::new(None);

/// While the returned guard lives, a SIGTERM, SIGHUP, SIGQUIT or outside
/// SIGINT that ends avow once it has changed the terminal runs `keep`
/// (after restoring the terminal, before dying of the signal): it runs on
/// the signal watcher's thread while the main one waits at the prompt.
pub fn keep_on_signal(keep: impl FnOnce() + Send + 'static) -> KeepGuard {
    if let Ok(mut k) = KEEPER.lock() {
        *k = Some(Box::new(keep));
    }
    KeepGuard(())
}

/// Unregisters [`keep_on_signal`]'s action when dropped.
pub struct KeepGuard(());

impl Drop for KeepGuard {
    fn drop(&mut self) {
        if let Ok(mut k) = KEEPER.lock() {
            *k = None;
        }
    }
}

/// Switches the terminal to `t`, first recording how to restore it, and
/// watching for signals that would otherwise leave it changed: SIGTERM,
/// SIGHUP, SIGQUIT or an outside SIGINT restores it and then dies of the
/// signal (Ctrl-C typed at a prompt is read as a byte, not a signal).
fn enter(file: File, saved: Termios, t: &Termios, paste: bool) -> Option<Mode> {
    static WATCHER: std::sync::Once = std::sync::Once::new();
    WATCHER.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGHUP, SIGINT, SIGQUIT, SIGTERM]) else { return };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                if let Ok(outer) = OUTERMOST.lock() {
                    if let Some((_, file, saved)) = outer.as_ref() {
                        let _ = termios::tcsetattr(file.as_fd(), OptionalActions::Now, saved);
                    }
                }
                if let Some(keep) = KEEPER.lock().ok().and_then(|mut k| k.take()) {
                    keep();
                }
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        });
    });
    let depth = DEPTH.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut outer) = OUTERMOST.lock() {
        if outer.is_none() {
            *outer = Some((depth, file.try_clone().ok()?, saved.clone()));
        }
    }
    if termios::tcsetattr(file.as_fd(), OptionalActions::Now, t).is_err() {
        DEPTH.fetch_sub(1, Ordering::SeqCst);
        return None;
    }
    Some(Mode { file, saved, paste, depth })
}

/// The terminal, unless `avow.prompt` is false (an error when it is not a
/// boolean).
pub(crate) fn terminal(cfg: &crate::git::Config) -> crate::error::Result<Option<Tty>> {
    Ok(if cfg.get_bool("avow.prompt")? == Some(false) { None } else { Tty::open() })
}

impl Tty {
    /// Opens `/dev/tty`; `None` without a controlling terminal.
    pub fn open() -> Option<Tty> {
        let file = OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
        let pending = TYPED_AHEAD.lock().map(|mut a| std::mem::take(&mut *a)).unwrap_or_default();
        termios::isatty(file.as_fd()).then_some(Tty { file, pending })
    }

    /// Prints text (no newline added).
    pub fn say(&mut self, text: &str) {
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
    }

    /// Asks a one-line question.
    pub fn ask(&mut self, question: &str) -> Reply {
        self.read_answer(question, true, false)
    }

    /// Asks for a paragraph: a pasted or burst of several lines is one answer.
    pub fn ask_paragraph(&mut self, question: &str) -> Reply {
        self.read_answer(question, true, true)
    }

    /// Asks for a secret, without echo.
    pub fn ask_hidden(&mut self, question: &str) -> Reply {
        ASKED_SECRET.store(true, Ordering::SeqCst);
        self.read_answer(question, false, false)
    }

    /// Discards whatever is left in the terminal's input: it was typed or
    /// pasted for avow, and must not reach the shell.
    pub fn discard_input(&mut self) {
        self.pending.clear();
        if let Ok(mut ahead) = TYPED_AHEAD.lock() {
            ahead.clear();
        }
        let _ = termios::tcflush(self.file.as_fd(), QueueSelector::IFlush);
    }

    /// Takes what was typed before avow switched the terminal to raw mode
    /// (whole lines, in canonical mode) into `pending`; whether an end of
    /// input (Ctrl-D) was among it, which raw mode would no longer show.
    fn typed_ahead(&mut self) -> bool {
        use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
        let Ok(flags) = fcntl_getfl(self.file.as_fd()) else { return false };
        if fcntl_setfl(self.file.as_fd(), flags | OFlags::NONBLOCK).is_err() {
            return false;
        }
        let mut eof = false;
        let mut buf = [0u8; 4096];
        loop {
            match (&self.file).read(&mut buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        let _ = fcntl_setfl(self.file.as_fd(), flags);
        eof && self.pending.is_empty()
    }

    /// Takes what sat in the terminal's input queue when raw mode took
    /// effect into `pending`. An end of input (Ctrl-D) that reached the
    /// queue after [`Self::typed_ahead`] looked, while the terminal was
    /// still canonical, stays there as a NUL byte once canonical mode ends
    /// (Linux's line discipline stores it as a NUL that ends the line); in
    /// this batch a NUL is read as the Ctrl-D it was, which otherwise would
    /// be ignored and leave avow waiting for an answer that cannot come.
    fn queued_at_switch(&mut self) {
        use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
        let Ok(flags) = fcntl_getfl(self.file.as_fd()) else { return };
        if fcntl_setfl(self.file.as_fd(), flags | OFlags::NONBLOCK).is_err() {
            return;
        }
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = (&self.file).read(&mut buf) {
            self.pending.extend(buf[..n].iter().map(|&b| if b == 0 { 0x04 } else { b }));
        }
        let _ = fcntl_setfl(self.file.as_fd(), flags);
    }

    /// Raw mode: no canonical line editing (no line-length limit), no echo
    /// (avow echoes), no signal characters (Ctrl-C is read as a byte).
    fn raw(&self, paste: bool) -> Option<Mode> {
        let file = self.file.try_clone().ok()?;
        let saved = termios::tcgetattr(self.file.as_fd()).ok()?;
        let mut t = saved.clone();
        t.local_modes &= !(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
        t.special_codes[SpecialCodeIndex::VMIN] = 1;
        t.special_codes[SpecialCodeIndex::VTIME] = 0;
        let mode = enter(file, saved, &t, paste)?;
        if paste {
            let _ = (&self.file).write_all(b"\x1b[?2004h");
        }
        Some(mode)
    }

    /// The next input byte; `None` at end of input. With `wait_ms`, gives
    /// up (`None`) when nothing arrives in that time.
    fn byte(&mut self, wait_ms: Option<u8>) -> Option<u8> {
        if self.pending.is_empty() {
            let mut buf = [0u8; 4096];
            let n = match wait_ms {
                None => (&self.file).read(&mut buf).ok()?,
                Some(tenths) => {
                    let mut t = termios::tcgetattr(self.file.as_fd()).ok()?;
                    t.special_codes[SpecialCodeIndex::VMIN] = 0;
                    t.special_codes[SpecialCodeIndex::VTIME] = tenths;
                    termios::tcsetattr(self.file.as_fd(), OptionalActions::Now, &t).ok()?;
                    let n = (&self.file).read(&mut buf).ok();
                    t.special_codes[SpecialCodeIndex::VMIN] = 1;
                    t.special_codes[SpecialCodeIndex::VTIME] = 0;
                    let _ = termios::tcsetattr(self.file.as_fd(), OptionalActions::Now, &t);
                    n?
                }
            };
            if n == 0 {
                return None;
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
        Some(self.pending.remove(0))
    }

    fn read_answer(&mut self, question: &str, echo: bool, paragraph: bool) -> Reply {
        self.say(question);
        if self.pending.is_empty() && self.typed_ahead() {
            // Ctrl-D typed before avow asked.
            self.say("\n");
            return Reply::End;
        }
        let Some(mode) = self.raw(paragraph) else { return Reply::End };
        self.queued_at_switch();
        let reply = self.edit_line(echo, paragraph);
        drop(mode);
        if reply == Reply::Interrupted {
            INTERRUPTED.store(true, Ordering::SeqCst);
        }
        reply
    }

    /// The line editor: printable input echoed (when `echo`), Backspace,
    /// Ctrl-U and Ctrl-W edit, Enter ends the line (except inside a
    /// bracketed paste, or, for a paragraph, when more lines follow at
    /// once), Ctrl-D on an empty line ends input, Ctrl-C interrupts.
    fn edit_line(&mut self, echo: bool, paragraph: bool) -> Reply {
        let mut buf: Vec<u8> = Vec::new();
        let mut too_long = false;
        let mut in_paste = false;
        loop {
            // The line ends on the screen even when its text was hidden (a
            // passphrase), so that what follows starts on a line of its own.
            let Some(b) = self.byte(None) else {
                self.echo(true, b"\r\n");
                return if buf.is_empty() { Reply::End } else { finish(buf, too_long) };
            };
            match b {
                0x03 | 0x1c => {
                    self.echo(true, b"^C\r\n");
                    return Reply::Interrupted;
                }
                0x04 if buf.is_empty() => {
                    self.echo(true, b"\r\n");
                    return Reply::End;
                }
                // Ctrl-D after text submits it, as in canonical mode.
                0x04 => {
                    self.echo(true, b"\r\n");
                    return finish(buf, too_long);
                }
                b'\r' | b'\n' => {
                    if b == b'\r' && self.pending.first() == Some(&b'\n') {
                        self.pending.remove(0);
                    }
                    if in_paste {
                        push(&mut buf, b'\n', &mut too_long);
                        self.echo(echo, b"\r\n");
                        continue;
                    }
                    // A paste without bracketed paste: its next line is
                    // already there, or arrives within a tenth of a second.
                    if paragraph {
                        if let Some(next) = self.byte(Some(1)) {
                            self.pending.insert(0, next);
                            // Text continues the paste; Ctrl-D or Ctrl-C
                            // after it is for the next read.
                            if next >= 0x20 || next == b'\t' || next == 0x1b {
                                push(&mut buf, b'\n', &mut too_long);
                                self.echo(echo, b"\r\n");
                                continue;
                            }
                        }
                    }
                    self.echo(true, b"\r\n");
                    return finish(buf, too_long);
                }
                0x7f | 0x08 => {
                    if pop_char(&mut buf) {
                        self.echo(echo, b"\x08 \x08");
                    }
                }
                0x15 => {
                    while pop_char(&mut buf) {
                        self.echo(echo, b"\x08 \x08");
                    }
                }
                0x17 => {
                    while buf.last() == Some(&b' ') && pop_char(&mut buf) {
                        self.echo(echo, b"\x08 \x08");
                    }
                    while buf.last().is_some_and(|c| *c != b' ') && pop_char(&mut buf) {
                        self.echo(echo, b"\x08 \x08");
                    }
                }
                0x1b => match self.escape().as_slice() {
                    b"[200~" => in_paste = true,
                    b"[201~" => in_paste = false,
                    _ => {}
                },
                b'\t' => {
                    push(&mut buf, b' ', &mut too_long);
                    self.echo(echo, b" ");
                }
                b if b < 0x20 => {}
                b => {
                    push(&mut buf, b, &mut too_long);
                    self.echo(echo, &[b]);
                }
            }
        }
    }

    /// The rest of an escape sequence after ESC (CSI `[`…final, SS3 `O`x).
    fn escape(&mut self) -> Vec<u8> {
        let mut seq = Vec::new();
        let Some(first) = self.byte(Some(1)) else { return seq };
        seq.push(first);
        match first {
            b'[' => {
                while let Some(b) = self.byte(Some(1)) {
                    seq.push(b);
                    if (0x40..=0x7e).contains(&b) || seq.len() > 16 {
                        break;
                    }
                }
            }
            b'O' => {
                if let Some(b) = self.byte(Some(1)) {
                    seq.push(b);
                }
            }
            _ => {}
        }
        seq
    }

    fn echo(&mut self, echo: bool, bytes: &[u8]) {
        if echo {
            let _ = self.file.write_all(bytes);
            let _ = self.file.flush();
        }
    }
}

fn push(buf: &mut Vec<u8>, b: u8, too_long: &mut bool) {
    if buf.len() < MAX_ANSWER {
        buf.push(b);
    } else {
        *too_long = true;
    }
}

/// Removes the last UTF-8 character; whether there was one.
fn pop_char(buf: &mut Vec<u8>) -> bool {
    let Some(mut b) = buf.pop() else { return false };
    while b & 0xc0 == 0x80 {
        match buf.pop() {
            Some(prev) => b = prev,
            None => break,
        }
    }
    true
}

fn finish(buf: Vec<u8>, too_long: bool) -> Reply {
    if too_long {
        return Reply::Invalid(format!("the answer is longer than {MAX_ANSWER} bytes; shorten it"));
    }
    match String::from_utf8(buf) {
        Ok(s) => Reply::Text(s.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")),
        Err(_) => Reply::Invalid("the answer is not valid UTF-8; check the terminal's character set (locale)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_trimmed_joined_and_checked() {
        assert_eq!(finish(b"  one \n\n two\n".to_vec(), false), Reply::Text("one two".into()));
        assert!(matches!(finish(vec![0xff, b'a'], false), Reply::Invalid(w) if w.contains("UTF-8")));
        assert!(matches!(finish(b"a".to_vec(), true), Reply::Invalid(w) if w.contains("longer")));
        let mut b = "aé".as_bytes().to_vec();
        assert!(pop_char(&mut b));
        assert_eq!(b, b"a");
    }

    /// A pseudo-terminal pair: (master, slave), the slave canonical.
    fn pty() -> (File, File) {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = OpenOptions::new().read(true).write(true).open(name.to_str().unwrap()).unwrap();
        (File::from(master), slave)
    }

    /// Waits (at most 10 s) until the slave has input to read.
    fn wait_readable(slave: &File) {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut fds = [PollFd::new(slave, PollFlags::IN)];
        let timeout = Timespec { tv_sec: 10, tv_nsec: 0 };
        assert_eq!(poll(&mut fds, Some(&timeout)).unwrap(), 1, "the pty's input never arrived");
    }

    /// The race `end_of_input_at_the_prompt_ends_the_line` (tests/it)
    /// could lose: Ctrl-D reaches the terminal after avow looked for input
    /// typed ahead but before raw mode took effect. It must still end the
    /// answer (it once was a NUL that avow ignored, waiting forever).
    #[test]
    fn end_of_input_queued_before_raw_mode_ends_the_answer() {
        for (typed, want) in [(&b"\x04"[..], Reply::End), (b"ab\x04", Reply::Text("ab".into()))] {
            let (mut master, slave) = pty();
            master.write_all(typed).unwrap();
            wait_readable(&slave);
            let mut tty = Tty { file: slave, pending: Vec::new() };
            // What read_answer does once typed_ahead found nothing.
            let mode = tty.raw(false).unwrap();
            tty.queued_at_switch();
            assert_eq!(tty.pending.last(), Some(&0x04), "{typed:?}: {:?}", tty.pending);
            let reply = tty.edit_line(false, false);
            drop(mode);
            assert_eq!(reply, want, "{typed:?}");
        }
    }
}
