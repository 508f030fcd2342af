# Shared by run.sh and compare-outputs.sh; sourced, not run.
# Expects ROOT (the package directory) to be set.

BENCH_DIR="$ROOT/Scripts/bench"
BENCH_DATA="${BENCH_DATA:-$ROOT/bench-data}"
SEED="${SEED:-1}"

bench_die() { echo "bench: $*" >&2; exit 2; }

# Builds the release binary (into $SCRATCH when set, so a benchmark need not wait for
# someone else's build in .build) and sets SIGNBATCH, unless SIGNBATCH is already given
# (to benchmark a binary built elsewhere).
bench_build() {
    if [[ -n "${SIGNBATCH:-}" ]]; then
        [[ -x "$SIGNBATCH" ]] || bench_die "SIGNBATCH=$SIGNBATCH is not an executable"
        return
    fi
    # The flags of `make build`.
    local args=(-c release --product signbatch --static-swift-stdlib ${SCRATCH:+--scratch-path "$SCRATCH"})
    echo "bench: swift build ${args[*]}" >&2
    (cd "$ROOT" && swift build "${args[@]}" >&2) || bench_die "the build failed"
    local bin
    bin="$(cd "$ROOT" && swift build "${args[@]}" --show-bin-path)" || bench_die "cannot find the build directory"
    SIGNBATCH="$bin/signbatch"
}

# bench_dataset FORMAT ROWS: prints the directory holding batch.FORMAT, existing.csv and
# docs/, generating it first unless it is there already and was made by this very
# generator (a changed generator would silently benchmark stale data otherwise).
bench_dataset() {
    local format="$1" rows="$2"
    local dir="$BENCH_DATA/$format-$rows-s$SEED"
    local stamp
    stamp="$(sha256sum "$BENCH_DIR/generate.py" | cut -c1-16)"
    if [[ -f "$dir/batch.$format" && "$(cat "$dir/.generator" 2>/dev/null)" == "$stamp" ]]; then
        echo "$dir"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "bench: generating $format batch of $rows rows (seed $SEED) into $dir" >&2
    python3 "$BENCH_DIR/generate.py" --rows "$rows" --seed "$SEED" --format "$format" --out "$dir" >&2 \
        || bench_die "the generator failed"
    echo "$stamp" > "$dir/.generator"
    echo "$dir"
}

# bench_ledger BINARY DATASET PATH: a ledger at PATH holding the dataset's existing
# signatures, imported by BINARY itself so its schema is the binary's own.
bench_ledger() {
    local binary="$1" dataset="$2" path="$3"
    rm -f "$path" "$path"-* "$path".lock
    mkdir -p "$(dirname "$path")"
    "$binary" ledger import "$dataset/existing.csv" --ledger "$path" 2>"$path.import.log" || {
        cat "$path.import.log" >&2
        bench_die "$binary ledger import $dataset/existing.csv failed"
    }
}

# bench_copy_ledger FROM TO: a fresh copy of a ledger (with any -wal/-shm beside it).
bench_copy_ledger() {
    local from="$1" to="$2" file
    rm -f "$to" "$to"-* "$to".lock
    for file in "$from" "$from"-wal "$from"-shm; do
        [[ -e "$file" ]] && cp "$file" "$to${file#"$from"}"
    done
    return 0
}

# bench_evict DIR: drops the page-cache pages of every file in DIR (posix_fadvise
# DONTNEED; the files are clean, so the kernel lets them go), so the next run reads them
# from disk.
bench_evict() {
    python3 - "$1" <<'EOF'
import os, sys
for entry in os.scandir(sys.argv[1]):
    if entry.is_file(follow_symlinks=False):
        fd = os.open(entry.path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
EOF
}
