#!/usr/bin/env bash
# Prints a fingerprint of avow's source tree (the directory given, default
# the current one): SHA-256 over the Rust sources and manifests, in a fixed
# order, first 16 hex digits. The release workflow publishes it next to the
# binaries it built from that tree; the GitHub Action computes it over its
# own copy and downloads a release binary only when the two agree (else it
# builds from source). Build output (target/) is left out.
set -euo pipefail
# macOS has shasum rather than GNU sha256sum; both print `HASH  FILE`.
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
cd "${1:-.}"
find . -path ./target -prune -o -path ./fuzz/target -prune -o -type f \
  \( -name '*.rs' -o -name 'Cargo.*' -o -name '*.toml' \) -print0 \
  | LC_ALL=C sort -z \
  | { export -f sha256; xargs -0 bash -c 'sha256 "$@"' sha256; } \
  | sha256 | cut -c1-16
