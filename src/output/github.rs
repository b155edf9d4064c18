//! GitHub Actions output: workflow commands (`::error …::…`) that become
//! annotations on the run, and a Markdown job summary.
//!
//! Annotations about a commit carry `file=` the first path the commit
//! changes. The escaping follows GitHub's toolkit (`@actions/core` `command.ts`):
//! in a message `%`, `\r` and `\n` are percent-encoded; in a property value
//! `:` and `,` are too, since they separate properties.

use std::io::Write as _;
use std::path::Path;

use avow_policy::policy::Severity;
use avow_verify::verify::{Report, Verdict};

use super::markdown::{code, md, md_message};
use super::{short, RangeRun, Summary};
use crate::error::{CliError, Result};

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command: `::NAME title=TITLE::MESSAGE`.
pub fn command(name: &str, title: &str, message: &str) -> String {
    format!("::{name} title={}::{}\n", escape_property(title), escape_data(message))
}

/// One workflow command about a commit: `::NAME file=PATH,title=…::…`
/// with the first path the commit changes, when it changes any (so that
/// the annotation links to the change), else without `file`.
fn commit_command(name: &str, r: &Report, title: &str, message: &str) -> String {
    match r.facts.as_ref().and_then(|f| f.change.paths.first()) {
        Some(path) => format!(
            "::{name} file={},title={}::{}\n",
            escape_property(path),
            escape_property(title),
            escape_data(message)
        ),
        None => command(name, title, message),
    }
}

/// `verify --format github`: an `::error` per rejected commit listing its
/// problems, a `::warning` per policy warning, then the summary line.
pub fn verify(run: &RangeRun<'_>) -> String {
    let mut out = String::new();
    for r in run.reports {
        if r.verdict == Verdict::Rejected {
            let mut message = format!("{} {}", r.id, r.subject);
            for f in r.findings.iter().filter(|f| f.severity == Severity::Deny) {
                message.push_str(&format!("\n{} [{}]", f.message, f.rule));
            }
            out.push_str(&commit_command("error", r, &format!("avow: commit {} rejected", short(r.id)), &message));
        }
        for f in r.findings.iter().filter(|f| f.severity == Severity::Warn) {
            let title = format!("avow: commit {} warning {}", short(r.id), f.rule);
            out.push_str(&commit_command("warning", r, &title, &format!("{} {}\n{}", r.id, r.subject, f.message)));
        }
    }
    out.push_str(&run.summary_line());
    out
}

/// The job summary for `verify`: the summary line, then one row per commit
/// that is rejected or warned about.
pub fn verify_summary(run: &RangeRun<'_>) -> String {
    let summary = Summary::of(run.reports);
    let mark = if summary.rejected == 0 { "✅" } else { "❌" };
    let mut out = format!(
        "### {mark} avow verify\n\n{} (range {}, trust {})\n",
        summary.line(),
        code(run.spec),
        code(&run.trusted.rev)
    );
    let noteworthy: Vec<&Report> =
        run.reports.iter().filter(|r| r.verdict == Verdict::Rejected || !r.findings.is_empty()).collect();
    if !noteworthy.is_empty() {
        out.push_str("\n| commit | subject | verdict | findings |\n| --- | --- | --- | --- |\n");
    }
    for r in noteworthy {
        let findings: Vec<String> = r
            .findings
            .iter()
            .map(|f| {
                let tag = if f.severity == Severity::Deny { "" } else { "warning: " };
                format!("{tag}{} [{}]", md_message(&f.message), code(&f.rule))
            })
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            short(r.id),
            md(&r.subject),
            r.verdict.as_str(),
            findings.join("<br>")
        ));
    }
    out
}

/// Appends `markdown` to the file `$GITHUB_STEP_SUMMARY` names, when it is
/// set (GitHub Actions shows it on the run's summary page).
pub fn append_step_summary(markdown: &str) -> Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = Path::new(&path);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{markdown}\n").as_bytes()));
    written.map_err(|e| {
        CliError::new(format!("cannot append the job summary to {} (GITHUB_STEP_SUMMARY): {e}", path.display()))
            .hint("unset GITHUB_STEP_SUMMARY outside GitHub Actions, or point it at a writable file")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("50% a:b,c\nd"), "50%25 a%3Ab%2Cc%0Ad");
        assert_eq!(command("error", "t: x", "m,1"), "::error title=t%3A x::m,1\n");
    }
}
