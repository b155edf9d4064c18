#!/usr/bin/env bash
# ci/release-archive.sh TARGET TAG OUT: packs the git-avow built for TARGET
# (target/TARGET/release/, or $AVOW_BINARY) into OUT/git-avow-TAG-TARGET.tar.gz
# (.zip for Windows), laid out as a prefix:
#   bin/git-avow              the binary
#   share/man/man1/*.1        every manual page (`git avow man --dir`)
#   README.md
# so that extracting it with --strip-components=1 into ~/.local or
# /usr/local puts the pages where man finds them for the binary on PATH.
# The release workflow runs it on a runner of TARGET's platform (the
# binary writes its own manual pages).
set -euo pipefail
target=$1 tag=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
exe=git-avow
case $target in *windows*) exe=git-avow.exe ;; esac
binary=${AVOW_BINARY:-$root/target/$target/release/$exe}
name="git-avow-$tag-$target"
mkdir -p "$out"
stage="$out/$name"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/share/man/man1"
cp "$binary" "$stage/bin/$exe"
"$stage/bin/$exe" man --dir "$stage/share/man/man1" >/dev/null
cp "$root/README.md" "$stage/"
cd "$out"
case $target in
  *windows*) 7z a -tzip -bd "$name.zip" "$name" >/dev/null ;;
  *) tar -czf "$name.tar.gz" "$name" ;;
esac
rm -rf "$name"
echo "$out/$name.$( [[ $target == *windows* ]] && echo zip || echo tar.gz )"
