//! `git avow show`: one commit, everything avow sees in it.

use avow_policy::keyring::Keyring;
use avow_policy::policy::Policy;
use avow_policy::text::visible;
use avow_verify::trust::{resolve_commit, Trusted};
use avow_verify::verify::{Options, Verifier};

use crate::error::{Outcome, Result};
use crate::git::open_repo;
use crate::output::{self, TextFormat, Verbosity};

/// Show one commit's trailers (as git parses them), change digest, signed
/// payload, signature and verdict.
///
/// The verdict uses the keyring and policy at `--trust` (default: the
/// commit's first parent, as `verify PARENT..COMMIT` would). Exit 1 when
/// the commit is rejected. With `--quiet`, only the verdict and its
/// findings.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commit.
    #[arg(default_value = "HEAD")]
    pub rev: String,
    /// Read the keyring and policy from REV.
    #[arg(long, value_name = "REV")]
    pub trust: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    let commit = resolve_commit(&repo, &args.rev)?;
    let trust_rev = args.trust.clone().unwrap_or_else(|| format!("{}^", commit.id()));
    // Without a trust base (a root commit, or no .avow/ there), show still
    // shows everything; the verdict then only covers the signature itself.
    let mut no_trust = None;
    let trusted = match Trusted::load(&repo, &trust_rev) {
        Ok(t) => t,
        Err(e) if args.trust.is_some() => return Err(e.into()),
        Err(e) => {
            no_trust = Some(if commit.parent_count() == 0 {
                "a root commit has no parent to take a keyring from".to_owned()
            } else {
                e.to_string()
            });
            Trusted {
                keyring: Keyring::default(),
                policy: Policy::default(),
                rev: "(none)".into(),
                commit: commit.id(),
            }
        }
    };
    let options = Options { keep_payload: true, no_fast_path: true, ..Options::default() };
    let report = Verifier::new(&trusted, std::collections::HashSet::new(), options).verify(&repo, &commit)?;
    match args.format {
        TextFormat::Json => {
            let mut v = output::json_commit(&report);
            v["trust"] = serde_json::json!(trusted.rev);
            output::write_stdout(format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()).as_bytes())?;
        }
        // Quiet: only the verdict and its findings; otherwise everything.
        TextFormat::Human if output::verbosity() == Verbosity::Quiet => {
            output::write_stdout(output::human_commit(&report, output::colour(), false).as_bytes())?;
        }
        TextFormat::Human => {
            let mut out = format!("commit {}\nsubject {}\n", report.id, visible(&report.subject));
            out.push_str(&format!("author {} <{}>\n", visible(&report.author.name), visible(&report.author.email)));
            // The commit's own change digest, whatever the verdict.
            let parent_tree = avow_verify::commit::parent_tree(&commit)?;
            let digest = avow_verify::change::digest(&repo, parent_tree.as_ref(), &commit.tree()?)
                .map_err(avow_verify::Error::from)?;
            out.push_str(&format!("change {}\n", digest.map_or_else(|| "none".to_owned(), |d| d.to_string())));
            out.push_str("trailers:\n");
            for t in &report.trailers {
                out.push_str(&format!("  {}\n", visible(&t.to_string())));
            }
            if let Some(p) = &report.payload {
                out.push_str("payload:\n");
                for l in p.lines() {
                    out.push_str(&format!("  {}\n", visible(l)));
                }
            }
            match &no_trust {
                // The commit that adopts avow, or one before it: no key is
                // known, so say why the verdict rejects it and how to check
                // it against a keyring anyway.
                Some(why) => out.push_str(&format!(
                    "trust (none): {why}; every key is unknown (check against a keyring with --trust REV, e.g. --trust {})\n",
                    args.rev
                )),
                None => out.push_str(&format!("trust {}\n", trusted.rev)),
            }
            out.push_str(&output::human_commit(&report, output::colour(), true));
            output::write_stdout(out.as_bytes())?;
        }
    }
    Ok(if report.verdict == avow_verify::verify::Verdict::Rejected { Outcome::Failed } else { Outcome::Ok })
}
