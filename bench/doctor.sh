#!/usr/bin/env bash
# Wall time of `skillpack doctor` (release binary) for the three agents over N skills in
# their user roots (`gen_roots.py`), human and JSON output.
#
# Usage: bench/doctor.sh [skills] [runs]    defaults: 300 20
#
# Needs python3; hyperfine if installed (apt-get install -y hyperfine), else a timing loop.
set -euo pipefail
cd "$(dirname "$0")/.."
skills=${1:-300}
runs=${2:-20}

cargo build --release --quiet
bin=$PWD/target/release/skillpack
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
home=$work/home
mkdir -p "$home" "$work/project/.git"
python3 bench/gen_roots.py "$home" "$skills"
cd "$work/project"
export HOME=$home
unset CLAUDE_CONFIG_DIR XDG_CONFIG_HOME
# Some skills do not load on purpose: exit 1 is the expected outcome.
"$bin" doctor --agent all --json >"$work/report.json" || true
python3 - "$work/report.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for a in doc["agents"]:
    skills = [s for r in a["roots"] for s in r["skills"]]
    print(f"{a['agent']}: {len(skills)} folders, {sum(not s['loads'] for s in skills)} do not load")
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs "$runs" -N -i --export-json "$work/h.json" \
    "$bin doctor --agent all" \
    "$bin doctor --agent all --json" >/dev/null 2>&1
  python3 - "$work/h.json" "$skills" <<'PY'
import json, sys
n = int(sys.argv[2])
for r in json.load(open(sys.argv[1]))["results"]:
    out = "json" if r["command"].endswith("--json") else "human"
    print(f"skillpack doctor --agent all ({out}): median {r['median']*1000:.1f} ms for {n} skills "
          f"(min {r['min']*1000:.1f} ms, max {r['max']*1000:.1f} ms)")
PY
else
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N)
    "$bin" doctor --agent all >/dev/null || true
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{print $2 - $1}'
  done | median | awk -v n="$skills" '{printf "skillpack doctor --agent all: median %.1f ms for %d skills\n", $1*1000, n}'
fi

if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$bin" doctor --agent all --json 2>"$work/time.txt" >/dev/null || true
  awk -F': ' '/Maximum resident/ {printf "peak RSS: %.1f MiB\n", $2/1024}' "$work/time.txt"
fi
