//! `git avow hook pre-receive` and `git avow hook update REF OLD NEW`: the
//! server side. Run by git in the repository that receives a push (usually
//! bare); what they refuse never reaches the repository. docs/server.md
//! describes the rules and the `avow.receive.*` settings.
//!
//! Trust never comes from the push: an existing ref is judged against the
//! keyring and policy at its current value (read from the repository, not
//! from the old id the pusher's git claims); a new ref, a tag, or a ref
//! whose current value has no `.avow/` against the default branch (the
//! bare repository's `HEAD`, or `avow.receive.defaultBranch`). The commits
//! judged are those the push adds to the ref: for a force push, those not
//! already in the ref's current value. A force push may not change the
//! `.avow/` of a ref judged by its own: the commits it drops are never
//! checked, and dropping a revocation would restore the key.
//!
//! The pushed objects are in git's quarantine while the hook runs
//! (`GIT_OBJECT_DIRECTORY`); `open_repo` reads git's environment, and the
//! verifier's own handles add those directories (`avow_verify::repo`).

use std::io::Read as _;

use git2::{Oid, Repository};

use crate::cmd::pre_push::{
    has_avow, is_object_id, is_zero, judge, refused_hint, refuses_weak_keys, resign_command, short_id,
};
use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};

/// One ref update as git gives it to `pre-receive` (`OLD NEW REF` lines)
/// and `update` (arguments `REF OLD NEW`).
#[derive(Debug, PartialEq, Eq)]
pub struct RefUpdate {
    pub old: String,
    pub new: String,
    pub refname: String,
}

/// Parses git's pre-receive input; blank lines are ignored.
pub fn parse_input(input: &str) -> Result<Vec<RefUpdate>> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [old, new, refname] if is_object_id(old) && is_object_id(new) => {
                out.push(RefUpdate { old: old.to_owned(), new: new.to_owned(), refname: refname.to_owned() });
            }
            _ => {
                return Err(CliError::new(format!(
                    "pre-receive input line {}: expected `<old sha> <new sha> <ref>`, got {line:?}",
                    n + 1
                ))
                .hint("this command is run by git's pre-receive hook (`git avow install --server`), which feeds it these lines"))
            }
        }
    }
    Ok(out)
}

/// What to do with updates of one kind of ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Verify the commits the update adds.
    Verify,
    /// Let it through unverified.
    Allow,
    /// Refuse it.
    Refuse,
}

/// The `avow.receive.*` settings (docs/server.md).
struct Rules {
    tags: Rule,
    notes: Rule,
    replace: Rule,
    other: Rule,
    deletions: Rule,
    default_branch: Option<String>,
    /// The verifier's options (`avow.batch`).
    options: avow_verify::verify::Options,
}

fn rule(cfg: &Config, key: &str, default: Rule, verify_allowed: bool) -> Result<Rule> {
    let Some(value) = cfg.get(key) else { return Ok(default) };
    match value.as_str() {
        "verify" if verify_allowed => Ok(Rule::Verify),
        "allow" => Ok(Rule::Allow),
        "refuse" => Ok(Rule::Refuse),
        "verify" => {
            Err(CliError::new(format!("{key} is \"verify\", but there is no code to verify in what it covers"))
                .hint(format!("set it to allow or refuse: `git config {key} allow`")))
        }
        _ => {
            let values = if verify_allowed { "verify, allow or refuse" } else { "allow or refuse" };
            Err(CliError::new(format!("{key} is {value:?}, which avow does not know")).hint(format!(
                "set it to {values}: `git config {key} {}`",
                if verify_allowed { "verify" } else { "allow" }
            )))
        }
    }
}

