//! A release people can install: the project's URL and version in one
//! place (Cargo.toml) that every copy-paste snippet follows, the release
//! workflow as written, and the manual pages where `man` finds them so
//! that `git avow --help` works after the documented install.

use std::path::{Path, PathBuf};

use yaml_rust2::YamlLoader;

use crate::support::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `[workspace.package] KEY = "VALUE"` of the root manifest.
fn workspace_package(key: &str) -> String {
    let manifest = read("Cargo.toml");
    let section = manifest.split("[workspace.package]").nth(1).expect("[workspace.package]");
    let section = section.split("\n[").next().unwrap();
    section
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = \"")).and_then(|v| v.strip_suffix('"')))
        .unwrap_or_else(|| panic!("workspace.package.{key}"))
        .to_owned()
}

/// Every file a user copies snippets from.
fn published_texts() -> Vec<(String, String)> {
    let mut files = vec![
        "README.md".to_owned(),
        "action.yml".to_owned(),
        ".pre-commit-hooks.yaml".to_owned(),
        "ci/gitlab/avow.gitlab-ci.yml".to_owned(),
        ".github/workflows/release.yml".to_owned(),
    ];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if Path::new(&name).extension().is_some_and(|e| e == "md") {
            files.push(format!("docs/{name}"));
        }
    }
    files.into_iter().map(|f| (read(&f), f)).map(|(text, f)| (f, text)).collect()
}

#[test]
fn the_project_url_and_version_are_set_in_one_place_that_every_snippet_follows() {
    let url = workspace_package("repository");
    let version = workspace_package("version");
    assert!(url.starts_with("https://github.com/"), "{url}");
    let slug = url.trim_start_matches("https://github.com/");
    let owner = slug.split('/').next().unwrap();
    let mut wrong = Vec::new();
    for (file, text) in published_texts() {
        for placeholder in ["OWNER/avow", "example.invalid/avow", "<avow's repository URL>", "<tag>"] {
            if text.contains(placeholder) {
                wrong.push(format!("{file}: placeholder {placeholder}"));
            }
        }
        // Every mention of the project: the URL, `OWNER/avow@REF` and raw
        // URLs name the canonical repository and, where a release is
        // named, this version.
        for (i, _) in text.match_indices(&format!("{owner}/")) {
            let rest = &text[i..];
            let mention: String = rest.chars().take_while(|c| !c.is_whitespace() && !"\"'`)<>".contains(*c)).collect();
            let ok = mention.starts_with(slug)
                && [
                    format!("{slug}@v{version}"),
                    format!("{slug}/v{version}/"),
                    format!("{slug}/releases"),
                    slug.to_owned(),
                ]
                .iter()
                .any(|good| mention.starts_with(good.as_str()))
                && (!mention.contains("@v") || mention.ends_with(&format!("@v{version}")));
            if !ok {
                wrong.push(format!("{file}: {mention}"));
            }
        }
        for (i, _) in text.match_indices("rev: v") {
            let rev: String = text[i + 5..].chars().take_while(|c| !c.is_whitespace()).collect();
            if rev != format!("v{version}") {
                wrong.push(format!("{file}: rev {rev}"));
            }
        }
    }
    let template = YamlLoader::load_from_str(&read("ci/gitlab/avow.gitlab-ci.yml")).unwrap().remove(0);
    if template["variables"]["AVOW_VERSION"].as_str() != Some(version.as_str()) {
        wrong.push(format!("ci/gitlab/avow.gitlab-ci.yml: AVOW_VERSION is not {version}"));
    }
    if template["variables"]["AVOW_REPOSITORY"].as_str() != Some(url.as_str()) {
        wrong.push(format!("ci/gitlab/avow.gitlab-ci.yml: AVOW_REPOSITORY is not {url}"));
    }
    assert!(wrong.is_empty(), "not following Cargo.toml ({url}, {version}):\n{}", wrong.join("\n"));
}

