#!/usr/bin/env bash
# Median wall time of a no-op `skillpack sync`: a project whose skillpack.lock lists N skills
# (default 20, local folders of 3 files each), all installed as locked. Every installed file
# is re-hashed against the record; nothing is fetched.
# Usage: bench/sync.sh [skills] [runs]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
runs=${2:-50}
cargo build --release --quiet
bin=$PWD/target/release/skillpack
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home SKILLPACK_CACHE_DIR=$work/cache NO_COLOR=1
mkdir -p "$HOME" "$work/proj/.git"
cd "$work/proj"
for i in $(seq -w 1 "$n"); do
  d=skills/s$i
  mkdir -p "$d/references"
  printf -- '---\nname: s%s\ndescription: Skill %s of the sync benchmark.\nmetadata:\n  version: "1.0.0"\n---\n# s%s\n\nSee references/notes.md.\n' "$i" "$i" "$i" > "$d/SKILL.md"
  head -c 4096 /dev/urandom | base64 > "$d/references/notes.md"
  head -c 2048 /dev/urandom | base64 > "$d/references/more.md"
done
"$bin" install --scope project --quiet --no-companions skills/s*
"$bin" sync --check --quiet
echo "skillpack.lock: $(grep -c '^\[\[skill\]\]' skillpack.lock) skills"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs "$runs" -N --export-json "$work/h.json" "$bin sync --quiet" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"no-op sync: median {r['median']*1000:.2f} ms (min {r['min']*1000:.2f}, max {r['max']*1000:.2f})")
PY
else
  echo "hyperfine not found (apt-get install hyperfine); skipping timings"
fi
echo "no-op sync peak RSS: $(/usr/bin/time -f '%M' "$bin" sync --quiet 2>&1 >/dev/null | tail -1) KiB"
