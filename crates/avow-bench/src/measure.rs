//! The measurements: each one a real process (`git-avow`, `git`) run in a
//! hermetic environment, timed from outside, so start-up costs count.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::history::{History, EMAIL, NAME};
use crate::peer::PeerHistory;
use crate::replay::Replay;
use crate::{Args, Fail};

/// One figure, its target and whether it meets it.
pub struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
    target: f64,
    higher_is_better: bool,
    /// The same figure from CPU time instead of wall time (see
    /// [`Timing::idle`]), which other load on the machine hardly moves.
    idle: Option<f64>,
    detail: String,
}

impl Figure {
    /// Whether the figure meets its target.
    pub fn pass(&self) -> bool {
        self.meets(self.value)
    }

    fn meets(&self, v: f64) -> bool {
        if self.higher_is_better {
            v >= self.target
        } else {
            v <= self.target
        }
    }
}

/// Formats the results as a Markdown table (docs/performance.md keeps one).
pub fn table(figures: &[Figure], machine: &str, judged: bool) -> String {
    let mut out = String::from(
        "| figure | measured | target | result | idle-machine estimate | how |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for f in figures {
        let cmp = if f.higher_is_better { "≥" } else { "≤" };
        let result = match (judged, f.pass()) {
            (false, _) => "not judged (smoke)",
            (true, true) => "PASS",
            (true, false) => "FAIL",
        };
        let idle = f.idle.map_or_else(
            || "—".to_owned(),
            |v| match (judged, f.meets(v)) {
                (false, _) => format!("{} {}", round(v), f.unit),
                (true, meets) => format!("{} {} ({})", round(v), f.unit, if meets { "meets" } else { "misses" }),
            },
        );
        out.push_str(&format!(
            "| {} | {} {} | {cmp} {} {} | {result} | {idle} | {} |\n",
            f.name,
            round(f.value),
            f.unit,
            round(f.target),
            f.unit,
            f.detail
        ));
    }
    out.push_str(&format!("\nMachine: {machine}\n"));
    out
}

fn round(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The measuring context: the history, the binary, a hermetic home.
pub struct Bench<'h> {
    work: PathBuf,
    history: &'h History,
    avow: PathBuf,
    repeat: usize,
    home: PathBuf,
}

/// Wall time and CPU time (user + system, this process's children) of
/// one run, each the median or mean over the repeats.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    wall: f64,
    cpu: f64,
}

impl Timing {
    /// What the wall time would be on an otherwise idle machine with
    /// `cores` cores, if the work spread over all of them: CPU time ÷
    /// cores. An estimate: other engineers' builds share this machine.
    fn idle(self, cores: usize) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a core count")]
        let cores = cores.max(1) as f64;
        self.cpu / cores
    }
}

