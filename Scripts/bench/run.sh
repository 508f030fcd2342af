#!/usr/bin/env bash
# `make bench`: times signbatch on generated batches and prints, per case, the median
# wall time, rows/s and peak RSS against the targets of the performance issue, and the
# median CPU time (user + sys), which moves less than wall time on a shared machine.
#
# Cases: 100k and 1M-row CSV, 200k-application XML, each as --dry-run and as a full
# run. Every run gets a fresh output directory and a fresh copy of a ledger that
# `signbatch ledger import` (of the binary timed; the baseline imports its own) filled
# with the batch's existing signatures beforehand (neither the import nor the copy is
# timed).
#
# Environment:
#   REPEAT=3         runs per case; the median is reported
#   SEED=1           generator seed; each seed/size is generated once under bench-data/
#   BENCH_XML=1      0 skips the XML cases
#   BENCH_10M=0      1 adds 10M-row CSV cases (~1.45 GB input; target: ≤ 11× the 1M time)
#   BENCH_COLD=1     0 skips csv-1M-cold: the 1M dry run with its certificates evicted from
#                    the page cache before each run, as a nightly job usually finds them
#   BENCH_ONLY=      extended regex on case names, e.g. 'csv-100k' or 'dry-run'
#   BENCH_STRICT=0   1 also exits non-zero when a target is missed
#   SCRATCH=         --scratch-path for `swift build` (e.g. .build-bench)
#   SIGNBATCH=       time this binary instead of building one
#   BASELINE=        also time this binary (e.g. one built from an earlier commit), run for
#                    run alternately with the other on the same ledger and data, and print
#                    its figures beside them: on a shared machine whose speed drifts between
#                    minutes, only an interleaved comparison shows a change of a few percent
#   BENCH_DATA=      where data and run directories go (default bench-data/)
#
# Exit: 0 when every run of signbatch exited 0; 1 when any did not (the other cases
# still run, and the failure is printed); 2 when the benchmark itself could not run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/Scripts/bench/lib.sh"

REPEAT="${REPEAT:-3}"
BENCH_XML="${BENCH_XML:-1}"
BENCH_10M="${BENCH_10M:-0}"
BENCH_COLD="${BENCH_COLD:-1}"
BENCH_ONLY="${BENCH_ONLY:-}"
BENCH_STRICT="${BENCH_STRICT:-0}"

[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || bench_die "REPEAT must be a positive number, not '$REPEAT'"
BASELINE="${BASELINE:-}"
[[ -z "$BASELINE" || -x "$BASELINE" ]] || bench_die "BASELINE=$BASELINE is not an executable"
[[ -x /usr/bin/time ]] || bench_die "/usr/bin/time is needed for the peak RSS (apt-get install time)"
command -v python3 >/dev/null || bench_die "python3 is needed for the generator"

BUILT=0
[[ -n "${SIGNBATCH:-}" ]] || BUILT=1
bench_build
RUNS="$BENCH_DATA/runs"
mkdir -p "$RUNS"

# name format rows mode
CASES=(
    "csv-100k csv 100000 dry-run"
    "csv-100k csv 100000 full"
    "csv-1M csv 1000000 dry-run"
    "csv-1M csv 1000000 full"
)
if [[ "$BENCH_COLD" != 0 ]]; then
    CASES+=("csv-1M-cold csv 1000000 dry-run")
fi
if [[ "$BENCH_XML" != 0 ]]; then
    CASES+=("xml-200k xml 200000 dry-run" "xml-200k xml 200000 full")
fi
if [[ "$BENCH_10M" != 0 ]]; then
    CASES+=("csv-10M csv 10000000 dry-run" "csv-10M csv 10000000 full")
fi

declare -A TEMPLATE=()   # dataset → ledger imported for it during this invocation
declare -A BASE_TEMPLATE=()   # the same, imported by BASELINE
declare -A MEDIAN=()
declare -A NOTED=()      # datasets whose outcome mix is already noted     # "name mode" → median seconds, for the 10M target
ROWS_OUT=()
NOTES=()
DISK_NOTES=()
failed=0
missed=0

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints "max_seconds min_rows_per_s max_rss_mb" for a case, "-" where the issue sets none.
targets() {
    local name="$1" mode="$2"
    case "$name $mode" in
        "csv-1M dry-run") echo "1.2 800000 120" ;;
        "csv-1M full") echo "2.5 - 120" ;;
        csv-100k*) echo "- - 40" ;;
        xml-200k*) echo "2.5 - -" ;;
        csv-10M*)
            local base="${MEDIAN[csv-1M $mode]:-}"
            if [[ -n "$base" ]]; then echo "$(awk -v b="$base" 'BEGIN { printf "%.2f", b * 11 }') - -"
            else echo "- - -"; fi ;;
        *) echo "- - -" ;;
    esac
}