#[test]
fn the_release_workflow_builds_every_platform_with_pinned_actions() {
    let text = read(".github/workflows/release.yml");
    let workflow = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let targets: Vec<&str> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    for line in text.lines().filter(|l| l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")) {
        let uses = line.split("uses:").nth(1).unwrap().split('#').next().unwrap().trim();
        let rev = uses.split_once('@').expect("OWNER/REPO@REV").1;
        assert!(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()), "not pinned by commit: {uses}");
    }
    for job in workflow["jobs"].as_hash().unwrap().values() {
        for step in job["steps"].as_vec().unwrap() {
            if let Some(run) = step["run"].as_str() {
                assert!(!run.contains("${{"), "a run: interpolates an expression: {run}");
            }
        }
    }
    assert!(text.contains("sha256sum git-avow-* > SHA256SUMS"));
    assert!(text.contains("ci/source-fingerprint.sh . > dist/source-fingerprint.txt"));
}

/// `man -w NAME` with only `bin` (and the system's directories) on PATH,
/// MANPATH unset: where man finds the page, if it does.
fn man_finds(w: &World, bin: &Path, page: &str) -> Option<String> {
    let out = w
        .command("man")
        .args(["-w", page])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env_remove("MANPATH")
        .output()
        .unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn have_man(w: &World) -> bool {
    let found = w.command("sh").args(["-c", "command -v man"]).output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("man is not installed here: the manual-page lookups are not checked");
    }
    found
}

#[test]
fn git_avow_help_finds_the_manual_after_cargo_install_and_man_install() {
    let w = World::bare();
    if !have_man(&w) {
        return;
    }
    // As `cargo install` leaves it: PREFIX/bin/git-avow.
    let prefix = w.scratch().join("cargo-home");
    let bin = prefix.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(avow_bin(), bin.join("git-avow")).unwrap();
    assert_eq!(man_finds(&w, &bin, "git-avow"), None, "no page before installing one");
    let out = w.command(bin.join("git-avow")).args(["man", "--install"]).output().unwrap();
    let pages = prefix.join("share/man/man1");
    let said = String::from_utf8_lossy(&out.stdout);
    let tail = format!(" manual pages to {}\n", pages.display());
    assert!(said.starts_with("avow: wrote ") && said.ends_with(&tail), "{said}");
    assert_eq!(man_finds(&w, &bin, "git-avow"), Some(pages.join("git-avow.1").display().to_string()));
    assert_eq!(man_finds(&w, &bin, "git-avow-verify"), Some(pages.join("git-avow-verify.1").display().to_string()));
    // `git avow --help` is git's: it runs `man git-avow`.
    let help = w
        .command("git")
        .args(["avow", "--help"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env_remove("MANPATH")
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{}", String::from_utf8_lossy(&help.stderr));
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("NAME git-avow - avow: make a named, key-holding person stand behind each commit"),
        "{text}"
    );
}

#[test]
fn a_release_archive_extracted_into_a_prefix_gives_the_binary_and_its_manual() {
    let w = World::bare();
    let dist = w.scratch().join("dist");
    let version = env!("CARGO_PKG_VERSION");
    let out = w
        .command(root().join("ci/release-archive.sh"))
        .args(["x86_64-unknown-linux-musl", &format!("v{version}"), dist.to_str().unwrap()])
        .env("AVOW_BINARY", avow_bin())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let archive = dist.join(format!("git-avow-v{version}-x86_64-unknown-linux-musl.tar.gz"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), archive.display().to_string());
    let list = w.command("tar").arg("-tzf").arg(&archive).output().unwrap();
    let mut entries: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.ends_with('/'))
        .map(|l| l.split_once('/').unwrap().1.to_owned())
        .collect();
    entries.sort();
    let pages = entries.len() - 2;
    assert!(pages > 20, "{entries:?}");
    assert_eq!(entries[0], "README.md");
    assert_eq!(entries[1], "bin/git-avow");
    assert!(entries[2..].iter().all(|e| e.starts_with("share/man/man1/git-avow") && e.ends_with(".1")), "{entries:?}");
    // The documented install: extract into ~/.local.
    let local = w.scratch().join("local");
    std::fs::create_dir_all(&local).unwrap();
    let x =
        w.command("tar").arg("-xzf").arg(&archive).args(["--strip-components=1", "-C"]).arg(&local).output().unwrap();
    assert!(x.status.success());
    let v = w.command(local.join("bin/git-avow")).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout), format!("git-avow {version}\n"));
    if have_man(&w) {
        let page = local.join("share/man/man1/git-avow.1").display().to_string();
        assert_eq!(man_finds(&w, &local.join("bin"), "git-avow"), Some(page));
    }
}
