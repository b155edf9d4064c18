//! Rendering verification results: human text, JSON, GitHub workflow
//! commands and SARIF; colour and verbosity shared by every command.

pub mod github;
pub mod markdown;
pub mod sarif;

use std::io::{IsTerminal as _, Write as _};
use std::sync::OnceLock;

use avow_policy::policy::Severity;
use avow_policy::text::visible;
use avow_verify::trust::Trusted;
use avow_verify::verify::{Report, Verdict};
use serde_json::{json, Value};

use crate::error::{CliError, Result};

/// Output formats shared by the commands that report on commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for a person at a terminal.
    Human,
    /// One JSON document (schema in docs/cli.md).
    Json,
    /// GitHub Actions workflow commands: an error annotation per rejected
    /// commit, a warning per policy warning, and a job summary.
    Github,
    /// A SARIF 2.1.0 log (for code-scanning tools).
    Sarif,
}

/// Formats of commands that describe one thing (a commit, the keyring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextFormat {
    /// Text for a person at a terminal.
    Human,
    /// One JSON document (schema in docs/cli.md).
    Json,
}

/// How much the human output says: `--quiet`, default, `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// Only what failed, and the summary.
    Quiet,
    /// The usual.
    #[default]
    Normal,
    /// Fingerprints, change digests and other details.
    Verbose,
}

static VERBOSITY: OnceLock<Verbosity> = OnceLock::new();

/// Prints the error the way every avow error looks:
/// `git-avow: error: …` and `hint: …`.
pub fn report_error(err: &CliError) -> std::process::ExitCode {
    errln!("git-avow: error: {}", err.message);
    if let Some(h) = &err.hint {
        errln!("hint: {h}");
    }
    std::process::ExitCode::from(crate::error::ERROR)
}

/// Sets the verbosity for the whole run (once, from the global flags).
pub fn set_verbosity(v: Verbosity) {
    let _ = VERBOSITY.set(v);
}

/// The verbosity the global `--quiet`/`--verbose` flags chose.
pub fn verbosity() -> Verbosity {
    VERBOSITY.get().copied().unwrap_or_default()
}

/// A non-empty environment variable that is not `0`.
fn env_on(name: &str) -> Option<bool> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(|v| v != "0")
}

/// Whether to colour a stream: `NO_COLOR` (any non-empty value) always
/// wins; then `CLICOLOR_FORCE` (non-empty, not `0`) forces colour; then
/// `CLICOLOR=0` turns it off; otherwise colour only on a terminal.
pub fn colour_for(is_terminal: bool) -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if env_on("CLICOLOR_FORCE") == Some(true) {
        return true;
    }
    if env_on("CLICOLOR") == Some(false) {
        return false;
    }
    is_terminal
}

/// Whether to colour standard output.
pub fn colour() -> bool {
    colour_for(std::io::stdout().is_terminal())
}

/// Writes to standard output. A reader that went away (`| head`) is not an
/// error; a write that fails otherwise (a full disk) is, never a panic.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()).err().and_then(|e| write_error(&e)) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// `println!` for what a command prints: through [`write_stdout`], so a
/// closed pipe (`git avow init | true`) is no panic. Evaluates to
/// `Result<()>`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}
pub(crate) use outln;

/// `eprintln!` that cannot panic: when standard error is a closed pipe
/// (`git avow verify 2>&1 | head -1`) the message is dropped, since there is
/// nowhere left to report it.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use errln;

/// `eprint!` that cannot panic, like [`errln`].
macro_rules! errprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use errprint;

/// Wraps `text` in an ANSI colour when `on`.
pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// The short commit id used in human output.
pub fn short(id: git2::Oid) -> String {
    id.to_string()[..12].to_owned()
}

