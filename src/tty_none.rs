//! Where there is no Unix terminal (Windows): no prompts. avow's prompts
//! drive `/dev/tty` with termios (`tty.rs`); here [`Tty::open`] finds no
//! terminal, so avow behaves as it does under an IDE or in CI on Unix:
//! answers come from flags, configuration and the environment, and what
//! would need a question fails with a hint (docs/install.md).

#![allow(dead_code, reason = "the interface of tty.rs, whose values no terminal here produces")]

pub use crate::reply::Reply;

/// A terminal, which never exists here.
pub struct Tty(std::convert::Infallible);

impl Tty {
    pub fn open() -> Option<Tty> {
        None
    }

    pub fn say(&mut self, _text: &str) {
        match self.0 {}
    }

    pub fn ask(&mut self, _question: &str) -> Reply {
        match self.0 {}
    }

    pub fn ask_paragraph(&mut self, _question: &str) -> Reply {
        match self.0 {}
    }

    pub fn ask_hidden(&mut self, _question: &str) -> Reply {
        match self.0 {}
    }

    pub fn discard_input(&mut self) {
        match self.0 {}
    }
}

/// No terminal, so never a terminal (`avow.prompt` is still read: a value
/// that is not a boolean is an error everywhere).
pub(crate) fn terminal(cfg: &crate::git::Config) -> crate::error::Result<Option<Tty>> {
    cfg.get_bool("avow.prompt")?;
    Ok(None)
}

pub struct Quiet(std::convert::Infallible);

pub fn quiet() -> Option<Quiet> {
    None
}

pub fn asked_secret() -> bool {
    false
}

pub fn interrupted() -> bool {
    false
}

/// Never reached (nothing was asked); exits as a shell reports Ctrl-C.
pub fn die_of_interrupt() -> ! {
    std::process::exit(130)
}

pub fn keep_on_signal(_keep: impl FnOnce() + Send + 'static) -> KeepGuard {
    KeepGuard(())
}

pub struct KeepGuard(());