/// CPU seconds used so far by this process's waited-for children
/// (`cutime` + `cstime` of /proc/self/stat, in clock ticks of 1/100 s).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // After the command name come state, ppid, …: cutime and cstime are
    // the 16th and 17th fields of the line, the 14th and 15th after it.
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(13) + ticks(14)) / 100.0
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<std::process::Output, Fail> {
    let out = cmd.output().map_err(|e| Fail(format!("running {what}: {e}")))?;
    if !out.status.success() {
        return Err(Fail(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out)
}

#[expect(clippy::cast_precision_loss, reason = "commit counts are far below 2^52")]
fn per_second(n: usize, secs: f64) -> f64 {
    n as f64 / secs
}

#[expect(clippy::cast_precision_loss, reason = "commit counts are far below 2^52")]
fn count(n: usize) -> f64 {
    n.max(1) as f64
}

/// The rebased path's time per commit over the unrebased one's, from
/// (wall, CPU) seconds per commit of each.
fn rebased_ratio(name: &'static str, fast: (f64, f64), rebased: (f64, f64)) -> Figure {
    Figure {
        name,
        value: rebased.0 / fast.0,
        unit: "×",
        target: 2.0,
        higher_is_better: false,
        idle: Some(rebased.1 / fast.1),
        detail: format!(
            "{:.1} µs vs {:.1} µs per commit (CPU {:.1} µs vs {:.1} µs)",
            rebased.0 * 1e6,
            fast.0 * 1e6,
            rebased.1 * 1e6,
            fast.1 * 1e6
        ),
    }
}

/// The largest anonymous and file-backed resident sizes seen in a process's
/// samples, in KiB (their sum at any one time is at most its peak).
#[derive(Debug, Default, Clone, Copy)]
pub struct Parts {
    anon: f64,
    file: f64,
}

impl Parts {
    /// Reads `/proc/PID/status` once.
    fn sample(&mut self, pid: &str) {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            self.anon = self.anon.max(status_kib(&s, "RssAnon:"));
            self.file = self.file.max(status_kib(&s, "RssFile:") + status_kib(&s, "RssShmem:"));
        }
    }
}

/// A `kB` figure of `/proc/PID/status`.
fn status_kib(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// The line that says why the sequoia-git rows are missing.
pub const NO_PEER: &str =
    "sequoia-git rows skipped: `sq-git` is not on PATH (docs/performance.md says how to install it)";

impl<'h> Bench<'h> {
    pub fn new(work: &Path, history: &'h History, avow: &Path, repeat: usize) -> Result<Self, Fail> {
        let home = work.join("home");
        std::fs::create_dir_all(&home).map_err(|e| Fail(format!("creating {}: {e}", home.display())))?;
        std::fs::write(home.join(".gitconfig"), "").map_err(|e| Fail(format!("writing a gitconfig: {e}")))?;
        Ok(Bench { work: work.to_path_buf(), history, avow: avow.to_path_buf(), repeat: repeat.max(1), home })
    }

    /// A hermetic command run in `dir`.
    fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        avow_testutil::hermetic(&mut cmd, &self.home);
        cmd.current_dir(dir).stdin(Stdio::null());
        cmd
    }

    fn git(&self, dir: &Path) -> Command {
        self.command(Path::new("git"), dir)
    }

    fn verify(&self, range: &str) -> Command {
        let mut c = self.command(&self.avow, &self.history.dir);
        c.args(["verify", range]);
        c
    }

    fn git_log(&self) -> Command {
        let mut c = self.git(&self.history.dir);
        c.arg("-c").arg(format!("gpg.ssh.allowedSignersFile={}", self.history.allowed_signers.display())).args([
            "log",
            "--show-signature",
            "--format=%H",
            "base..compare",
        ]);
        c
    }

    /// Median wall time and mean CPU time of `repeat` runs, output
    /// discarded.
    fn time(&self, make: impl Fn() -> Command, what: &str) -> Result<Timing, Fail> {
        let mut times = Vec::with_capacity(self.repeat);
        let cpu = children_cpu();
        for _ in 0..self.repeat {
            let mut cmd = make();
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let t = Instant::now();
            let status = cmd.status().map_err(|e| Fail(format!("running {what}: {e}")))?;
            times.push(t.elapsed().as_secs_f64());
            if !status.success() {
                return Err(Fail(format!("{what} failed ({status})")));
            }
        }
        #[expect(clippy::cast_precision_loss, reason = "a small repeat count")]
        let runs = self.repeat as f64;
        Ok(Timing { wall: median(times), cpu: (children_cpu() - cpu) / runs })
    }

    /// Checks that the history is what the figures claim: git finds a good
    /// native signature on each compared commit, avow accepts every commit
    /// of each range. Returns avow's summary lines.
    fn check(&self, args: &Args) -> Result<Vec<String>, Fail> {
        let out = run_checked(&mut self.git_log(), "git log --show-signature")?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let good = text.lines().filter(|l| l.starts_with(&format!("Good \"git\" signature for {EMAIL}"))).count();
        if good != args.compare {
            return Err(Fail(format!(
                "git reports {good} good signatures for {} commits; the history is not what the comparison needs",
                args.compare
            )));
        }
        let mut summaries = Vec::new();
        for (range, n) in
            [("base..compare", args.compare), ("base..main", args.commits), ("upstream..rebased", args.rebased)]
        {
            let out = run_checked(&mut self.verify(range), &format!("git avow verify {range}"))?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let summary = stdout.lines().last().unwrap_or("").to_owned();
            if !summary.starts_with(&format!("avow: {n} commits: {n} accepted, 0 rejected")) {
                return Err(Fail(format!("git avow verify {range} did not accept all {n} commits: {summary}")));
            }
            summaries.push(summary);
        }
        Ok(summaries)
    }

    /// Every figure, after checking the history.
    pub fn all(&self, args: &Args) -> Result<Vec<Figure>, Fail> {
        for s in self.check(args)? {
            eprintln!("avow-bench: checked: {s}");
        }
        let mut figures = Vec::new();
        let cores = cores();
        let t_git = self.time(|| self.git_log(), "git log --show-signature")?;
        let t_avow = self.time(|| self.verify("base..compare"), "git avow verify base..compare")?;
        figures.push(Figure {
            name: "verify vs `git log --show-signature`",
            value: t_git.wall / t_avow.wall,
            unit: "×",
            target: 300.0,
            higher_is_better: true,
            // git's check runs one ssh-keygen after another: its CPU time is its wall time.
            idle: Some(t_git.cpu / t_avow.idle(cores)),
            detail: format!(
                "{} commits: git {:.0} ms, avow {:.1} ms (median of {}; CPU {:.0} ms and {:.0} ms)",
                args.compare,
                t_git.wall * 1e3,
                t_avow.wall * 1e3,
                self.repeat,
                t_git.cpu * 1e3,
                t_avow.cpu * 1e3,
            ),
        });
        let mut per_commit = Vec::new();
        for (name, range, n, target) in [
            ("unrebased range", "base..main", args.commits, 20_000.0),
            ("rebased range (change digests recomputed)", "upstream..rebased", args.rebased, 5_000.0),
        ] {
            let t = self.time(|| self.verify(range), &format!("git avow verify {range}"))?;
            per_commit.push((t.wall / count(n), t.cpu / count(n)));
            figures.push(Figure {
                name,
                value: per_second(n, t.wall),
                unit: "commits/s",
                target,
                higher_is_better: true,
                idle: Some(per_second(n, t.idle(cores))),
                detail: format!(
                    "{n} commits in {:.0} ms (median of {}; CPU {:.0} ms)",
                    t.wall * 1e3,
                    self.repeat,
                    t.cpu * 1e3
                ),
            });
        }
        figures.push(rebased_ratio("rebased vs unrebased, per commit", per_commit[0], per_commit[1]));
        let [with, without, empty] = self.hook_overhead(args.hook_runs)?;
        figures.push(Figure {
            name: "hooked `git commit` vs the same without hooks",
            value: with.wall / without.wall,
            unit: "×",
            target: 1.5,
            higher_is_better: false,
            // The hooks run one after another: their CPU time adds to the wall time.
            idle: Some(with.cpu / without.cpu),
            detail: format!(
                "median of {} commits: {:.1} ms with the hooks, {:.1} ms without (CPU {:.1} ms and {:.1} ms); \
                 the same two commit hooks doing nothing (`true`): {:.1} ms, {:.2} × (CPU {:.1} ms)",
                args.hook_runs,
                with.wall * 1e3,
                without.wall * 1e3,
                with.cpu * 1e3,
                without.cpu * 1e3,
                empty.wall * 1e3,
                empty.wall / without.wall,
                empty.cpu * 1e3
            ),
        });
        figures.push(self.memory(args.commits)?);
        Ok(figures)
    }

    /// The memory goal alone (`--memory-only`): one `git avow verify
    /// base..main`, its peak resident set measured and its summary checked
    /// (every commit accepted), so that a 1,000,000-commit history is
    /// verified once rather than once per figure.
    pub fn memory(&self, commits: usize) -> Result<Figure, Fail> {
        let (kib, summary, parts) = self.peak_rss_kib(&mut self.verify("base..main"))?;
        if !summary.starts_with(&format!("avow: {commits} commits: {commits} accepted, 0 rejected")) {
            return Err(Fail(format!("git avow verify base..main did not accept all {commits} commits: {summary}")));
        }
        Ok(Figure {
            name: "peak memory, verify",
            value: kib / 1024.0,
            unit: "MiB",
            target: 64.0,
            higher_is_better: false,
            idle: None,
            detail: format!(
                "maximum resident set of `git avow verify` over {commits} commits{}{}",
                parts.map_or_else(String::new, |p| format!(
                    "; sampled every 10 ms, at most {:.1} MiB anonymous (heap, stacks) and {:.1} MiB file-backed (the binary, mapped pack and index pages)",
                    p.anon / 1024.0,
                    p.file / 1024.0
                )),
                if commits < 1_000_000 { " (the goal is for 1,000,000: `--commits 1000000`)" } else { "" }
            ),
        })
    }

    /// avow against sequoia-git on the peer history: uncached on all
    /// cores and on one, and with both caches full.
    pub fn peers(&self, p: &PeerHistory, sq: &Path) -> Result<Vec<Figure>, Fail> {
        let dir = &p.history.dir;
        let n = p.commits;
        let caches = self.work.join("peer-caches");
        let fresh = std::cell::Cell::new(0_usize);
        // A new, empty cache directory for each uncached run.
        let cache_dir = |warm: bool| {
            if warm {
                caches.join("warm")
            } else {
                fresh.set(fresh.get() + 1);
                let d = caches.join(format!("cold-{}", fresh.get()));
                let _ = std::fs::remove_dir_all(&d);
                d
            }
        };
        let one_core = |cmd: Command, single: bool| {
            if !single {
                return cmd;
            }
            let mut t = Command::new("taskset");
            t.arg("-c").arg("0").arg(cmd.get_program()).args(cmd.get_args());
            for (k, v) in cmd.get_envs() {
                match v {
                    Some(v) => t.env(k, v),
                    None => t.env_remove(k),
                };
            }
            if let Some(d) = cmd.get_current_dir() {
                t.current_dir(d);
            }
            t.stdin(Stdio::null());
            t
        };
        let sq_git = |warm: bool, single: bool| {
            let mut c = self.command(sq, dir);
            c.env("XDG_CACHE_HOME", cache_dir(warm)).args(["log", "--trust-root", "pgp-base", "pgp-base..pgp"]);
            one_core(c, single)
        };
        let avow = |warm: bool, single: bool| {
            let mut c = self.command(&self.avow, dir);
            c.args(["verify", "pgp-base..pgp"]);
            if warm {
                c.arg(format!("--cache={}", caches.join("avow-warm").display()));
            }
            one_core(c, single)
        };
        // Both must accept the whole range, and the warm caches be filled.
        run_checked(&mut sq_git(true, false), "sq-git log")?;
        let out = run_checked(&mut avow(true, false), "git avow verify pgp-base..pgp")?;
        let summary = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").to_owned();
        if !summary.starts_with(&format!("avow: {n} commits: {n} accepted, 0 rejected")) {
            return Err(Fail(format!("git avow verify pgp-base..pgp did not accept all {n} commits: {summary}")));
        }
        let mut figures = Vec::new();
        for (name, warm, single, target) in [
            ("uncached verify vs `sq-git log`", false, false, 10.0),
            ("uncached verify vs `sq-git log`, one core", false, true, 4.0),
            ("cached verify vs `sq-git log` cached", true, false, 3.0),
        ] {
            // Interleaved: sq-git, avow, sq-git, avow, …
            let (mut t_sq, mut t_avow) = (Vec::new(), Vec::new());
            let (mut cpu_sq, mut cpu_avow) = (0.0, 0.0);
            for _ in 0..self.repeat {
                let t = self.time(|| sq_git(warm, single), "sq-git log")?;
                t_sq.push(t.wall);
                cpu_sq += t.cpu;
                let t = self.time(|| avow(warm, single), "git avow verify")?;
                t_avow.push(t.wall);
                cpu_avow += t.cpu;
            }
            let (sq_wall, avow_wall) = (median(t_sq), median(t_avow));
            figures.push(Figure {
                name,
                value: sq_wall / avow_wall,
                unit: "×",
                target,
                higher_is_better: true,
                idle: Some(cpu_sq / cpu_avow),
                detail: format!(
                    "{n} commits: sq-git {:.0} ms, avow {:.1} ms (median of {}, interleaved; CPU {:.0} ms and {:.0} ms in all)",
                    sq_wall * 1e3,
                    avow_wall * 1e3,
                    self.repeat,
                    cpu_sq * 1e3,
                    cpu_avow * 1e3
                ),
            });
        }
        Ok(figures)
    }

    /// The replayed history's figures: both verification paths over real
    /// changes, and what recomputing the change digest costs per commit.
    pub fn replayed(&self, r: &Replay) -> Result<Vec<Figure>, Fail> {
        let verify = |range: &str| {
            let mut c = self.command(&self.avow, &r.history.dir);
            c.args(["verify", range]);
            c
        };
        let ranges = [("replay-base..replay", r.commits), ("replay-upstream..replay-rebased", r.commits)];
        let mut times = Vec::new();
        for (range, n) in ranges {
            let out = run_checked(&mut verify(range), &format!("git avow verify {range} (replay)"))?;
            let summary = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").to_owned();
            if !summary.starts_with(&format!("avow: {n} commits: ")) || !summary.contains(" 0 rejected") {
                return Err(Fail(format!(
                    "git avow verify {range} (replay) did not accept the {n} replayed commits: {summary}"
                )));
            }
            eprintln!("avow-bench: checked (replay): {summary}");
            let t = self.time(|| verify(range), &format!("git avow verify {range} (replay)"))?;
            times.push((t.wall / count(n), t.cpu / count(n)));
        }
        let mut f = rebased_ratio("replay: rebased vs unrebased, per commit", times[0], times[1]);
        f.detail = format!(
            "{} commits ({} merges) of {}; recomputing the change digest costs {:.0} µs of CPU per commit; {}",
            r.commits,
            r.merges,
            r.source,
            (times[1].1 - times[0].1) * 1e6,
            f.detail
        );
        Ok(vec![f])
    }

    /// Median `git commit` time with avow's hooks, with hooks off, and with
    /// the commit hooks avow installs (prepare-commit-msg and commit-msg)
    /// doing nothing (what git's starting of them costs by itself), on a fresh small repository, in rotation so that
    /// drift hits all alike.
    fn hook_overhead(&self, runs: usize) -> Result<[Timing; 3], Fail> {
        let dir = self.work.join("hook-repo");
        let no_hooks = self.work.join("no-hooks");
        let empty_hooks = self.work.join("empty-hooks");
        // Made anew each run: a hook left in `empty-hooks` by an older
        // harness (it once linked post-commit too) would slow the
        // reference row and flatter the ratio beside it.
        for d in [&dir, &no_hooks, &empty_hooks] {
            if d.exists() {
                std::fs::remove_dir_all(d).map_err(|e| Fail(format!("removing {}: {e}", d.display())))?;
            }
            std::fs::create_dir_all(d).map_err(|e| Fail(format!("creating {}: {e}", d.display())))?;
        }
        #[cfg(unix)]
        let true_bin = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|p| p.join("true"))
            .find(|p| p.is_file())
            .ok_or_else(|| Fail("no `true` on PATH, for the empty hooks".into()))?;
        #[cfg(unix)]
        for hook in ["prepare-commit-msg", "commit-msg"] {
            let link = empty_hooks.join(hook);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&true_bin, &link)
                .map_err(|e| Fail(format!("linking {}: {e}", link.display())))?;
        }
        let key = self.history.key.display().to_string();
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["config", "user.name", NAME],
            &["config", "user.email", EMAIL],
            &["config", "avow.signingKey", &key],
        ] {
            run_checked(self.git(&dir).args(args), &format!("git {}", args.join(" ")))?;
        }
        run_checked(self.command(&self.avow, &dir).args(["init", "--preset", "disclose"]), "git avow init")?;
        run_checked(self.git(&dir).args(["add", ".avow"]), "git add")?;
        run_checked(self.git(&dir).args(["commit", "-q", "--no-verify", "-m", "Adopt avow"]), "git commit")?;
        run_checked(self.command(&self.avow, &dir).arg("install"), "git avow install")?;
        // avow's hooks, none, the empty ones.
        let paths = [
            None,
            Some(format!("core.hooksPath={}", no_hooks.display())),
            Some(format!("core.hooksPath={}", empty_hooks.display())),
        ];
        let mut wall: [Vec<f64>; 3] = Default::default();
        let mut cpu = [0.0; 3];
        // One warm-up round, not counted.
        for i in 0..=runs {
            for k in 0..3 {
                let mode = (i + k) % 3;
                std::fs::write(dir.join("file.txt"), format!("round {i}, hooks {mode}\n"))
                    .map_err(|e| Fail(format!("writing a file: {e}")))?;
                run_checked(self.git(&dir).args(["add", "file.txt"]), "git add")?;
                let mut cmd = self.git(&dir);
                if let Some(path) = &paths[mode] {
                    cmd.args(["-c", path]);
                }
                let rationale = format!("Rationale: Round {i} changes file.txt so that the hook has a change to sign.");
                cmd.args(["commit", "-q", "-m", &format!("Round {i}"), "--trailer", "Authorship: human"])
                    .args(["--trailer", &rationale]);
                let (t, c) = (Instant::now(), children_cpu());
                run_checked(&mut cmd, "git commit")?;
                let secs = t.elapsed().as_secs_f64();
                let c = children_cpu() - c;
                if i > 0 {
                    wall[mode].push(secs);
                    cpu[mode] += c;
                }
            }
        }
        // The hooked commits must really be signed: verify the last one.
        let out = run_checked(
            self.git(&dir).args(["log", "-3", "--format=%(trailers:key=Avow-Signature,valueonly)%x00"]),
            "git log",
        )?;
        let signed = String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|s| s.trim().starts_with(&format!("{} ", avow_core::payload::VERSION)))
            .count();
        if signed != 1 {
            return Err(Fail(format!("expected one hooked commit among the last 3, found {signed} signed")));
        }
        #[expect(clippy::cast_precision_loss, reason = "a small run count")]
        let n = runs.max(1) as f64;
        let [w0, w1, w2] = wall;
        Ok([
            Timing { wall: median(w0), cpu: cpu[0] / n },
            Timing { wall: median(w1), cpu: cpu[1] / n },
            Timing { wall: median(w2), cpu: cpu[2] / n },
        ])
    }

    /// Peak resident memory of a child, in KiB, and the last line of its
    /// standard output: GNU time's `%M` (the kernel's `ru_maxrss`: the
    /// most pages ever resident, file-backed mapped pages included) when
    /// /usr/bin/time is there, else the child's `VmHWM` polled from /proc
    /// (the same high-water mark).
    fn peak_rss_kib(&self, cmd: &mut Command) -> Result<(f64, String, Option<Parts>), Fail> {
        let stdout = self.work.join("rss-stdout.txt");
        let file = |p: &Path| std::fs::File::create(p).map_err(|e| Fail(format!("creating {}: {e}", p.display())));
        let last_line = || -> Result<String, Fail> {
            let text =
                std::fs::read_to_string(&stdout).map_err(|e| Fail(format!("reading {}: {e}", stdout.display())))?;
            Ok(text.lines().last().unwrap_or("").to_owned())
        };
        let time = Path::new("/usr/bin/time");
        if time.exists() {
            let out = self.work.join("rss.txt");
            let mut timed = Command::new(time);
            timed.arg("-f").arg("%M").arg("-o").arg(&out).arg(cmd.get_program()).args(cmd.get_args());
            for (k, v) in cmd.get_envs() {
                match v {
                    Some(v) => timed.env(k, v),
                    None => timed.env_remove(k),
                };
            }
            if let Some(d) = cmd.get_current_dir() {
                timed.current_dir(d);
            }
            timed.stdout(file(&stdout)?).stderr(Stdio::null());
            let mut child = timed.spawn().map_err(|e| Fail(format!("running /usr/bin/time: {e}")))?;
            // The measured process is time's child.
            let children = format!("/proc/{0}/task/{0}/children", child.id());
            let mut parts = Parts::default();
            let status = loop {
                if let Some(status) = child.try_wait().map_err(|e| Fail(format!("waiting for /usr/bin/time: {e}")))? {
                    break status;
                }
                if let Some(pid) =
                    std::fs::read_to_string(&children).ok().and_then(|s| s.split_whitespace().next().map(str::to_owned))
                {
                    parts.sample(&pid);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            };
            if !status.success() {
                return Err(Fail(format!("git avow verify under /usr/bin/time failed ({status})")));
            }
            let text = std::fs::read_to_string(&out).map_err(|e| Fail(format!("reading {}: {e}", out.display())))?;
            let kib = text
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<f64>().ok())
                .ok_or_else(|| Fail(format!("/usr/bin/time wrote no figure: {text}")))?;
            return Ok((kib, last_line()?, (parts.anon > 0.0).then_some(parts)));
        }
        let mut child = cmd
            .stdout(file(&stdout)?)
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Fail(format!("running git avow verify: {e}")))?;
        let status = format!("/proc/{}/status", child.id());
        let (mut peak, mut parts) = (0.0_f64, Parts::default());
        let pid = child.id().to_string();
        loop {
            if let Ok(s) = std::fs::read_to_string(&status) {
                peak = peak.max(status_kib(&s, "VmHWM:"));
            }
            parts.sample(&pid);
            if let Some(status) = child.try_wait().map_err(|e| Fail(format!("waiting for git avow verify: {e}")))? {
                if !status.success() {
                    return Err(Fail(format!("git avow verify failed ({status})")));
                }
                return Ok((peak, last_line()?, (parts.anon > 0.0).then_some(parts)));
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// CPU, cores and git version, for the table.
    pub fn machine(&self) -> String {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = cores();
        let git = self
            .git(&self.work)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        format!("{cpu}, {cores} cores available, {git}")
    }
}