/// One commit in human form: a verdict line, then one indented line per
/// finding.
pub fn human_commit(r: &Report, colour: bool, verbose: bool) -> String {
    let (word, code) = match (&r.verdict, r.findings.iter().any(|f| f.severity == Severity::Warn)) {
        (Verdict::Accepted, false) => ("ok", "32"),
        (Verdict::Accepted, true) => ("warn", "33"),
        (Verdict::Rejected, _) => ("FAIL", "31;1"),
        (Verdict::Exempt(_), _) => ("exempt", "2"),
        (Verdict::Skipped(_), _) => ("skip", "2"),
    };
    // Commit text is the committer's: never let it drive the terminal; pad
    // before painting so that escape codes do not count as width.
    let mut line = format!("{}  {}  {}", paint(colour, code, &format!("{word:<6}")), short(r.id), visible(&r.subject));
    match (&r.verdict, &r.signer, r.authorship) {
        (Verdict::Accepted, Some(s), Some(a)) => {
            line.push_str(&format!("  [{a}, {} <{}>]", visible(&s.name), visible(&s.email)));
        }
        (Verdict::Exempt(why) | Verdict::Skipped(why), _, _) => line.push_str(&format!("  ({})", visible(why))),
        _ => {}
    }
    if let (Verdict::Accepted, Some(via)) = (&r.verdict, &r.via) {
        line.push_str(&format!("  ({})", visible(via)));
    }
    line.push('\n');
    for f in &r.findings {
        let tag = if f.severity == Severity::Deny { "" } else { "warning: " };
        line.push_str(&format!("        {tag}{} [{}]\n", visible(&f.message), f.rule));
    }
    if verbose {
        if let Some(s) = &r.signer {
            line.push_str(&format!("        signer {} ({})\n", s.fingerprint, s.role));
        }
        if let Some(d) = &r.change {
            line.push_str(&format!("        change {d}{}\n", if r.fast_path { " (tree binding)" } else { "" }));
        }
    }
    line
}

/// Counts of verdicts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub exempt: usize,
    pub skipped: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(reports: &[Report]) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            s.add(r);
        }
        s
    }

    /// Counts one more report.
    pub fn add(&mut self, r: &Report) {
        self.total += 1;
        match r.verdict {
            Verdict::Accepted => self.accepted += 1,
            Verdict::Rejected => self.rejected += 1,
            Verdict::Exempt(_) => self.exempt += 1,
            Verdict::Skipped(_) => self.skipped += 1,
        }
        self.warnings += r.findings.iter().filter(|f| f.severity == Severity::Warn).count();
    }

    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} accepted", self.accepted), format!("{} rejected", self.rejected)];
        if self.exempt > 0 {
            parts.push(format!("{} exempt", self.exempt));
        }
        if self.skipped > 0 {
            parts.push(format!("{} skipped", self.skipped));
        }
        if self.warnings > 0 {
            parts.push(format!("{} warning{}", self.warnings, if self.warnings == 1 { "" } else { "s" }));
        }
        format!("{} commit{}: {}", self.total, if self.total == 1 { "" } else { "s" }, parts.join(", "))
    }

    pub fn json(&self) -> Value {
        json!({
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "exempt": self.exempt,
            "skipped": self.skipped,
            "warnings": self.warnings,
        })
    }
}

/// One commit as JSON (the `commits[]` element of `verify --format json`
/// and the whole of `show --format json`).
pub fn json_commit(r: &Report) -> Value {
    let reason = match &r.verdict {
        Verdict::Exempt(w) | Verdict::Skipped(w) => Some(w.clone()),
        _ => None,
    };
    json!({
        "commit": r.id.to_string(),
        "subject": r.subject,
        "author": { "name": r.author.name, "email": r.author.email },
        "verdict": r.verdict.as_str(),
        "reason": reason,
        "authorship": r.authorship.map(avow_core::attestation::Authorship::as_str),
        "assisted_by": r.statement.as_ref().map(|s| s.assisted_by.clone()).unwrap_or_default(),
        "understood_by": r.statement.as_ref().map(|s| s.understood_by.to_string()),
        "rationale": r.statement.as_ref().map(|s| s.rationale.clone()),
        "signer": r.signer.as_ref().map(|s| json!({
            "name": s.name, "email": s.email, "role": s.role.to_string(), "fingerprint": s.fingerprint,
        })),
        "signed_at": r.signed_at,
        "change": r.change.map(|d| d.to_string()),
        "fast_path": r.fast_path,
        "via": r.via,
        "trailers": r.trailers.iter().map(|t| json!({"key": t.key, "value": t.value})).collect::<Vec<_>>(),
        "payload": r.payload,
        "signature": r.signature,
        "problems": r.findings.iter().filter(|f| f.severity == Severity::Deny)
            .map(|f| json!({"rule": f.rule, "message": f.message})).collect::<Vec<_>>(),
        "warnings": r.findings.iter().filter(|f| f.severity == Severity::Warn)
            .map(|f| json!({"rule": f.rule, "message": f.message})).collect::<Vec<_>>(),
    })
}

/// A verified range, as the renderers see it.
pub struct RangeRun<'a> {
    /// The range as the user gave it (or the default).
    pub spec: &'a str,
    /// Where the keyring and policy came from.
    pub trusted: &'a Trusted,
    /// One report per commit, oldest first.
    pub reports: &'a [Report],
}

impl RangeRun<'_> {
    /// The last line of human and GitHub output.
    pub fn summary_line(&self) -> String {
        summary_line(&Summary::of(self.reports), self.spec, self.trusted)
    }
}

