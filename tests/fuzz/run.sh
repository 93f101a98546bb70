#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...] -- run the libFuzzer targets for a
# bounded time each and fail if any finds a crash, a leak, undefined
# behaviour, a broken invariant, a timeout or runaway memory.
#
# SECONDS per target (default 20); TARGETs are names like json or
# fuzz-json (default: every tests/fuzz/fuzz-*.c).  Builds them first
# (make fuzz).  Each target runs over a COPY of its seed corpus in a
# temporary directory, so the committed corpus never grows; a finding is
# kept under $FUZZ_ARTIFACTS (default build-fuzz/artifacts/TARGET/) and its
# path printed with the command that reproduces it.  The last line is
# "N passed, M failed" (one item per target), as tests/run-all.sh reads it.
# Environment: FUZZ_NO_BUILD=1 skips make; FUZZ_BIN_DIR runs the binaries
# of another directory (a copy, so that a rebuild does not replace them
# under a long run); FUZZ_KEEP_CORPUS=DIR keeps each grown corpus as
# DIR/TARGET (to merge by hand, see README.md).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

SECS=20
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    SECS=$1
    shift
fi
TARGETS=()
if [ $# -gt 0 ]; then
    for t in "$@"; do TARGETS+=("${t#fuzz-}"); done
else
    for f in tests/fuzz/fuzz-*.c; do
        t=${f##*/fuzz-}
        TARGETS+=("${t%.c}")
    done
fi

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    if ! make -j2 fuzz >"${TMPDIR:-/tmp}/da-fuzz-make.log" 2>&1; then
        tail -n 30 "${TMPDIR:-/tmp}/da-fuzz-make.log"
        echo "fuzz: make fuzz failed (clang and libclang-rt-14-dev installed?)"
        echo "fuzz: 0 passed, 1 failed"
        exit 1
    fi
fi

ART=${FUZZ_ARTIFACTS:-build-fuzz/artifacts}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/da-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for t in "${TARGETS[@]}"; do
    bin=${FUZZ_BIN_DIR:-build-fuzz}/fuzz-$t
    if [ ! -x "$bin" ]; then
        echo "fuzz-$t: no binary $bin (is tests/fuzz/fuzz-$t.c there?)"
        failed=$((failed + 1))
        continue
    fi
    corpus=$WORK/corpus-$t
    mkdir -p "$corpus" "$ART/$t"
    [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$corpus/"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    log=$WORK/$t.log
    before=$(ls "$ART/$t" | wc -l)
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$ART/$t/" \
        "${dict[@]}" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
    if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
        mkdir -p "$FUZZ_KEEP_CORPUS/$t"
        cp -r "$corpus/." "$FUZZ_KEEP_CORPUS/$t/"
    fi
    if [ $rc -eq 0 ]; then
        echo "fuzz-$t: ok: ${runs:-?} runs in ${SECS} s, ${eps:-?} exec/s, ${cov:-cov: ?}, 0 crashes"
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    echo "fuzz-$t: FAILED (exit status $rc) after ${runs:-?} runs, ${eps:-?} exec/s"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant failed|.*runtime error)' "$log" | head -n 5 | sed 's/^/  /'
    after=$(ls -t "$ART/$t" | head -n $(( $(ls "$ART/$t" | wc -l) - before )))
    for a in $after; do
        echo "  reproducer: $ART/$t/$a"
        echo "  run it:     $bin $ART/$t/$a"
    done
    cp "$log" "$ART/$t/last-failure.log"
    echo "  full log:   $ART/$t/last-failure.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
