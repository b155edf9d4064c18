//! Talking to the person at the terminal, through `/dev/tty` so that it
//! works inside git hooks, whose standard streams git owns.

use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};

/// The controlling terminal, if there is one and prompting is allowed.
pub struct Tty {
    reader: BufReader<File>,
    writer: File,
}

impl Tty {
    /// Opens `/dev/tty`; `None` without a controlling terminal.
    pub fn open() -> Option<Tty> {
        let f = OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
        let writer = f.try_clone().ok()?;
        Some(Tty { reader: BufReader::new(f), writer })
    }

    /// Prints text (no newline added).
    pub fn say(&mut self, text: &str) {
        let _ = self.writer.write_all(text.as_bytes());
        let _ = self.writer.flush();
    }

    /// Asks a question; `None` at end of input.
    pub fn ask(&mut self, question: &str) -> Option<String> {
        self.say(question);
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => {
                // Ctrl-D leaves the cursor after the question: end its line
                // so that what follows does not run on from it.
                self.say("\n");
                None
            }
            Ok(_) => Some(line.trim().to_owned()),
        }
    }
}
