//! Hook managers from the Python package index (pre-commit, lefthook) for
//! the integration tests: taken from PATH when there, otherwise installed
//! once into a virtual environment under the target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What the tests install when a tool is not on PATH.
const PACKAGES: [&str; 2] = ["pre-commit==4.5.1", "lefthook==2.2.1"];

/// The virtual environment (its name changes with `PACKAGES`).
fn venv() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("hook-managers-1")
}

/// Creates the environment once. `flock` serialises concurrent test runs;
/// a marker file says it is complete, so an interrupted install is redone.
fn ensure_venv() -> &'static Path {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = venv();
        let home = tempfile::tempdir().unwrap();
        let script = format!(
            "test -f \"$1/complete\" && exit 0; rm -rf \"$1\" && python3 -m venv \"$1\" && \"$1/bin/python\" -m pip install -q {} && touch \"$1/complete\"",
            PACKAGES.join(" ")
        );
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        let mut c = Command::new("flock");
        avow_testutil::hermetic(&mut c, home.path());
        let out = c
            .arg(dir.with_extension("lock"))
            .args(["sh", "-c", &script, "sh"])
            .arg(&dir)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "installing {PACKAGES:?}: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// The executable `name` (`pre-commit` or `lefthook`).
pub fn tool(name: &str) -> PathBuf {
    let on_path =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()));
    on_path.unwrap_or_else(|| ensure_venv().join("bin").join(name))
}

/// PATH with the binary under test and the tool `name` first, as after
/// `cargo install` and the tool's own installation.
pub fn path_with(name: &str) -> std::ffi::OsString {
    let mut dirs = vec![crate::support::avow_bin().parent().unwrap().to_path_buf()];
    dirs.push(tool(name).parent().unwrap().to_path_buf());
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(dirs).unwrap()
}

/// Commits a new file on a terminal with `env` (the hook manager on PATH)
/// and answers avow's questions: human, and a rationale naming `manager`.
/// Checks the questions were shown and the answers signed.
pub fn answer_on_terminal(w: &crate::support::World, manager: &str, env: &[(&str, &std::ffi::OsStr)]) {
    w.write("a.txt", "a\n");
    w.git(["add", "-A"]);
    let rationale = format!("The answers typed on the terminal reach avow through {manager}.");
    let (code, screen) = w.on_terminal("git commit -q -m 'Add a'", &format!("1\n{rationale}\n"), env);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("How was this change written?"), "{screen}");
    assert_eq!(w.trailer("HEAD", "Rationale"), Some(rationale));
    w.verify("base..HEAD").expect(0);
}