impl Rules {
    fn read(cfg: &Config) -> Result<Rules> {
        Ok(Rules {
            tags: rule(cfg, "avow.receive.tags", Rule::Verify, true)?,
            // A note's attestation is checked with the commit it attests;
            // a notes ref's own commits hold no code, so there is nothing to verify.
            notes: rule(cfg, "avow.receive.notes", Rule::Allow, false)?,
            // A replacement makes git show another commit (another tree)
            // wherever the replaced one is named — on this server and in
            // mirrors — while avow verifies the objects themselves.
            replace: rule(cfg, "avow.receive.replace", Rule::Refuse, false)?,
            other: rule(cfg, "avow.receive.otherRefs", Rule::Verify, true)?,
            deletions: rule(cfg, "avow.receive.deletions", Rule::Allow, false)?,
            default_branch: cfg.get("avow.receive.defaultBranch").filter(|b| !b.is_empty()),
            options: crate::cmd::verify::options_of(cfg, false)?,
        })
    }

    /// The rule for updates (not deletions) of `refname`. Branches are
    /// always verified.
    fn for_ref(&self, refname: &str) -> Rule {
        if is_replace(refname) {
            self.replace
        } else if refname.starts_with("refs/heads/") {
            Rule::Verify
        } else if refname.starts_with("refs/tags/") {
            self.tags
        } else if refname.starts_with("refs/notes/") {
            self.notes
        } else {
            self.other
        }
    }
}

/// Whether `refname` is a replacement (`refs/replace/*`), in any letter
/// case: on a case-insensitive file system `refs/REPLACE/ID` is the file
/// git reads as `refs/replace/ID`.
fn is_replace(refname: &str) -> bool {
    refname.get(..13).is_some_and(|p| p.eq_ignore_ascii_case("refs/replace/"))
}

/// How to name the default branch when `HEAD` does not.
const DEFAULT_BRANCH_HINT: &str =
    "point HEAD at the default branch (`git symbolic-ref HEAD refs/heads/main`) or set `git config avow.receive.defaultBranch main`";

/// The branch new refs are judged against: `avow.receive.defaultBranch`,
/// else what `HEAD` points at. Its full name and, if it exists, its commit.
fn default_branch(repo: &Repository, rules: &Rules) -> Result<(String, Option<Oid>)> {
    let name = match &rules.default_branch {
        Some(b) if b.starts_with("refs/") => b.clone(),
        Some(b) => format!("refs/heads/{b}"),
        None => repo.find_reference("HEAD").ok().and_then(|h| h.symbolic_target().ok().flatten().map(str::to_owned)).ok_or_else(
            || {
                CliError::new(format!("{}: HEAD does not name a branch", repo.path().display()))
                    .hint("point it at the default branch (`git symbolic-ref HEAD refs/heads/main`) or set `git config avow.receive.defaultBranch main`")
            },
        )?,
    };
    let id = repo.refname_to_id(&name).ok().and_then(|id| repo.find_commit(id).ok()).map(|c| c.id());
    Ok((name, id))
}

