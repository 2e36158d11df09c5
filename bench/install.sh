#!/usr/bin/env bash
# Median wall time and peak RSS of `skillpack install` (the embedded skill) into an empty
# HOME, next to `cp -r` of the same folder: the floor any installer can reach.
# Usage: bench/install.sh [runs]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
cargo build --release --quiet
bin=$PWD/target/release/skillpack
src=$PWD/skill/account-management
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "binary size: $(stat -c %s "$bin") bytes"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs "$runs" -N --export-json "$work/h.json" \
    --prepare "sh -c 'rm -rf $work/home $work/cp; mkdir -p $work/home $work/cp'" \
    "env HOME=$work/home $bin install --quiet" \
    "cp -r $src $work/cp/account-management" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
install, cp = r[0]["median"], r[1]["median"]
print(f"skillpack install: median {install*1000:.2f} ms")
print(f"cp -r:             median {cp*1000:.2f} ms")
print(f"ratio:             {install/cp:.1f}x cp -r")
PY
else
  echo "hyperfine not found (apt-get install hyperfine); skipping timings"
fi

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
rm -rf "$work/home" && mkdir -p "$work/home"
echo "skillpack install peak RSS: $(HOME=$work/home rss "$bin" install --quiet) KiB"
rm -rf "$work/cp" && mkdir -p "$work/cp"
echo "cp -r peak RSS:             $(rss cp -r "$src" "$work/cp/account-management") KiB"
