#!/usr/bin/env bash
# Median wall time and peak RSS of `skillpack install` (the embedded skill) into an empty
# HOME, next to `cp -r` of the same folder (the floor any installer can reach) and to
# `cp -r` followed by a sync of every file and folder it wrote: a copy as durable as the
# install, which survives a power cut. A third run of the install with fsync turned into a
# no-op (an LD_PRELOAD shim, built when a C compiler is there) shows what is left once the
# disk is out of the picture.
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

nosync=""
if command -v cc >/dev/null; then
  printf 'int fsync(int f){(void)f;return 0;}\nint fdatasync(int f){(void)f;return 0;}\n' >"$work/nosync.c"
  cc -shared -fPIC -O2 -o "$work/nosync.so" "$work/nosync.c" && nosync="$work/nosync.so"
fi

if command -v hyperfine >/dev/null; then
  cp_dur="cp -r $src $work/cp/account-management && sync $work/cp/account-management/SKILL.md \
$work/cp/account-management/references/qbr-template.md $work/cp/account-management/references \
$work/cp/account-management $work/cp"
  extra=()
  [ -n "$nosync" ] && extra=("env LD_PRELOAD=$nosync HOME=$work/home $bin install --quiet")
  hyperfine --warmup 3 --runs "$runs" -N --export-json "$work/h.json" \
    --prepare "sh -c 'rm -rf $work/home $work/cp; mkdir -p $work/home $work/cp'" \
    "env HOME=$work/home $bin install --quiet" \
    "cp -r $src $work/cp/account-management" \
    "sh -c '$cp_dur'" \
    "${extra[@]}" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
install, cp, durable = r[0]["median"], r[1]["median"], r[2]["median"]
print(f"skillpack install:        median {install*1000:.2f} ms")
print(f"cp -r:                    median {cp*1000:.2f} ms   (install is {install/cp:.1f}x)")
print(f"cp -r, then sync of each: median {durable*1000:.2f} ms   (install is {install/durable:.2f}x)")
if len(r) > 3:
    print(f"install, fsync a no-op:   median {r[3]['median']*1000:.2f} ms   ({r[3]['median']/cp:.1f}x cp -r)")
PY
else
  echo "hyperfine not found (apt-get install hyperfine); skipping timings"
fi

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
rm -rf "$work/home" && mkdir -p "$work/home"
echo "skillpack install peak RSS: $(HOME=$work/home rss "$bin" install --quiet) KiB"
rm -rf "$work/cp" && mkdir -p "$work/cp"
echo "cp -r peak RSS:             $(rss cp -r "$src" "$work/cp/account-management") KiB"