/// `install --server`'s check of the receiving repository: a warning when
/// the default branch (what `HEAD` or `avow.receive.defaultBranch` names)
/// does not exist — `git init --bare` leaves `HEAD` at `master` whatever
/// the project pushes — with the command that names the branch the project
/// uses. Without it, new branches and tags have nothing to be verified
/// against and are refused, and so are deletions (see [`judge_update`]).
pub fn default_branch_warning(repo: &Repository) -> Option<String> {
    let cfg = Config::for_server(repo);
    // A setting the hook cannot read is reported by the hook, on every push.
    let rules = Rules::read(&cfg).ok()?;
    let (name, tip) = match default_branch(repo, &rules) {
        Ok(found) => found,
        Err(e) => return Some(e.hint.map_or_else(|| e.message.clone(), |hint| format!("{}; {hint}", e.message))),
    };
    if tip.is_some() {
        return None;
    }
    // The branch to name: the one with a keyring and policy, `main` or
    // `master` among several, else the only one there is.
    let (mut with_avow, mut all) = (Vec::new(), Vec::new());
    for r in repo.references_glob("refs/heads/*").ok()?.flatten() {
        let (Some(branch), Ok(c)) = (r.name().ok().and_then(|n| n.strip_prefix("refs/heads/")), r.peel_to_commit())
        else {
            continue;
        };
        if has_avow(repo, c.id()) {
            with_avow.push(branch.to_owned());
        }
        all.push(branch.to_owned());
    }
    let branches = if with_avow.is_empty() { all } else { with_avow };
    let fix = |branch: &str| {
        if rules.default_branch.is_some() {
            format!("`git config avow.receive.defaultBranch {branch}`")
        } else {
            format!("`git symbolic-ref HEAD refs/heads/{branch}`")
        }
    };
    let what = if rules.default_branch.is_some() { "avow.receive.defaultBranch" } else { "HEAD" };
    Some(if branches.is_empty() {
        format!(
            "the default branch {name} ({what}) does not exist yet: the first push sets up the repository unverified, and until {name} exists, pushes of any other new branch or of a tag are refused (they have nothing to be verified against), and so are deletions; if the project's default branch is another, name it before the first push: {}",
            fix("main")
        )
    } else {
        let to = match branches.as_slice() {
            [one] => fix(one),
            several => match ["main", "master"].iter().find(|b| several.iter().any(|s| s == *b)) {
                Some(b) => fix(b),
                None => format!("{}, BRANCH being one of {}", fix("BRANCH"), several.join(", ")),
            },
        };
        format!(
            "the default branch {name} ({what}) does not exist: pushes of new branches and of tags are refused (they have nothing to be verified against), and so are deletions; name the project's default branch: {to}"
        )
    })
}

/// Whether moving a ref from `current` to `tip` changes the `.avow/` it
/// will be judged against next time without a commit that changes it: a
/// push that is not a fast-forward (a rewind, a rewrite) and whose tip's
/// `.avow/` is not the current one. The commits a push adds are checked
/// for changes to `.avow/` (a maintainer's attestation); the commits a
/// rewrite drops are not, and dropping the one that revoked a key would
/// give the key back.
fn rewrites_avow(repo: &Repository, current: Oid, tip: Oid) -> Result<bool> {
    if tip == current || repo.graph_descendant_of(tip, current)? {
        return Ok(false);
    }
    // `.avow` under every name a checkout writes there (`.AVOW`, …), as
    // the verifier counts a change to it.
    let avow = |id: Oid| -> Result<Vec<(Vec<u8>, Oid)>> {
        let tree = repo.find_commit(id)?.tree()?;
        let named =
            |e: &git2::TreeEntry<'_>| avow_verify::verify::is_avow_path(&String::from_utf8_lossy(e.name_bytes()));
        Ok(tree.iter().filter(named).map(|e| (e.name_bytes().to_vec(), e.id())).collect())
    };
    Ok(avow(tip)? != avow(current)?)
}

/// The ref that `refname` names in another letter case, when that is a
/// reason to refuse it: the default branch, always; for a ref this
/// repository does not have yet, any ref it has or this push writes
/// (`names`). On a case-insensitive file system — the server's, or a
/// clone's — `refs/heads/MAIN` *is* `refs/heads/main` (a loose ref is a
/// file), while the rules here, like git's packed refs, would take it for
/// another ref: a new one, judged against the default branch and not
/// refused for rewinding it or for deleting the default branch. Twins that
/// are both there already keep being updated, each judged as itself.
/// Names are compared as macOS's file systems compare them: Unicode
/// canonical decomposition and case folding, not ASCII case alone —
/// `refs/heads/maſter` (a long s) and `refs/heads/\u{212a}eep` (the Kelvin
/// sign) are the files `refs/heads/master` and `refs/heads/keep` there
/// (threat-model entry 114).
fn case_twin<'a>(repo: &Repository, refname: &str, names: &'a [String], default_name: &'a str) -> Option<&'a str> {
    let folded = fold(refname);
    let twin = |other: &&str| *other != refname && fold(other) == folded;
    if twin(&default_name) {
        return Some(default_name);
    }
    if repo.find_reference(refname).is_ok() {
        return None;
    }
    names.iter().map(String::as_str).find(twin)
}

