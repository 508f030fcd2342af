#!/usr/bin/env bash
# Proves an optimization changed no output: runs two signbatch binaries on the same
# benchmark batches and compares every output file byte for byte.
#
#   Scripts/bench/compare-outputs.sh BEFORE_BINARY AFTER_BINARY
#   Scripts/bench/compare-outputs.sh OUTPUT_DIR_A OUTPUT_DIR_B
#
# With two binaries, each one imports the batch's existing signatures into its own
# fresh ledger and runs `signbatch run --dry-run` on the 100k and 1M-row CSV batches and
# the 200k XML batch (generated under bench-data/ like run.sh does); the output trees
# are then compared. With two directories, only the comparison is done.
#
# A "before" binary can be built from a commit without touching the working tree:
#   mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before
#   (cd /tmp/before && make build)
#   Scripts/bench/compare-outputs.sh /tmp/before/.build/release/signbatch .build/release/signbatch
#
# Environment:
#   SEED=1          generator seed (same data as run.sh with the same seed)
#   BENCH_XML=1     0 leaves the XML batch out
#   BENCH_10M=0     1 adds the 10M-row CSV batch
#   BENCH_ONLY=     extended regex on batch names (csv-100k, csv-1M, xml-200k, csv-10M)
#   COMPARE_FULL=0  1 also does full runs (ledger written) and compares `ledger export`
#   BENCH_DATA=     where data and outputs go (default bench-data/)
#
# Exit: 0 identical; 1 a difference (in a file, the set of files, or an exit code);
# 2 the comparison could not be made.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/Scripts/bench/lib.sh"

BENCH_XML="${BENCH_XML:-1}"
BENCH_10M="${BENCH_10M:-0}"
BENCH_ONLY="${BENCH_ONLY:-}"
COMPARE_FULL="${COMPARE_FULL:-0}"

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

(($# == 2)) || usage
A="$1"
B="$2"

different=0

# Shows the line a difference is on, cut short: output rows can be long.
show_line() {
    local file="$1" line="$2"
    sed -n "${line}{p;q}" "$file" | cut -c1-300
}

# compare_trees DIR_A DIR_B: every file of both, byte for byte; reports the first
# difference in each file and files that only one side has.
compare_trees() {
    local left="$1" right="$2" file report line
    local files_left files_right
    files_left="$(cd "$left" && find . -type f | LC_ALL=C sort)"
    files_right="$(cd "$right" && find . -type f | LC_ALL=C sort)"
    if [[ "$files_left" != "$files_right" ]]; then
        echo "DIFFERENT: the two sides hold different files:"
        diff <(echo "$files_left") <(echo "$files_right") | grep '^[<>]' | sed "s|^<|  only in $left:|; s|^>|  only in $right:|"
        different=1
    fi
    local compared=0
    while IFS= read -r file; do
        file="${file#./}"
        [[ -n "$file" && -f "$right/$file" ]] || continue
        compared=$((compared + 1))
        if ! report="$(cmp "$left/$file" "$right/$file" 2>&1)"; then
            different=1
            echo "DIFFERENT: $file: $report"
            line="$(sed -n 's/.* line \([0-9]*\).*/\1/p' <<< "$report")"
            if [[ -n "$line" ]]; then
                echo "  A line $line: $(show_line "$left/$file" "$line")"
                echo "  B line $line: $(show_line "$right/$file" "$line")"
            fi
        fi
    done <<< "$files_left"
    echo "compared $compared file(s): $left vs $right"
}

if [[ -d "$A" && -d "$B" ]]; then
    compare_trees "$A" "$B"
    ((different)) && { echo "outputs differ"; exit 1; }
    echo "outputs are identical"
    exit 0
fi
for binary in "$A" "$B"; do
    [[ -f "$binary" && -x "$binary" ]] || bench_die "$binary is neither an executable nor (with the other argument) a directory"
done
A="$(cd "$(dirname "$A")" && pwd)/$(basename "$A")"
B="$(cd "$(dirname "$B")" && pwd)/$(basename "$B")"
command -v python3 >/dev/null || bench_die "python3 is needed for the generator"

BATCHES=("csv-100k csv 100000" "csv-1M csv 1000000")
[[ "$BENCH_XML" != 0 ]] && BATCHES+=("xml-200k xml 200000")
[[ "$BENCH_10M" != 0 ]] && BATCHES+=("csv-10M csv 10000000")
WORK="$BENCH_DATA/compare"

# run_side BINARY DATASET FORMAT DIR MODE: one run into DIR/out; DIR/exit holds its status.
run_side() {
    local binary="$1" dataset="$2" format="$3" dir="$4" mode="$5"
    rm -rf "$dir"
    mkdir -p "$dir"
    bench_ledger "$binary" "$dataset" "$dir/ledger.sqlite"
    local args=(run "$dataset/batch.$format" --output "$dir/out" --ledger "$dir/ledger.sqlite")
    [[ "$mode" == dry-run ]] && args+=(--dry-run)
    local start end
    start=$(date +%s%N)
    "$binary" "${args[@]}" > "$dir/stdout" 2> "$dir/stderr"
    echo $? > "$dir/exit"
    end=$(date +%s%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'
}

modes=(dry-run)
[[ "$COMPARE_FULL" != 0 ]] && modes+=(full)
for spec in "${BATCHES[@]}"; do
    read -r name format rows <<< "$spec"
    if [[ -n "$BENCH_ONLY" ]] && ! [[ "$name" =~ $BENCH_ONLY ]]; then continue; fi
    dataset="$(bench_dataset "$format" "$rows")" || exit 2
    for mode in "${modes[@]}"; do
        echo "== $name $mode"
        left="$WORK/a/$name-$mode"
        right="$WORK/b/$name-$mode"
        time_a="$(run_side "$A" "$dataset" "$format" "$left" "$mode")"
        time_b="$(run_side "$B" "$dataset" "$format" "$right" "$mode")"
        exit_a="$(cat "$left/exit")"
        exit_b="$(cat "$right/exit")"
        echo "A exited $exit_a in ${time_a}s, B exited $exit_b in ${time_b}s"
        if [[ "$exit_a" != "$exit_b" ]]; then
            echo "DIFFERENT: exit status $exit_a vs $exit_b"
            echo "  A: $(tail -n 2 "$left/stderr" | tr '\n' ' ')"
            echo "  B: $(tail -n 2 "$right/stderr" | tr '\n' ' ')"
            different=1
        elif [[ "$exit_a" != 0 ]]; then
            echo "note: both failed alike (exit $exit_a): $(tail -n 1 "$left/stderr")"
        fi
        if [[ -d "$left/out" || -d "$right/out" ]]; then
            mkdir -p "$left/out" "$right/out"
            compare_trees "$left/out" "$right/out"
        fi
        if [[ "$mode" == full ]]; then
            "$A" ledger export --ledger "$left/ledger.sqlite" > "$left/ledger-export.csv" 2>> "$left/stderr"
            "$B" ledger export --ledger "$right/ledger.sqlite" > "$right/ledger-export.csv" 2>> "$right/stderr"
            if report="$(cmp "$left/ledger-export.csv" "$right/ledger-export.csv" 2>&1)"; then
                echo "ledger export identical ($(wc -l < "$left/ledger-export.csv") lines)"
            else
                echo "DIFFERENT: ledger export: $report"
                different=1
            fi
        fi
    done
done

if ((different)); then
    echo "outputs differ"
    exit 1
fi
echo "outputs are identical"
exit 0
