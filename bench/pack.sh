#!/usr/bin/env bash
# Times `skillpack pack skill/account-management` with the release binary and prints the
# median wall time. Uses hyperfine when it is installed (`apt-get install -y hyperfine`),
# else a plain loop.
#
#   bench/pack.sh            # 50 runs
#   RUNS=200 bench/pack.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-50}
cargo build --release --quiet
bin=$PWD/target/release/skillpack
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmd="$bin pack skill/account-management --out $out/dist --quiet"

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 3 --runs "$runs" --shell=none --style basic \
        --export-json "$out/result.json" "$cmd" >&2
    # The median in seconds, from hyperfine's JSON (no jq needed).
    median=$(tr -d ' \n' <"$out/result.json" | sed -E 's/.*"median":([0-9.eE+-]+).*/\1/')
    awk -v s="$median" 'BEGIN { printf "pack median: %.2f ms (hyperfine, %d runs)\n", s * 1000, '"$runs"' }'
else
    for _ in 1 2 3; do $cmd; done
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        $cmd
        end=$(date +%s%N)
        echo $(((end - start) / 1000))
    done | sort -n | awk '{ t[NR] = $1 } END {
        m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
        printf "pack median: %.2f ms (loop, %d runs)\n", m / 1000, NR
    }'
fi
