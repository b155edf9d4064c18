#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 240) each, one after the
# other, starting from the seeds in fuzz/seeds/TARGET. Needs cargo-fuzz
# (`cargo install cargo-fuzz`); stable Rust works with RUSTC_BOOTSTRAP=1.
# Exit status: non-zero as soon as a target finds a crash (the input is in
# fuzz/artifacts/TARGET/).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-240}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(trailer payload signature keyring policy allowed_signers pack)
fi
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t: ${seconds}s"
  cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1
done