/// `name` as a case-insensitive file system keys it: canonically
/// decomposed (HFS+ stores names so), then case-folded (upper, then lower
/// case: `ſ` and `S` both give `s`, the Kelvin sign and `K` both `k`).
fn fold(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    name.nfd().collect::<String>().to_uppercase().to_lowercase().nfd().collect()
}

/// The tips of every branch the repository has now.
fn branch_tips(repo: &Repository) -> Result<Vec<Oid>> {
    let mut tips = Vec::new();
    for r in repo.references_glob("refs/heads/*")?.flatten() {
        if let Ok(c) = r.peel_to_commit() {
            tips.push(c.id());
        }
    }
    Ok(tips)
}

/// `git avow hook pre-receive`: every ref update on standard input.
pub fn pre_receive() -> Result<Outcome> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        CliError::new(format!("cannot read the pushed refs from standard input: {e}"))
            .hint("this command is run by git's pre-receive hook, which feeds it one line per ref")
    })?;
    let updates = parse_input(&input)?;
    receive(&updates)
}

/// `git avow hook update REF OLD NEW`: one ref update.
pub fn update(refname: &str, old: &str, new: &str) -> Result<Outcome> {
    if !is_object_id(old) || !is_object_id(new) {
        return Err(CliError::new(format!("update {refname} {old} {new}: expected `<ref> <old sha> <new sha>`")).hint(
            "this command is run by git's update hook (`git avow install --hook update`), which passes these arguments",
        ));
    }
    receive(&[RefUpdate { old: old.to_owned(), new: new.to_owned(), refname: refname.to_owned() }])
}

fn receive(updates: &[RefUpdate]) -> Result<Outcome> {
    let repo = open_repo()?;
    // What libgit2 writes while checking merges stays in memory.
    avow_verify::repo::writes_in_memory(&repo)?;
    // Never the pusher's ~/.gitconfig (docs/server.md, "Configuration").
    let cfg = Config::for_server(&repo);
    if cfg.get_bool("avow.enabled")? == Some(false) {
        return Ok(Outcome::Ok);
    }
    let rules = Rules::read(&cfg)?;
    let (default_name, default_tip) = default_branch(&repo, &rules)?;
    let branches = branch_tips(&repo)?;
    // Every ref name there is, and those this push writes.
    let mut names: Vec<String> =
        repo.references()?.flatten().filter_map(|r| r.name().ok().map(str::to_owned)).collect();
    names.extend(updates.iter().map(|u| u.refname.clone()));
    let mut refused = false;
    let mut resign = Vec::new();
    for u in updates {
        if let Some(twin) = case_twin(&repo, &u.refname, &names, &default_name) {
            crate::output::errln!(
                "avow: {}: refused: it differs from {twin} only in letter case, and on a case-insensitive file system (this server's or a clone's) the two are one ref",
                u.refname
            );
            refused = true;
            continue;
        }
        // Once a ref is refused the push is refused whole (pre-receive
        // decides for every ref), so the refs after it are not verified
        // again: one commit pushed to many refs would otherwise be
        // verified once per ref, for a push the server refuses (threat-model
        // entry 119). Their other rules still apply and are reported.
        let verify = !refused;
        if let Judged::Refused(command) =
            judge_update(&repo, &rules, u, (&default_name, default_tip), &branches, verify)?
        {
            refused = true;
            resign.extend(command);
        }
    }
    if refused {
        crate::output::errln!("avow: push refused: {}", refused_hint(&resign));
        return Ok(Outcome::Failed);
    }
    Ok(Outcome::Ok)
}

/// What became of one ref update.
enum Judged {
    Passed,
    /// Refused; with the pusher's command that re-signs the branch when
    /// its commits' own attestations are what fails.
    Refused(Option<String>),
}

