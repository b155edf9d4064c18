//! Links the `git-avow` binary statically on Linux with glibc.
//!
//! Why: git starts avow once per commit hook, three times per commit, and
//! starting a dynamically linked `git-avow` costs more than the hook's own
//! work: the dynamic loader maps `libc`, `libm`, `libgcc_s` and `libz`, resolves
//! their symbols and applies 15,000 relocations to a position-independent
//! binary before `main` (docs/performance.md, "the hook …, evening": 258
//! page faults and 1.4 ms of CPU for `--version`, against 209 and 0.9 ms
//! static). The release archives are already static (musl); this gives
//! `cargo install` and `cargo build` the same on glibc.
//!
//! Static and still position-independent (`-static-pie`): a non-PIE build
//! saves another 0.2 ms per start, but puts the binary's code and data at
//! fixed addresses, and a server's pre-receive hook runs this binary over
//! pushed objects with libgit2's C code; address randomisation is worth
//! more there than a fifth of a millisecond per hook.
//!
//! How: rustc's own switch (`-C target-feature=+crt-static`) can only be
//! given to every crate of a build, and then the proc-macro crates fail to
//! build unless `--target` is given, which moves `target/release/`. So the
//! binary's link alone is changed (`rustc-link-arg-bins`, not the tests
//! nor other crates): `-static-pie`, and a directory searched before
//! the system's that holds, for each shared library rustc names (`-lc`,
//! `-lgcc_s`, …), a linker script of that name pointing at the static
//! archive instead — the way glibc's own `libc.so` is a linker script.
//! zlib is built from source by libz-sys (its `static` feature), so no
//! `libz.so` is asked for.
//!
//! Where the static archives or glibc's start file for a static PIE are
//! missing (`cc -print-file-name=libc.a` or `rcrt1.o` finds none), when cross-compiling, on other systems, or with
//! `AVOW_LINK=dynamic` in the environment, nothing changes: the binary is
//! linked as rustc links it, dynamically.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The libraries rustc's standard library asks for on linux-gnu, each with
/// the archives that replace it. `gcc_s` (the unwinder) becomes libgcc's
/// static parts, as with `+crt-static`.
const SHADOWED: [(&str, &[&str]); 8] = [
    ("c", &["libc.a", "libgcc_eh.a", "libgcc.a"]),
    ("gcc_s", &["libgcc_eh.a", "libgcc.a"]),
    ("m", &["libm.a"]),
    ("rt", &["librt.a"]),
    ("pthread", &["libpthread.a"]),
    ("dl", &["libdl.a"]),
    ("util", &["libutil.a"]),
    // Asked for only when `LIBZ_SYS_STATIC=0` makes libz-sys use the
    // system's zlib despite its `static` feature.
    ("z", &["libz.a"]),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AVOW_LINK");
    println!("cargo:rerun-if-env-changed=CC");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let native = var("TARGET") == var("HOST");
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || !native
        || var("AVOW_LINK") == "dynamic"
    {
        return;
    }
    let Some(dir) = shadow_dir(&PathBuf::from(var("OUT_DIR")).join("static-libs")) else {
        println!("cargo:warning=static glibc archives not found (Debian: libc6-dev); linking git-avow dynamically");
        return;
    };
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    // Position-independent: the binary's code and data are placed at
    // random, as a dynamically linked build's are (a server's pre-receive
    // hook reads pushed objects with libgit2's C code). DT_RELR keeps the
    // relocations the binary applies to itself small.
    println!("cargo:rustc-link-arg-bins=-static-pie");
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    // The entry point that ends a prepare-commit-msg with nothing to do
    // before the C library starts (src/hook_start.c says when and why).
    match hook_start(&PathBuf::from(var("OUT_DIR"))) {
        Ok(object) => {
            println!("cargo:rustc-link-arg-bins={}", object.display());
            println!("cargo:rustc-link-arg-bins=-Wl,-e,avow_start");
            // For tests/it/hook_start.rs: this build has the early exit.
            println!("cargo:rustc-env=AVOW_HOOK_START=1");
        }
        Err(why) => println!("cargo:warning=src/hook_start.c not used ({why}); every hook starts the C library"),
    }
}

/// Compiles `src/hook_start.c` freestanding, and links it alone (with its
/// `_start` stubbed) to prove it calls nothing else: before the C library
/// starts, a call to `memset` or the stack protector would crash.
fn hook_start(out: &Path) -> Result<PathBuf, String> {
    println!("cargo:rerun-if-changed=src/hook_start.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let object = out.join("hook_start.o");
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
        status.success().then_some(()).ok_or_else(|| format!("{what} failed"))
    };
    run(
        Command::new(&cc)
            .args(["-c", "-O2", "-fPIE", "-ffreestanding", "-fno-builtin", "-fno-stack-protector"])
            .args(["-fno-tree-loop-distribute-patterns", "-fno-asynchronous-unwind-tables", "-o"])
            .arg(&object)
            .arg("src/hook_start.c"),
        "compiling src/hook_start.c",
    )?;
    run(
        Command::new(&cc)
            .args(["-nostdlib", "-static-pie", "-Wl,-e,avow_start", "-Wl,--defsym,_start=avow_start", "-o"])
            .arg(out.join("hook_start.check"))
            .arg(&object),
        "linking src/hook_start.c alone",
    )?;
    Ok(object)
}

/// Writes the linker scripts into `dir`; `None` when an archive is missing.
fn shadow_dir(dir: &Path) -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let find = |archive: &str| -> Option<PathBuf> {
        let out = Command::new(&cc).arg(format!("-print-file-name={archive}")).output().ok()?;
        let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        // Not found, the compiler prints the name back unchanged.
        (out.status.success() && path.is_absolute() && path.is_file()).then_some(path)
    };
    // glibc's start file for a static position-independent executable.
    find("rcrt1.o")?;
    std::fs::create_dir_all(dir).ok()?;
    for (lib, archives) in SHADOWED {
        let mut paths = Vec::new();
        for archive in archives {
            match find(archive) {
                Some(p) => paths.push(p),
                // Without a static zlib, libz-sys builds its own: nothing asks for `-lz`.
                None if lib == "z" => break,
                None => return None,
            }
        }
        let script = dir.join(format!("lib{lib}.so"));
        if paths.is_empty() {
            let _ = std::fs::remove_file(&script);
            continue;
        }
        // A path with a blank or a parenthesis cannot be written unquoted;
        // quoted names are read by GNU ld and lld alike.
        let list: Vec<String> = paths.iter().map(|p| format!("\"{}\"", p.display())).collect();
        std::fs::write(&script, format!("GROUP ( {} )\n", list.join(" "))).ok()?;
    }
    Some(dir.to_path_buf())
}
