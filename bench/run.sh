#!/usr/bin/env bash
# avow's benchmark, one command from a clean clone:
#   bench/run.sh            # the full run (100,000 commits; a few minutes the first time)
#   bench/run.sh --smoke    # tiny sizes, checks the harness works, figures not judged
# Any other flag goes to avow-bench (see `bench/run.sh --help`).
# Prints the figures next to their targets; exit 0 when all pass, 1 when one
# fails, 2 on an error. docs/performance.md explains the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
for a in "$@"; do [ "$a" = --smoke ] && profile=dev; done
if [ "$profile" = release ]; then
  cargo build --release --locked -p git-avow -p avow-bench --bins >&2
  dir=${CARGO_TARGET_DIR:-target}/release
else
  # The same targets and features as `cargo test --workspace`, so that after
  # the tests (as in .ci/run) nothing is built twice.
  cargo build --locked --workspace --all-targets >&2
  dir=${CARGO_TARGET_DIR:-target}/debug
fi
exec "$dir/avow-bench" --avow "$dir/git-avow" "$@"