/// Judges one ref update.
#[expect(clippy::too_many_lines, reason = "one ref's rules in the order they apply, each a few lines")]
fn judge_update(
    repo: &Repository,
    rules: &Rules,
    u: &RefUpdate,
    (default_name, default_tip): (&str, Option<Oid>),
    branches: &[Oid],
    verify: bool,
) -> Result<Judged> {
    let refname = u.refname.as_str();
    if is_zero(&u.new) {
        // Deleting a symbolic ref deletes what it points at: `master` kept
        // as a symbolic ref to `main` would delete `main`.
        let target = repo.find_reference(refname).and_then(|r| r.resolve()).ok();
        let target = target.as_ref().and_then(|r| r.name().ok());
        if refname == default_name || target == Some(default_name) {
            let through = if refname == default_name {
                String::new()
            } else {
                format!(" {default_name}, through a symbolic ref")
            };
            crate::output::errln!(
                "avow: {refname}: refused: it is the default branch{through}, whose keyring and policy new branches are verified against"
            );
            return Ok(Judged::Refused(None));
        }
        // Without the default branch (HEAD left at a branch that was never
        // pushed, as `git init --bare` leaves it), nothing above protects
        // the branch the project really uses: deleting every branch would
        // make the next push the unverified "first push".
        if default_tip.is_none() && !branches.is_empty() {
            crate::output::errln!(
                "avow: {refname}: refused: the default branch {default_name} does not exist, so no branch may be deleted (one of them is the default branch in all but name); {DEFAULT_BRANCH_HINT} in the receiving repository"
            );
            return Ok(Judged::Refused(None));
        }
        if rules.deletions == Rule::Refuse {
            crate::output::errln!("avow: {refname}: refused: deletions are refused here (avow.receive.deletions)");
            return Ok(Judged::Refused(None));
        }
        return Ok(Judged::Passed);
    }
    match rules.for_ref(refname) {
        Rule::Allow => return Ok(Judged::Passed),
        Rule::Refuse if is_replace(refname) => {
            crate::output::errln!(
                "avow: {refname}: refused: a replacement makes git on this server (and in mirrors of it) show another commit wherever the replaced one is named, which nobody verified as that commit (avow.receive.replace)"
            );
            return Ok(Judged::Refused(None));
        }
        Rule::Refuse => {
            let key = if refname.starts_with("refs/tags/") {
                "avow.receive.tags"
            } else if refname.starts_with("refs/notes/") {
                "avow.receive.notes"
            } else {
                "avow.receive.otherRefs"
            };
            crate::output::errln!("avow: {refname}: refused: updates of this ref are refused here ({key})");
            return Ok(Judged::Refused(None));
        }
        Rule::Verify => {}
    }
    let tip = avow_verify::parse_oid(&u.new).ok().and_then(|id| repo.find_object(id, None).ok()).ok_or_else(|| {
        CliError::new(format!("{refname}: {} is not in this repository", u.new))
            .hint("run the hook through `git push` (git passes the pushed objects in GIT_OBJECT_DIRECTORY)")
    })?;
    // A tag of a tree or blob adds no commits.
    let Ok(tip) = tip.peel_to_commit() else { return Ok(Judged::Passed) };
    // The ref's value now, as this repository has it: not the pusher's claim.
    let current = repo.refname_to_id(refname).ok().and_then(|id| repo.find_commit(id).ok()).map(|c| c.id());
    let own = current.filter(|c| !refname.starts_with("refs/tags/") && has_avow(repo, *c));
    let (trust_name, trust, hide) = if let Some(c) = own {
        if rewrites_avow(repo, c, tip.id())? {
            crate::output::errln!(
                "avow: {refname}: refused: this push replaces the branch's .avow/ (keyring and policy) with another without adding a commit that changes it, so a maintainer never attested the change; every later push would be verified against it"
            );
            crate::output::errln!(
                "avow: {refname}: to change .avow/, push a commit on top of {refname} that makes the change, attested by a maintainer"
            );
            return Ok(Judged::Refused(None));
        }
        (refname.to_owned(), c, vec![c])
    } else if let Some(d) = default_tip {
        // Commits already on a branch were judged when they arrived.
        let mut hide = branches.to_vec();
        hide.extend(current);
        (default_name.to_owned(), d, hide)
    } else if branches.is_empty() {
        crate::output::errln!(
            "avow: {default_name} does not exist yet; {refname} is not verified (the first push sets up the repository)"
        );
        return Ok(Judged::Passed);
    } else {
        return Err(CliError::new(format!(
            "the default branch {default_name} does not exist, so {refname} has nothing to be verified against"
        ))
        .hint(format!("{DEFAULT_BRANCH_HINT} in the receiving repository")));
    };
    if !verify {
        crate::output::errln!("avow: {refname}: not verified: the push is refused already (see above)");
        return Ok(Judged::Passed);
    }
    if refuses_weak_keys(repo, refname, Some(trust), tip.id()) {
        return Ok(Judged::Refused(None));
    }
    // A branch judged by its own keyring still refuses a key the default
    // branch revoked, and a change to .avow/ by one who is no maintainer
    // there: its keyring may predate the revocation or the demotion.
    let default_keyring = match default_tip {
        Some(d) if trust != d && has_avow(repo, d) => {
            Some(avow_verify::trust::Trusted::load(repo, &d.to_string())?.keyring)
        }
        _ => None,
    };
    let default_keyring = default_keyring.as_ref().map(|k| (default_name, k));
    let Some(refused) =
        judge(repo, refname, refname, tip.id(), (&trust_name, trust), &hide, default_keyring, rules.options)?
    else {
        return Ok(Judged::Passed);
    };
    // The pusher names the base by its id: the ref's value here (or the
    // default branch's, for a new ref), which their push builds on.
    let command = refused.resign.then(|| resign_command(&short_id(trust), refname.strip_prefix("refs/heads/")));
    Ok(Judged::Refused(command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A whole id as git writes one: SHA-1 or SHA-256, or the zero id.
    const ID: &str = "[0-9a-f]{40}|[0-9a-f]{64}|0{40}";
    /// A ref name as `git check-ref-format` allows (no space or control
    /// character; the rest of its rules do not matter here).
    const REF: &str = "refs/(heads|tags|notes)/[^\\s\\x00-\\x1f\\x7f~^:?*\\[\\\\]{1,30}";

    proptest! {
        /// git's pre-receive lines (any ref name git allows, SHA-1 or
        /// SHA-256 ids, the zero id of a creation or deletion) read back
        /// update for update; any text reads or is refused with an error,
        /// never a panic, and what reads has whole ids only.
        #[test]
        fn gits_lines_read_back_and_any_text_is_safe(
            updates in proptest::collection::vec((ID, ID, REF), 0..5),
            junk in "\\PC{0,300}",
        ) {
            let text = updates.iter().map(|(o, n, r)| format!("{o} {n} {r}\n")).collect::<Vec<_>>().concat();
            let read = parse_input(&text).unwrap();
            let expected: Vec<RefUpdate> = updates
                .iter()
                .map(|(o, n, r)| RefUpdate { old: o.clone(), new: n.clone(), refname: r.clone() })
                .collect();
            prop_assert_eq!(read, expected);
            if let Ok(read) = parse_input(&junk) {
                prop_assert!(read.iter().all(|u| is_object_id(&u.old) && is_object_id(&u.new)));
            }
        }
    }

    #[test]
    fn parses_gits_lines_and_refuses_anything_else() {
        let a = "a".repeat(40);
        let z = "0".repeat(40);
        let u = parse_input(&format!("{z} {a} refs/heads/x\n\n")).unwrap();
        assert_eq!(u, [RefUpdate { old: z.clone(), new: a.clone(), refname: "refs/heads/x".into() }]);
        assert!(parse_input("").unwrap().is_empty());
        assert!(parse_input(&format!("{a} refs/heads/x")).is_err());
        assert!(parse_input(&format!("{a} {a} refs/heads/x extra")).is_err());
        assert!(parse_input("abc def refs/heads/x").is_err());
    }
}
