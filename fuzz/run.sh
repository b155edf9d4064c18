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
  targets=(trailer payload signature keyring policy allowed_signers pack keyfile)
fi
export RUSTC_BOOTSTRAP=1
# Private keys are never committed as seeds (a scanner would flag them):
# the keyfile target's corpus gets fresh throwaway keys from ssh-keygen.
keyfile_seeds() {
  local d="corpus/keyfile"
  [ -e "$d/ed25519" ] && return 0
  command -v ssh-keygen >/dev/null || return 0
  ssh-keygen -q -t ed25519 -N '' -C seed -f "$d/ed25519"
  ssh-keygen -q -t ed25519 -N 'pass' -a 1 -C seed -f "$d/ed25519-encrypted"
  ssh-keygen -q -t ecdsa -b 256 -N '' -C seed -f "$d/ecdsa"
  ssh-keygen -q -t rsa -b 2048 -N '' -C seed -f "$d/rsa"
  ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C seed -f "$d/rsa-pem"
}
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [ "$t" = keyfile ]; then keyfile_seeds; fi
  echo "== $t: ${seconds}s"
  cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1
done
