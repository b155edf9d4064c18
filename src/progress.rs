//! A progress bar on standard error for long ranges, so that a maintainer
//! verifying thousands of commits sees that avow is working. Drawn only
//! when standard error is a terminal, the range is long and `--quiet` is
//! off; never in CI logs or pipes.

use std::io::IsTerminal as _;
use std::sync::{Mutex, OnceLock};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{self, Verbosity};

/// Ranges longer than this many commits get a progress bar.
pub const LONG_RANGE: usize = 500;

/// A progress bar, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar counting `total` commits, when one should be drawn.
    pub fn commits(total: usize, verb: &str) -> Progress {
        let wanted = total > LONG_RANGE && std::io::stderr().is_terminal() && output::verbosity() != Verbosity::Quiet;
        if !wanted {
            return Progress(None);
        }
        let bar = if output::colour_for(true) { "{bar:40.cyan/blue}" } else { "{bar:40}" };
        let style = ProgressStyle::with_template(&format!("{{prefix}} {bar} {{pos}}/{{len}} commits ({{eta}})"))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let pb = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
            .with_style(style.progress_chars("=> "))
            .with_prefix(verb.to_owned());
        pb.tick();
        Progress(Some(pb))
    }

    /// Runs `f` (which writes to the terminal) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(pb) => pb.suspend(f),
            None => f(),
        }
    }

    /// One more commit done.
    pub fn inc(&self) {
        if let Some(pb) = &self.0 {
            pb.inc(1);
        }
    }
}

impl Drop for Progress {
    /// Clears the bar so that the output that follows starts on a clean line.
    fn drop(&mut self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// A bar for a range whose length is known only once it is walked, while
/// its commits are already being verified: those done before the bar
/// starts are counted, and the bar starts from them.
pub struct Later {
    verb: &'static str,
    bar: OnceLock<Progress>,
    /// Commits done before the bar started.
    early: Mutex<u64>,
}

impl Later {
    /// No bar yet.
    pub fn new(verb: &'static str) -> Later {
        Later { verb, bar: OnceLock::new(), early: Mutex::new(0) }
    }

    /// Starts the bar for `total` commits (when one should be drawn).
    pub fn start(&self, total: usize) {
        let mut early = self.early.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bar = Progress::commits(total, self.verb);
        if let Some(pb) = &bar.0 {
            pb.inc(*early);
        }
        _ = self.bar.set(bar);
        *early = 0;
    }

    /// One more commit done.
    pub fn inc(&self) {
        if let Some(bar) = self.bar.get() {
            return bar.inc();
        }
        let mut early = self.early.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The bar is set under the lock: a commit is counted once.
        match self.bar.get() {
            Some(bar) => bar.inc(),
            None => *early += 1,
        }
    }

    /// Runs `f` (which writes to the terminal) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.bar.get() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}