outcome_note() {
    python3 - "$1" <<'EOF' 2>/dev/null
import json, sys
s = json.load(open(sys.argv[1]))
rows = max(s["rows"], 1)
quota = sum(1 for a in s["accounts"].values() if a["used"] >= a["quota"])
print("%d rows: %.1f%% accepted, %.1f%% rejected (%d QUOTA_EXCEEDED, %d duplicates), %.1f%% need documents; %d of %d accounts at quota"
      % (s["rows"], 100 * s["accepted"] / rows, 100 * s["rejected"] / rows, s["reasons"].get("QUOTA_EXCEEDED", 0),
         s["reasons"].get("DUPLICATE_IN_BATCH", 0) + s["reasons"].get("DUPLICATE_EXISTING", 0),
         100 * s["needs_documents"] / rows, quota, len(s["accounts"])))
EOF
}

# one_run BINARY WORK LEDGER: one timed run of the current case in a fresh WORK directory,
# on a copy of the ledger template LEDGER. The case is read from the caller's locals:
# `batch`, `mode` and `name` (a name ending in -cold evicts the certificates first). Sets
# RUN_WALL, RUN_CPU (user + sys), RUN_RSS (KB) and RUN_DISK ("MB read MB written" while it
# ran, system-wide); on failure returns 1 with RUN_ERROR set.
one_run() {
    local binary="$1" work="$2" ledger="$3" rc start end rss user sys
    rm -rf "$work"
    mkdir -p "$work"
    bench_copy_ledger "$ledger" "$work/ledger.sqlite"
    local args=(run "$batch" --output "$work/out" --ledger "$work/ledger.sqlite")
    [[ "$mode" == dry-run ]] && args+=(--dry-run)
    if [[ "$name" == *-cold ]]; then
        bench_evict "$(dirname "$batch")/docs" || { RUN_ERROR="could not evict the certificates"; return 1; }
    fi
    local disk_before
    disk_before="$(disk_kb)"
    start=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$work/time" "$binary" "${args[@]}" > /dev/null 2> "$work/stderr"
    rc=$?
    end=$(date +%s%N)
    RUN_DISK="$(disk_kb | awk -v before="$disk_before" \
        'BEGIN { split(before, b, " ") } { printf "%.0f %.0f", ($1 - b[1]) / 1024, ($2 - b[2]) / 1024 }')"
    if ((rc != 0)); then
        RUN_ERROR="exit $rc: $(grep -v '^Command ' "$work/stderr" | tail -n 3 | tr '\n' ' ')(stderr kept in $work/stderr)"
        return 1
    fi
    local status
    status="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$work/out/batch/summary.json" 2>/dev/null)"
    if [[ "$status" != processed ]]; then
        RUN_ERROR="summary.json status is ${status:-missing}, not processed"
        return 1
    fi
    read -r rss user sys < <(tail -n 1 "$work/time")
    RUN_RSS=$rss
    RUN_CPU="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    RUN_WALL="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')"
}

# disk_kb: KB read from and written to disk so far, system-wide (/proc/vmstat). A run
# whose batch and outputs stay in the page cache moves almost nothing; one whose files
# outgrow it reads its batch back from disk and has its outputs written back while it runs.
disk_kb() {
    awk '$1 == "pgpgin" { i = $2 } $1 == "pgpgout" { o = $2 } END { print i + 0, o + 0 }' /proc/vmstat
}

case_failed() {
    local name="$1" mode="$2" rows="$3" format="$4" why="$5"
    ROWS_OUT+=("$(printf '%-11s %-8s %8s  FAILED: %s' "$name" "$mode" "$rows" "$why")")
    [[ "$format" == xml ]] && NOTES+=("$name $mode failed (BENCH_XML=0 skips the XML cases)")
    echo "bench: $name $mode FAILED: $why" >&2
    failed=1
}

