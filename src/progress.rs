//! A progress bar on standard error for long ranges, so that a maintainer
//! verifying thousands of commits sees that avow is working. Drawn only
//! when standard error is a terminal, the range is long and `--quiet` is
//! off; never in CI logs or pipes.

use std::io::IsTerminal as _;

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
