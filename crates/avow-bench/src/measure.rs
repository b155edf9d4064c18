//! The measurements: each one a real process (`git-avow`, `git`) run in a
//! hermetic environment, timed from outside, so start-up costs count.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::history::{History, EMAIL, NAME};
use crate::{Args, Fail};

/// One figure, its target and whether it meets it.
pub struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
    target: f64,
    higher_is_better: bool,
    detail: String,
}

impl Figure {
    /// Whether the figure meets its target.
    pub fn pass(&self) -> bool {
        if self.higher_is_better {
            self.value >= self.target
        } else {
            self.value <= self.target
        }
    }
}

/// Formats the results as a Markdown table (docs/performance.md keeps one).
pub fn table(figures: &[Figure], machine: &str, judged: bool) -> String {
    let mut out = String::from("| figure | measured | target | result | how |\n| --- | --- | --- | --- | --- |\n");
    for f in figures {
        let cmp = if f.higher_is_better { "≥" } else { "≤" };
        let result = match (judged, f.pass()) {
            (false, _) => "not judged (smoke)",
            (true, true) => "PASS",
            (true, false) => "FAIL",
        };
        out.push_str(&format!(
            "| {} | {} {} | {cmp} {} {} | {result} | {} |\n",
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

    /// Median wall time of `repeat` runs, output discarded.
    fn time(&self, make: impl Fn() -> Command, what: &str) -> Result<f64, Fail> {
        let mut times = Vec::with_capacity(self.repeat);
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
        Ok(median(times))
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
        let t_git = self.time(|| self.git_log(), "git log --show-signature")?;
        let t_avow = self.time(|| self.verify("base..compare"), "git avow verify base..compare")?;
        figures.push(Figure {
            name: "verify vs `git log --show-signature`",
            value: t_git / t_avow,
            unit: "×",
            target: 100.0,
            higher_is_better: true,
            detail: format!(
                "{} commits: git {:.0} ms, avow {:.1} ms (median of {})",
                args.compare,
                t_git * 1e3,
                t_avow * 1e3,
                self.repeat
            ),
        });
        let t = self.time(|| self.verify("base..main"), "git avow verify base..main")?;
        figures.push(Figure {
            name: "unrebased range",
            value: per_second(args.commits, t),
            unit: "commits/s",
            target: 20_000.0,
            higher_is_better: true,
            detail: format!("{} commits in {:.0} ms (median of {})", args.commits, t * 1e3, self.repeat),
        });
        let t = self.time(|| self.verify("upstream..rebased"), "git avow verify upstream..rebased")?;
        figures.push(Figure {
            name: "rebased range (patch-ids recomputed)",
            value: per_second(args.rebased, t),
            unit: "commits/s",
            target: 5_000.0,
            higher_is_better: true,
            detail: format!("{} commits in {:.0} ms (median of {})", args.rebased, t * 1e3, self.repeat),
        });
        let (with, without) = self.hook_overhead(args.hook_runs)?;
        figures.push(Figure {
            name: "hook overhead per `git commit`",
            value: (with - without) * 1e3,
            unit: "ms",
            target: 10.0,
            higher_is_better: false,
            detail: format!(
                "median of {} commits: {:.1} ms with the hooks, {:.1} ms without",
                args.hook_runs,
                with * 1e3,
                without * 1e3
            ),
        });
        let kib = self.peak_rss_kib(&mut self.verify("base..main"))?;
        figures.push(Figure {
            name: "peak memory, verify",
            value: kib / 1024.0,
            unit: "MiB",
            target: 200.0,
            higher_is_better: false,
            detail: format!("maximum resident set of `git avow verify` over {} commits", args.commits),
        });
        Ok(figures)
    }

    /// Median `git commit` time with avow's hooks and with hooks off, on a
    /// fresh small repository, alternating so that drift hits both alike.
    fn hook_overhead(&self, runs: usize) -> Result<(f64, f64), Fail> {
        let dir = self.work.join("hook-repo");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Fail(format!("removing {}: {e}", dir.display())))?;
        }
        let no_hooks = self.work.join("no-hooks");
        std::fs::create_dir_all(&dir).map_err(|e| Fail(format!("creating {}: {e}", dir.display())))?;
        std::fs::create_dir_all(&no_hooks).map_err(|e| Fail(format!("creating {}: {e}", no_hooks.display())))?;
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
        let hooks_off = format!("core.hooksPath={}", no_hooks.display());
        let (mut with, mut without) = (Vec::new(), Vec::new());
        // One warm-up round, not counted.
        for i in 0..=runs {
            let order = if i % 2 == 0 { [true, false] } else { [false, true] };
            for hooked in order {
                std::fs::write(dir.join("file.txt"), format!("round {i}, hooks {hooked}\n"))
                    .map_err(|e| Fail(format!("writing a file: {e}")))?;
                run_checked(self.git(&dir).args(["add", "file.txt"]), "git add")?;
                let mut cmd = self.git(&dir);
                if !hooked {
                    cmd.args(["-c", &hooks_off]);
                }
                let rationale = format!("Rationale: Round {i} changes file.txt so that the hook has a change to sign.");
                cmd.args(["commit", "-q", "-m", &format!("Round {i}"), "--trailer", "Authorship: human"])
                    .args(["--trailer", &rationale]);
                let t = Instant::now();
                run_checked(&mut cmd, "git commit")?;
                let secs = t.elapsed().as_secs_f64();
                if i > 0 {
                    if hooked { &mut with } else { &mut without }.push(secs);
                }
            }
        }
        // The hooked commits must really be signed: verify the last one.
        let out = run_checked(
            self.git(&dir).args(["log", "-3", "--format=%(trailers:key=Avow-Signature,valueonly)%x00"]),
            "git log",
        )?;
        let signed = String::from_utf8_lossy(&out.stdout).split('\0').filter(|s| s.trim().starts_with("v1 ")).count();
        if signed != 1 && signed != 2 {
            return Err(Fail(format!("expected the hooked commits to be signed, found {signed} of the last 3")));
        }
        Ok((median(with), median(without)))
    }

    /// Peak resident memory of a child, in KiB: GNU time's `%M` when
    /// /usr/bin/time is there, else the child's `VmHWM` polled from /proc.
    fn peak_rss_kib(&self, cmd: &mut Command) -> Result<f64, Fail> {
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
            timed.stdout(Stdio::null()).stderr(Stdio::null());
            let status = timed.status().map_err(|e| Fail(format!("running /usr/bin/time: {e}")))?;
            if !status.success() {
                return Err(Fail(format!("git avow verify under /usr/bin/time failed ({status})")));
            }
            let text = std::fs::read_to_string(&out).map_err(|e| Fail(format!("reading {}: {e}", out.display())))?;
            return text
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<f64>().ok())
                .ok_or_else(|| Fail(format!("/usr/bin/time wrote no figure: {text}")));
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Fail(format!("running git avow verify: {e}")))?;
        let status = format!("/proc/{}/status", child.id());
        let mut peak = 0.0_f64;
        loop {
            if let Ok(s) = std::fs::read_to_string(&status) {
                if let Some(kb) = s.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                    let kb = kb.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap_or(0.0);
                    peak = peak.max(kb);
                }
            }
            if child.try_wait().map_err(|e| Fail(format!("waiting for git avow verify: {e}")))?.is_some() {
                return Ok(peak);
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
        let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        let git = self
            .git(&self.work)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        format!("{cpu}, {cores} cores available, {git}")
    }
}
