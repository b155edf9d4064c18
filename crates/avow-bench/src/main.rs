//! `avow-bench`: builds a reproducible signed history, runs `git avow verify`
//! and git side by side, times the commit hook, measures peak memory, and
//! prints each figure next to its target. `bench/run.sh` builds and runs it;
//! docs/performance.md explains the figures.

mod history;
mod measure;
mod peer;
mod replay;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use git2::Repository;

/// An error that stops the benchmark (exit 2).
#[derive(Debug)]
pub struct Fail(pub String);

/// Time avow against git on a generated history and print the figures.
#[derive(Debug, Parser)]
#[command(name = "avow-bench", max_term_width = 100)]
struct Args {
    /// The git-avow binary to measure (build it with --release).
    #[arg(long, value_name = "PATH")]
    avow: PathBuf,
    /// Commits on the long history (throughput and memory).
    #[arg(long, default_value_t = 100_000)]
    commits: usize,
    /// Commits compared with `git log --show-signature`.
    #[arg(long, default_value_t = 1_000)]
    compare: usize,
    /// Commits replayed onto another base (every change digest recomputed).
    #[arg(long, default_value_t = 10_000)]
    rebased: usize,
    /// Commits made with and without the hooks (the median is reported).
    #[arg(long, default_value_t = 21)]
    hook_runs: usize,
    /// Runs of each timed verification (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Where histories are built and kept between runs.
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// Also replay the last --replay-commits commits of this local
    /// repository with attestations (real diffs, binary files, renames,
    /// merges) and time both verification paths on them. --smoke replays
    /// avow's own repository when it is a git checkout.
    #[arg(long, value_name = "PATH")]
    replay: Option<PathBuf>,
    /// Commits of the history compared with sequoia-git (when `sq-git` is
    /// on PATH).
    #[arg(long, default_value_t = 5_000)]
    peer_commits: usize,
    /// Commits replayed from --replay.
    #[arg(long, default_value_t = 5_000)]
    replay_commits: usize,
    /// Only the memory goal: build the history and verify `base..main`
    /// once, measuring its peak resident set (for `--commits 1000000`,
    /// where every other figure would verify the history again).
    #[arg(long, conflicts_with = "smoke")]
    memory_only: bool,
    /// Tiny sizes, one run each, figures not judged: checks the harness
    /// works (CI runs this), not the speed.
    #[arg(long)]
    smoke: bool,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    if cfg!(not(unix)) {
        // It reads /proc, runs /usr/bin/time and symlinks hooks to `true`.
        eprintln!("avow-bench: runs on Linux only");
        return ExitCode::from(2);
    }
    if args.smoke {
        args.commits = args.commits.min(40);
        args.compare = args.compare.min(10);
        args.rebased = args.rebased.min(10);
        args.hook_runs = args.hook_runs.min(2);
        args.repeat = 1;
        args.replay_commits = args.replay_commits.min(200);
        args.peer_commits = args.peer_commits.min(10);
        if args.replay.is_none() {
            let own = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
            args.replay = Repository::open(&own).is_ok().then_some(own);
        }
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fail(msg)) => {
            eprintln!("avow-bench: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<bool, Fail> {
    if args.compare > args.commits || args.rebased > args.commits || args.compare == 0 || args.rebased == 0 {
        return Err(Fail("--compare and --rebased must be between 1 and --commits".into()));
    }
    let avow = std::fs::canonicalize(&args.avow)
        .map_err(|e| Fail(format!("the git-avow binary {}: {e}", args.avow.display())))?;
    let work =
        args.work.clone().unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/avow-bench"));
    std::fs::create_dir_all(&work).map_err(|e| Fail(format!("creating {}: {e}", work.display())))?;
    let work = std::fs::canonicalize(&work).map_err(|e| Fail(format!("{}: {e}", work.display())))?;
    let shape = history::Shape { commits: args.commits, compare: args.compare, rebased: args.rebased };
    let started = std::time::Instant::now();
    let (h, built) = history::ensure(&work, shape)?;
    if built {
        eprintln!(
            "avow-bench: built {} commits in {:.1} s at {}",
            args.commits + args.rebased + 2,
            started.elapsed().as_secs_f64(),
            h.dir.display()
        );
    } else {
        eprintln!("avow-bench: reusing the history at {}", h.dir.display());
    }
    if args.memory_only {
        let m = measure::Bench::new(&work, &h, &avow, 1)?;
        let figure = m.memory(args.commits)?;
        println!("{}", measure::table(std::slice::from_ref(&figure), &m.machine(), true));
        return Ok(figure.pass());
    }
    let replayed = match &args.replay {
        Some(source) => {
            let started = std::time::Instant::now();
            let (r, built) = replay::ensure(&work, source, args.replay_commits)?;
            if built {
                eprintln!(
                    "avow-bench: replayed {} commits of {} in {:.1} s at {}",
                    r.commits,
                    r.source,
                    started.elapsed().as_secs_f64(),
                    r.history.dir.display()
                );
            }
            Some(r)
        }
        None => None,
    };
    let m = measure::Bench::new(&work, &h, &avow, args.repeat)?;
    let mut figures = m.all(args)?;
    if let Some(r) = &replayed {
        figures.extend(m.replayed(r)?);
    }
    let mut note = String::new();
    if let Some(sq) = peer::sq_git() {
        let started = std::time::Instant::now();
        let (p, built) = peer::ensure(&work, args.peer_commits)?;
        if built {
            eprintln!(
                "avow-bench: built the peer history ({} commits, OpenPGP-signed by gpg) in {:.1} s",
                p.commits,
                started.elapsed().as_secs_f64()
            );
        }
        figures.extend(m.peers(&p, &sq)?);
    } else {
        eprintln!("avow-bench: {}", measure::NO_PEER);
        note = format!("\n{}\n", measure::NO_PEER);
    }
    let judged = !args.smoke;
    println!("{}{note}", measure::table(&figures, &m.machine(), judged));
    Ok(!judged || figures.iter().all(measure::Figure::pass))
}
