//! The change digest of docs/payload.md computed the way a reader would by
//! hand: from `git diff-tree --raw`, `git cat-file` and `git diff` output,
//! hashed by the `sha256sum` program. No avow code is involved, so a test
//! that compares this with `avow_verify::change::digest` checks avow
//! against the specification, not against itself.

use std::process::Stdio;

use crate::TestRepo;

/// The `git diff` of two blobs with every option that shapes its hunks
/// spelled out (docs/payload.md, "Hunks").
pub const DIFF_OPTIONS: [&str; 8] = [
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    "--inter-hunk-context=0",
    "-U3",
    "--no-prefix",
];

const S_IFMT: u32 = 0o170_000;
const S_IFGITLINK: u32 = 0o160_000;

/// One side of a `--raw` entry.
#[derive(Clone)]
struct Side {
    mode: u32,
    mode_text: String,
    id: String,
}

impl TestRepo {
    /// `sha256sum` of `data`, 64 hex digits.
    pub fn sha256sum(&self, data: &[u8]) -> String {
        use std::io::Write as _;
        let mut child =
            self.command("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("run sha256sum");
        child.stdin.take().expect("stdin").write_all(data).expect("write");
        let out = child.wait_with_output().expect("sha256sum");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("utf8")[..64].to_owned()
    }

    /// The change digest of `commit` against its first parent (the empty
    /// tree for a root commit), by hand; `None` when no path changes.
    pub fn change_digest_by_hand(&self, commit: &str) -> Option<String> {
        let mut digests: Vec<String> = self.file_records_by_hand(commit).iter().map(|r| self.sha256sum(r)).collect();
        if digests.is_empty() {
            return None;
        }
        digests.sort();
        let list = digests.join("\n") + "\n";
        Some(self.sha256sum(list.as_bytes()))
    }

    /// The file records of `commit`'s change, by hand, in `--raw` order.
    pub fn file_records_by_hand(&self, commit: &str) -> Vec<Vec<u8>> {
        let parent = self.git_output(["rev-parse", "--verify", "-q", &format!("{commit}^")]);
        let parent = if parent.status.success() {
            String::from_utf8(parent.stdout).expect("utf8").trim().to_owned()
        } else {
            self.git(["hash-object", "-t", "tree", "/dev/null"])
        };
        let raw = self.git_stdin(["diff-tree", "-r", "--no-renames", "--no-abbrev", "-z", &parent, commit], b"");
        let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
        let mut records = Vec::new();
        while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
            // `:OLDMODE NEWMODE OLDID NEWID STATUS`
            let meta = String::from_utf8(meta.to_vec()).expect("ascii");
            let f: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            let side = |mode: &str, id: &str| {
                let m = u32::from_str_radix(mode, 8).expect("octal mode");
                (m != 0).then(|| Side { mode: m, mode_text: mode.to_owned(), id: id.to_owned() })
            };
            let (old, new) = (side(f[0], f[2]), side(f[1], f[3]));
            records.push(self.record_by_hand(path, old.as_ref(), new.as_ref()));
        }
        records
    }

    fn record_by_hand(&self, path: &[u8], old: Option<&Side>, new: Option<&Side>) -> Vec<u8> {
        let mut r = b"path ".to_vec();
        r.extend_from_slice(path);
        r.extend_from_slice(b"\0mode ");
        r.extend_from_slice(old.map_or("000000", |s| s.mode_text.as_str()).as_bytes());
        r.push(b' ');
        r.extend_from_slice(new.map_or("000000", |s| s.mode_text.as_str()).as_bytes());
        r.push(b'\n');
        let kind = |s: &Side| s.mode & S_IFMT;
        if let (Some(o), Some(n)) = (old, new) {
            if o.id == n.id && kind(o) == kind(n) {
                return r;
            }
        }
        let content = |s: Option<&Side>| match s {
            Some(s) if kind(s) != S_IFGITLINK => Some(self.git_stdin(["cat-file", "blob", &s.id], b"")),
            _ => None,
        };
        let (old_bytes, new_bytes) = (content(old), content(new));
        let text = |s: Option<&Side>, c: &Option<Vec<u8>>| {
            s.is_none() || c.as_ref().is_some_and(|c| !c[..c.len().min(8000)].contains(&0))
        };
        let same_kind = match (old, new) {
            (Some(o), Some(n)) => kind(o) == kind(n),
            _ => true,
        };
        if same_kind && text(old, &old_bytes) && text(new, &new_bytes) {
            let empty = self.git(["hash-object", "-w", "/dev/null"]);
            let blob = |s: Option<&Side>| s.map_or(empty.clone(), |s| s.id.clone());
            let mut args: Vec<String> = vec!["diff".into()];
            args.extend(DIFF_OPTIONS.iter().map(|s| (*s).to_owned()));
            args.extend([blob(old), blob(new)]);
            let diff = self.git_stdin(&args, b"");
            hunks_by_hand(&mut r, &diff, old_bytes.as_deref().unwrap_or_default());
            return r;
        }
        for (label, side, bytes) in [("old", old, &old_bytes), ("new", new, &new_bytes)] {
            let line = match (side, bytes) {
                (None, _) => format!("{label} none\n"),
                (Some(_), Some(b)) => format!("{label} blob {}\n", self.sha256sum(b)),
                (Some(s), None) => format!("{label} commit {}\n", s.id),
            };
            r.extend_from_slice(line.as_bytes());
        }
        r
    }
}

/// Appends `hunk N\n` and the hunk's lines, as git printed them, for each
/// hunk of a `git diff` of two blobs.
fn hunks_by_hand(r: &mut Vec<u8>, diff: &[u8], old: &[u8]) {
    let old_lines: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let lines: Vec<&[u8]> = diff.split_inclusive(|&b| b == b'\n').collect();
    let mut i = lines.iter().position(|l| l.starts_with(b"@@ ")).unwrap_or(lines.len());
    while i < lines.len() {
        // `@@ -START[,COUNT] +… @@`
        let header = String::from_utf8_lossy(lines[i]).into_owned();
        let old_range = header.split(' ').nth(1).expect("range").trim_start_matches('-').to_owned();
        let mut nums = old_range.split(',').map(|n| n.parse::<usize>().expect("number"));
        let start = nums.next().expect("start");
        let count = nums.next().unwrap_or(1);
        let end = lines[i + 1..].iter().position(|l| l.starts_with(b"@@ ")).map_or(lines.len(), |p| i + 1 + p);
        let body = &lines[i + 1..end];
        let mut pre: Vec<Vec<u8>> = Vec::new();
        for (k, l) in body.iter().enumerate() {
            if l.starts_with(b" ") || l.starts_with(b"-") {
                let mut content = l[1..].to_vec();
                if body.get(k + 1).is_some_and(|n| n.starts_with(b"\\ ")) {
                    content.pop();
                }
                pre.push(content);
            }
        }
        assert_eq!(pre.len(), count);
        let at = if count == 0 { start } else { start - 1 };
        let earlier = (0..at).filter(|&p| old_lines.get(p..p + pre.len()).is_some_and(|w| w == pre)).count();
        let occurrence = if pre.is_empty() { at + 1 } else { earlier + 1 };
        r.extend_from_slice(format!("hunk {occurrence}\n").as_bytes());
        for l in body {
            r.extend_from_slice(l);
        }
        i = end;
    }
}
