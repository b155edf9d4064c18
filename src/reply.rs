//! What came back from a question at the terminal: one type for the
//! prompts (`tty.rs`) and for systems without them (`tty_none.rs`).

/// What came back from a question.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(unix), allow(dead_code, reason = "no terminal there produces a reply (tty_none.rs)"))]
pub enum Reply {
    /// An answer (trimmed; pasted lines joined by a space).
    Text(String),
    /// End of input (Ctrl-D on an empty line, or the terminal went away).
    End,
    /// Ctrl-C or Ctrl-\.
    Interrupted,
    /// An answer avow cannot take, and why (said to the person).
    Invalid(String),
}