run_case() {
    local name="$1" format="$2" rows="$3" mode="$4"
    local label="$name $mode"
    local dataset
    dataset="$(bench_dataset "$format" "$rows")" || exit 2
    local batch="$dataset/batch.$format"
    local template="${TEMPLATE[$dataset]:-}"
    if [[ -z "$template" ]]; then
        template="$RUNS/ledger-$format-$rows-s$SEED.sqlite"
        bench_ledger "$SIGNBATCH" "$dataset" "$template"
        TEMPLATE[$dataset]="$template"
    fi
    # The baseline gets a ledger its own `ledger import` made: a ledger of another schema
    # version would be migrated inside its timed runs, or run with the other's schema.
    local base_template="${BASE_TEMPLATE[$dataset]:-}"
    if [[ -n "$BASELINE" && -z "$base_template" ]]; then
        base_template="$RUNS/ledger-$format-$rows-s$SEED-baseline.sqlite"
        bench_ledger "$BASELINE" "$dataset" "$base_template"
        BASE_TEMPLATE[$dataset]="$base_template"
    fi
    local work="$RUNS/$name-$mode"
    # Reads the batch once so no run pays for a cold page cache.
    cat "$batch" > /dev/null

    local times=() cpus=() peak=0 base_times=() base_cpus=() base_peak=0 rep reads=() writes=()
    for ((rep = 1; rep <= REPEAT; rep++)); do
        if [[ -n "$BASELINE" ]]; then
            echo "bench: $label, run $rep/$REPEAT (baseline)" >&2
            one_run "$BASELINE" "$work-baseline" "$base_template" || { case_failed "$name" "$mode" "$rows" "$format" "baseline: $RUN_ERROR"; return; }
            base_times+=("$RUN_WALL"); base_cpus+=("$RUN_CPU")
            ((RUN_RSS > base_peak)) && base_peak=$RUN_RSS
        fi
        echo "bench: $label, run $rep/$REPEAT" >&2
        one_run "$SIGNBATCH" "$work" "$template" || { case_failed "$name" "$mode" "$rows" "$format" "$RUN_ERROR"; return; }
        times+=("$RUN_WALL"); cpus+=("$RUN_CPU")
        ((RUN_RSS > peak)) && peak=$RUN_RSS
        reads+=("${RUN_DISK% *}"); writes+=("${RUN_DISK#* }")
    done
    DISK_NOTES+=("$(printf '%-11s %-8s read %.0f MB, wrote %.0f MB' "$name" "$mode" "$(median "${reads[@]}")" \
        "$(median "${writes[@]}")")")
    if [[ -z "${NOTED[$dataset]:-}" ]]; then
        NOTES+=("$name: $(outcome_note "$work/out/batch/summary.json")")
        NOTED[$dataset]=1
    fi
    # Only the last runs' summaries are kept: their outputs and ledgers are 2.5 GB per
    # binary at 10M rows, which would otherwise stay on disk and in the page cache while
    # the next cases run.
    find "$work" "$work-baseline" -type f ! -name summary.json -delete 2> /dev/null

    local med rate mb cpu
    med="$(median "${times[@]}")"
    cpu="$(median "${cpus[@]}")"
    MEDIAN[$label]="$med"
    rate="$(awk -v r="$rows" -v t="$med" 'BEGIN { printf "%.0f", (t > 0 ? r / t : 0) }')"
    mb="$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')"

    local max_s min_rate max_mb verdict="" target=""
    read -r max_s min_rate max_mb <<< "$(targets "$name" "$mode")"
    if [[ "$max_s" != - ]]; then
        target+="<=${max_s}s "
        awk -v a="$med" -v b="$max_s" 'BEGIN { exit !(a > b) }' && verdict+="time "
    fi
    if [[ "$min_rate" != - ]]; then
        target+=">=$((min_rate / 1000))k/s "
        ((rate < min_rate)) && verdict+="rate "
    fi
    if [[ "$max_mb" != - ]]; then
        target+="<=${max_mb}MB"
        awk -v a="$mb" -v b="$max_mb" 'BEGIN { exit !(a > b) }' && verdict+="rss"
    fi
    if [[ -z "$target" ]]; then verdict="-"
    elif [[ -z "$verdict" ]]; then verdict="ok"
    else verdict="MISS: ${verdict% }"; missed=1; fi
    ROWS_OUT+=("$(printf '%-11s %-8s %8s %9s %10s %8s %8s  %-24s %-20s %s' \
        "$name" "$mode" "$rows" "$med" "$rate" "$mb" "$cpu" "${target% }" "$verdict" "${times[*]}")")
    if [[ -n "$BASELINE" ]]; then
        local base_med
        base_med="$(median "${base_times[@]}")"
        ROWS_OUT+=("$(printf '%-11s %-8s %8s %9s %10s %8s %8s  %-24s %-20s %s' \
            "" "baseline" "" "$base_med" \
            "$(awk -v r="$rows" -v t="$base_med" 'BEGIN { printf "%.0f", (t > 0 ? r / t : 0) }')" \
            "$(awk -v k="$base_peak" 'BEGIN { printf "%.1f", k / 1024 }')" "$(median "${base_cpus[@]}")" \
            "" "-" "${base_times[*]}")")
    fi
}

for spec in "${CASES[@]}"; do
    read -r name format rows mode <<< "$spec"
    if [[ -n "$BENCH_ONLY" ]] && ! [[ "$name $mode" =~ $BENCH_ONLY ]]; then continue; fi
    run_case "$name" "$format" "$rows" "$mode"
done

if ((BUILT)); then
    source_of="built from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "an unknown revision")"
    if [[ -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
        source_of+=" with uncommitted changes under Sources/"
    fi
else
    source_of="given as SIGNBATCH"
fi
echo
echo "signbatch benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'); binary $source_of"
[[ -n "$BASELINE" ]] && echo "baseline $BASELINE, run alternately with the binary (rows marked baseline)"
echo "binary $SIGNBATCH; nproc $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg); REPEAT $REPEAT; seed $SEED"
printf '%-11s %-8s %8s %9s %10s %8s %8s  %-24s %-20s %s\n' \
    case mode rows "median s" "rows/s" "peak MB" "cpu s" target verdict "all runs (wall s)"
printf '%s\n' "${ROWS_OUT[@]}"
if ((${#NOTES[@]})); then
    echo
    printf '%s\n' "${NOTES[@]}"
fi
if ((${#DISK_NOTES[@]})); then
    echo
    echo "disk I/O while the binary ran (system-wide, /proc/vmstat; median of its runs):"
    printf '%s\n' "${DISK_NOTES[@]}"
fi

((failed)) && exit 1
((missed && BENCH_STRICT != 0)) && exit 1
exit 0
