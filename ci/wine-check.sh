#!/usr/bin/env bash
# Runs the Windows build of git-avow under Wine beside the native build and
# compares what they print, byte for byte, with their exit codes:
#
#   ci/wine-check.sh REPO RANGE...
#
# e.g. on the benchmark's history (bench/run.sh makes it):
#   ci/wine-check.sh target/avow-bench/history-v4-5000-1000-5000 base..compare upstream..rebased
#
# Needs Wine (64-bit), MinGW (x86_64-w64-mingw32-gcc) and the
# x86_64-pc-windows-gnu target; by hand, not in .ci/run (the MinGW build of
# libgit2 alone takes minutes). Wine 8.0 (Debian 12) lacks
# bcryptprimitives.dll, whose ProcessPrng Rust's standard library calls
# before main: a stand-in built here from RtlGenRandom goes next to the
# .exe (it is only for this check, never shipped). Exit 0 when every
# output matches, 1 otherwise, 2 when something is missing.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: ci/wine-check.sh REPO RANGE..." >&2; exit 2; }
cd "$(dirname "$0")/.."
root=$PWD
for tool in wine x86_64-w64-mingw32-gcc cargo; do
  command -v "$tool" >/dev/null || { echo "ci/wine-check.sh: $tool is required" >&2; exit 2; }
done
repo=$(cd "$1" && pwd); shift
cargo build --locked --quiet --bin git-avow
cargo build --locked --quiet --target x86_64-pc-windows-gnu --bin git-avow
native=$root/target/debug/git-avow
exe=$root/target/x86_64-pc-windows-gnu/debug/git-avow.exe
work=$(mktemp -d)
# A prefix of its own, made before the first comparison (Wine prints to
# standard error when it makes one); its server stopped before removal.
export WINEDEBUG=-all WINEPREFIX="$work/wine"
trap 'wineserver -k 2>/dev/null; wineserver -w 2>/dev/null; rm -rf "$work"' EXIT
wineboot -i >/dev/null 2>&1 || true
cat > "$work/prng.c" <<'C'
#include <windows.h>
#include <ntsecapi.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n; len -= n;
  }
  return TRUE;
}
C
if ! wine "$exe" --version >/dev/null 2>&1; then
  x86_64-w64-mingw32-gcc -shared -o "$(dirname "$exe")/bcryptprimitives.dll" "$work/prng.c" -ladvapi32
fi
fail=0
for range in "$@"; do
  for args in "verify $range" "verify $range --format json" "verify $range --format sarif" \
              "verify $range --format github" "report $range" "report $range --format json"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    (cd "$repo" && set +e; "$native" $args >"$work/n.out" 2>"$work/n.err"; echo $? >"$work/n.rc")
    # shellcheck disable=SC2086
    (cd "$repo" && set +e; wine "$exe" $args >"$work/w.out" 2>"$work/w.err"; echo $? >"$work/w.rc")
    if cmp -s "$work/n.out" "$work/w.out" && cmp -s "$work/n.err" "$work/w.err" && cmp -s "$work/n.rc" "$work/w.rc"; then
      echo "same: git avow $args (exit $(cat "$work/n.rc"))"
    else
      echo "DIFFERENT: git avow $args (exit $(cat "$work/n.rc") native, $(cat "$work/w.rc") under Wine)"
      diff <(cat "$work/n.out" "$work/n.err") <(cat "$work/w.out" "$work/w.err") | head -20 || true
      fail=1
    fi
  done
done
exit "$fail"
