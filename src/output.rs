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
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::new(format!("cannot write to standard output: {e}"))
                .hint("redirect the output to a file or pipe that can take it, e.g. `git avow man > git-avow.1`"))
        }
        _ => Ok(()),
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
        let mut s = Summary { total: reports.len(), ..Summary::default() };
        for r in reports {
            match r.verdict {
                Verdict::Accepted => s.accepted += 1,
                Verdict::Rejected => s.rejected += 1,
                Verdict::Exempt(_) => s.exempt += 1,
                Verdict::Skipped(_) => s.skipped += 1,
            }
            s.warnings += r.findings.iter().filter(|f| f.severity == Severity::Warn).count();
        }
        s
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
        format!("avow: {} (range {}, trust {})\n", Summary::of(self.reports).line(), self.spec, self.trusted.rev)
    }
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