fn summary_line(summary: &Summary, spec: &str, trusted: &Trusted) -> String {
    format!("avow: {} (range {spec}, trust {})\n", summary.line(), trusted.rev)
}

/// `verify`'s output written as the reports come, oldest first: human text
/// and JSON go to standard output at once (a long range's reports are not
/// kept), the other formats are rendered from all reports at the end. The
/// bytes are exactly [`verify`]'s.
pub struct VerifyStream<'a, W: std::io::Write = std::io::BufWriter<std::io::Stdout>> {
    format: Format,
    spec: &'a str,
    trusted: &'a Trusted,
    colour: bool,
    verbosity: Verbosity,
    summary: Summary,
    /// The reports, for the formats that need them all.
    kept: Vec<Report>,
    out: W,
    /// The first write error; once set, nothing more is written.
    failed: Option<std::io::Error>,
}

impl<'a> VerifyStream<'a> {
    /// Writing to standard output.
    pub fn new(format: Format, spec: &'a str, trusted: &'a Trusted, colour: bool, verbosity: Verbosity) -> Self {
        let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
        VerifyStream::to(out, format, spec, trusted, colour, verbosity)
    }
}

impl<'a, W: std::io::Write> VerifyStream<'a, W> {
    /// Writing to `out`.
    pub fn to(out: W, format: Format, spec: &'a str, trusted: &'a Trusted, colour: bool, verbosity: Verbosity) -> Self {
        VerifyStream {
            format,
            spec,
            trusted,
            colour,
            verbosity,
            summary: Summary::default(),
            kept: Vec::new(),
            out,
            failed: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            if let Err(e) = self.out.write_all(bytes) {
                self.failed = Some(e);
            }
        }
    }

    /// One more report, in range order.
    pub fn push(&mut self, r: Report) {
        let first = self.summary.total == 0;
        self.summary.add(&r);
        match self.format {
            Format::Human => {
                if self.verbosity != Verbosity::Quiet || r.verdict == Verdict::Rejected {
                    let text = human_commit(&r, self.colour, self.verbosity == Verbosity::Verbose);
                    self.write(text.as_bytes());
                }
            }
            Format::Json => {
                if first {
                    self.write(b"{\n  \"commits\": [");
                }
                let text = serde_json::to_string_pretty(&json_commit(&r)).unwrap_or_default();
                let mut item = String::with_capacity(text.len() + text.len() / 8);
                item.push_str(if first { "\n" } else { ",\n" });
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        item.push('\n');
                    }
                    item.push_str("    ");
                    item.push_str(line);
                }
                self.write(item.as_bytes());
            }
            Format::Github | Format::Sarif => self.kept.push(r),
        }
    }

    /// Ends the output; the counts of the verdicts.
    pub fn finish(mut self) -> Result<Summary> {
        match self.format {
            Format::Human => {
                let line = summary_line(&self.summary, self.spec, self.trusted);
                self.write(line.as_bytes());
            }
            Format::Json => {
                // The rest of the document, as serde_json orders and
                // indents it (keys sorted: `commits` comes first).
                let rest = json!({
                    "range": self.spec,
                    "trust": { "rev": self.trusted.rev, "commit": self.trusted.commit.to_string() },
                    "ok": self.summary.rejected == 0,
                    "summary": self.summary.json(),
                });
                let rest = serde_json::to_string_pretty(&rest).unwrap_or_default();
                let rest = rest.strip_prefix("{\n").unwrap_or(&rest);
                let head = if self.summary.total == 0 { "{\n  \"commits\": [],\n" } else { "\n  ],\n" };
                let text = format!("{head}{rest}\n");
                self.write(text.as_bytes());
            }
            Format::Github | Format::Sarif => {
                let kept = std::mem::take(&mut self.kept);
                let run = RangeRun { spec: self.spec, trusted: self.trusted, reports: &kept };
                let text = verify(self.format, &run, self.colour, self.verbosity);
                self.write(text.as_bytes());
                if self.format == Format::Github {
                    github::append_step_summary(&github::verify_summary(&run))?;
                }
            }
        }
        if let Some(e) = self.failed.take().or_else(|| self.out.flush().err()) {
            if let Some(err) = write_error(&e) {
                return Err(err);
            }
        }
        Ok(self.summary)
    }
}

/// A failed write to standard output as an error; a reader that went away
/// (`| head`) is none, as in [`write_stdout`].
fn write_error(e: &std::io::Error) -> Option<CliError> {
    (e.kind() != std::io::ErrorKind::BrokenPipe).then(|| {
        CliError::new(format!("cannot write to standard output: {e}")).hint(format!(
            "redirect the output to a file or pipe that can take it, e.g. `{} > avow-output.txt`",
            this_command()
        ))
    })
}

