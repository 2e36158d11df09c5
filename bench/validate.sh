#!/usr/bin/env bash
# Wall time of `skillpack validate` (release binary) on a generated tree of skills, and the
# reference validator's (skills-ref, Python) time per skill on a sample of the same tree.
#
# Usage: bench/validate.sh [skills] [runs] [sample]    defaults: 10000 10 200
#
# Last figures (2-core VM): 10,000 skills in a median 600 ms (json) / 559 ms (human), peak
# RSS 31 MiB; reference CLI 201 ms per skill, reference library 4.3 ms per skill.
#
# Needs python3; hyperfine if installed (apt-get install -y hyperfine), else a timing loop.
# The reference validator is installed into a virtualenv ($SKILLS_REF_VENV, default
# /tmp/skills-ref) with pip on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
skills=${1:-10000}
runs=${2:-10}
sample=${3:-200}
venv=${SKILLS_REF_VENV:-/tmp/skills-ref}

cargo build --release --quiet
bin=$PWD/target/release/skillpack
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/gen_skills.py "$work/tree" "$skills"
echo "tree: $skills skills, $(find "$work/tree" -type f | wc -l) files"
# The tree holds invalid skills on purpose: exit 1 is the expected outcome.
"$bin" validate "$work/tree" --format json >"$work/report.json" || true
python3 - "$work/report.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"report: {s['skills']} skills, {s['invalid']} invalid, {s['errors']} errors, {s['warnings']} warnings")
PY

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "$runs" -N -i --export-json "$work/h.json" \
    "$bin validate $work/tree --format json" \
    "$bin validate $work/tree --format human" >/dev/null 2>&1
  python3 - "$work/h.json" "$skills" <<'PY'
import json, sys
n = int(sys.argv[2])
for r in json.load(open(sys.argv[1]))["results"]:
    fmt = r["command"].rsplit(" ", 1)[1]
    print(f"skillpack validate ({fmt}): median {r['median']*1000:.0f} ms for {n} skills "
          f"({r['median']/n*1e6:.1f} µs per skill; min {r['min']*1000:.0f} ms, max {r['max']*1000:.0f} ms)")
PY
else
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N)
    "$bin" validate "$work/tree" --format json >/dev/null || true
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{print $2 - $1}'
  done | median | awk -v n="$skills" '{printf "skillpack validate (json): median %.0f ms for %d skills\n", $1*1000, n}'
fi

if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$bin" validate "$work/tree" --format json 2>"$work/time.txt" >/dev/null || true
  awk -F': ' '/Maximum resident/ {printf "peak RSS: %.1f MiB\n", $2/1024}' "$work/time.txt"
fi

# The reference validator, on the first $sample skills.
if [ ! -x "$venv/bin/agentskills" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet skills-ref
fi
# Through a file: `head` closing the pipe early would kill `sort` and, with pipefail, the script.
find "$work/tree" -name SKILL.md -printf '%h\n' | sort >"$work/all.txt"
head -n "$sample" "$work/all.txt" >"$work/sample.txt"
t0=$(date +%s.%N)
while read -r dir; do "$venv/bin/agentskills" validate "$dir" >/dev/null 2>&1 || true; done <"$work/sample.txt"
t1=$(date +%s.%N)
echo "$t0 $t1 $sample" | awk '{printf "reference CLI (agentskills validate, one process per skill): %.1f ms per skill\n", ($2-$1)*1000/$3}'
"$venv/bin/python" - "$work/sample.txt" <<'PY'
import sys, time
from pathlib import Path
from skills_ref.validator import validate
dirs = [Path(l.strip()) for l in open(sys.argv[1])]
t0 = time.perf_counter()
for d in dirs:
    validate(d)
dt = time.perf_counter() - t0
print(f"reference library (validate() in one process): {dt*1000/len(dirs):.2f} ms per skill")
PY
t0=$(date +%s.%N)
"$bin" validate $(cat "$work/sample.txt") --format json >/dev/null || true
t1=$(date +%s.%N)
echo "$t0 $t1 $sample" | awk '{printf "skillpack on the same sample (one process): %.2f ms per skill\n", ($2-$1)*1000/$3}'
