//! `avow-bench`: builds a reproducible signed history, runs `git avow verify`
//! and git side by side, times the commit hook, measures peak memory, and
//! prints each figure next to its target. `bench/run.sh` builds and runs it;
//! docs/performance.md explains the figures.

mod history;
mod measure;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

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
    /// Tiny sizes, one run each, figures not judged: checks the harness
    /// works (CI runs this), not the speed.
    #[arg(long)]
    smoke: bool,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    if args.smoke {
        args.commits = args.commits.min(40);
        args.compare = args.compare.min(10);
        args.rebased = args.rebased.min(10);
        args.hook_runs = args.hook_runs.min(2);
        args.repeat = 1;
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
    let m = measure::Bench::new(&work, &h, &avow, args.repeat)?;
    let figures = m.all(args)?;
    let judged = !args.smoke;
    println!("{}", measure::table(&figures, &m.machine(), judged));
    Ok(!judged || figures.iter().all(measure::Figure::pass))
}