/// The command line being run, as a shell reads it back (`git avow ARGS`,
/// each argument one quoted word), for a hint that repeats it; `git avow
/// COMMAND` where an argument is not UTF-8.
fn this_command() -> String {
    let args: Option<Vec<String>> = std::env::args_os().skip(1).map(|a| a.into_string().ok()).collect();
    let words =
        args.map_or_else(|| vec!["COMMAND".to_owned()], |a| a.iter().map(|w| avow_verify::shell_word(w)).collect());
    std::iter::once("git avow".to_owned()).chain(words).collect::<Vec<_>>().join(" ")
}

/// `verify`'s output in `format`. Human output honours the verbosity:
/// quiet prints only rejected commits, verbose adds signer fingerprints
/// and change digests; the summary line always ends it.
pub fn verify(format: Format, run: &RangeRun<'_>, colour: bool, verbosity: Verbosity) -> String {
    match format {
        Format::Human => {
            let mut out = String::new();
            for r in run.reports {
                if verbosity == Verbosity::Quiet && r.verdict != Verdict::Rejected {
                    continue;
                }
                out.push_str(&human_commit(r, colour, verbosity == Verbosity::Verbose));
            }
            out.push_str(&run.summary_line());
            out
        }
        Format::Json => {
            let summary = Summary::of(run.reports);
            let doc = json!({
                "range": run.spec,
                "trust": { "rev": run.trusted.rev, "commit": run.trusted.commit.to_string() },
                "ok": summary.rejected == 0,
                "summary": summary.json(),
                "commits": run.reports.iter().map(json_commit).collect::<Vec<_>>(),
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Github => github::verify(run),
        Format::Sarif => sarif::verify(run),
    }
}

#[cfg(test)]
mod tests {
    use avow_policy::keyring::Keyring;
    use avow_policy::policy::{Finding, Policy};
    use avow_verify::verify::Report;

    use super::*;

    fn report(n: u8, verdict: Verdict, findings: Vec<Finding>) -> Report {
        Report {
            id: git2::Oid::from_bytes(&[n; 20]).unwrap(),
            subject: format!("Commit {n} \u{1b}[31m"),
            author: avow_policy::facts::Ident { name: "A".into(), email: "a@example.org".into() },
            verdict,
            findings,
            signer: None,
            authorship: None,
            statement: None,
            signed_at: Some(1_700_000_000),
            change: (n % 3 != 0).then_some(avow_core::payload::Digest([n; 32])),
            fast_path: n % 2 == 0,
            cached: false,
            payload: None,
            signature: None,
            trailers: Vec::new(),
            facts: None,
            via: (n % 5 == 1).then(|| "attested by a note in refs/notes/avow".into()),
        }
    }

    /// The streamed output is byte for byte what the whole-range renderer
    /// gives, for every format, verbosity and range length (0 included).
    #[test]
    fn streaming_output_is_the_whole_range_output() {
        let trusted = Trusted {
            keyring: Keyring::default(),
            policy: Policy::default(),
            rev: "main".into(),
            commit: git2::Oid::from_bytes(&[9; 20]).unwrap(),
        };
        let all = [
            report(1, Verdict::Accepted, Vec::new()),
            report(
                2,
                Verdict::Rejected,
                vec![Finding {
                    rule: avow_policy::findings::ATTESTATION_MISSING.id.into(),
                    severity: Severity::Deny,
                    message: "no \"trailer\"".into(),
                }],
            ),
            report(3, Verdict::Exempt("bot".into()), Vec::new()),
            report(
                4,
                Verdict::Accepted,
                vec![Finding { rule: "rationale.short".into(), severity: Severity::Warn, message: "short".into() }],
            ),
        ];
        for n in [0, 1, 4] {
            let reports = &all[..n];
            for format in [Format::Human, Format::Json, Format::Sarif] {
                for verbosity in [Verbosity::Quiet, Verbosity::Normal, Verbosity::Verbose] {
                    for colour in [false, true] {
                        let run = RangeRun { spec: "main..HEAD", trusted: &trusted, reports };
                        let whole = verify(format, &run, colour, verbosity);
                        let mut bytes = Vec::new();
                        let mut stream =
                            VerifyStream::to(&mut bytes, format, "main..HEAD", &trusted, colour, verbosity);
                        for r in reports {
                            stream.push(r.clone());
                        }
                        let summary = stream.finish().unwrap();
                        assert_eq!(summary.total, n);
                        assert_eq!(String::from_utf8(bytes).unwrap(), whole, "{n} {format:?} {verbosity:?} {colour}");
                    }
                }
            }
        }
    }
}
