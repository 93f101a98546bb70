#!/usr/bin/env bash
# tests/run-all.sh: the whole test suite, as root on Debian 12 (what .ci/run and `make test` call).
#
#  1. installs the packages it needs with apt-get when missing (with a policy-rc.d that keeps
#     packages from starting system services during the install);
#  2. builds dockaudit (make);
#  3. unit tests (make check-unit);
#  4. ASan/UBSan build (make asan) and its unit tests;
#  4b. the libFuzzer targets (make fuzz, clang), FUZZ_SECONDS each (default 14;
#     FUZZ_SECONDS=0 skips them) over a copy of their seed corpus
#     (tests/fuzz/run.sh);
#  4c. test-peer and test-authz under ThreadSanitizer (make tsan, clang);
#  5. the end-to-end suite against build/dockaudit (tests/e2e/run.sh);
#  6. the end-to-end suite again against build-asan/dockaudit (E2E_ASAN_TESTS="pattern ..."
#     selects a subset; E2E_ASAN=0 skips it).
# The last line is "N passed, M failed" over everything; the exit status is non-zero on any failure.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$(pwd)

TOTAL_PASSED=0
TOTAL_FAILED=0
SECTIONS=()
START=$(date +%s)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/run-all.XXXXXX")   # section outputs, for the counts
trap 'rm -rf "$OUT"' EXIT

note() { printf '\n### %s\n' "$*"; }

# account NAME OUTPUT-FILE RC: add the counts of the file's last "N passed, M failed" line
account() {
    local name=$1 file=$2 rc=$3 line p f
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$file" 2>/dev/null | tail -n 1)
    p=$(printf '%s' "$line" | grep -oE '[0-9]+ passed' | tail -n 1 | cut -d' ' -f1)
    f=$(printf '%s' "$line" | grep -oE '[0-9]+ failed' | tail -n 1 | cut -d' ' -f1)
    if [ -z "$p" ] || [ -z "$f" ]; then
        p=0
        f=1
        echo "run-all: $name printed no result line (exit status $rc): counted as 1 failure"
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "run-all: $name exited $rc although it reported no failure: counted as 1 failure"
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    SECTIONS+=("$(printf '%-22s %4d passed, %3d failed' "$name" "$p" "$f")")
}

# step NAME CMD...: a single pass/fail item (build steps)
step() {
    local name=$1 rc
    shift
    "$@"
    rc=$?
    if [ $rc -eq 0 ]; then
        TOTAL_PASSED=$((TOTAL_PASSED + 1))
        SECTIONS+=("$(printf '%-22s %4d passed, %3d failed' "$name" 1 0)")
    else
        TOTAL_FAILED=$((TOTAL_FAILED + 1))
        SECTIONS+=("$(printf '%-22s %4d passed, %3d failed' "$name" 0 1)")
        echo "run-all: $name failed (exit status $rc)"
    fi
    return $rc
}

finish() {
    note "summary ($(($(date +%s) - START)) s)"
    local s
    for s in "${SECTIONS[@]}"; do echo "  $s"; done
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
    [ "$TOTAL_FAILED" -eq 0 ]
    exit
}

# --- 1. dependencies --------------------------------------------------------------------------
PKGS=(gcc make pkg-config libssl-dev libyaml-dev libjansson-dev libzstd-dev
    docker.io containerd runc busybox-static python3 python3-docker
    jq curl socat tmux haproxy util-linux bsdutils passwd procps coreutils tar
    clang libclang-rt-14-dev llvm)

install_deps() {
    local need=() p created=0
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && { echo "run-all: all packages present"; return 0; }
    if [ "$(id -u)" -ne 0 ]; then
        echo "run-all: missing packages (${need[*]}) and not root" >&2
        return 1
    fi
    echo "run-all: installing ${need[*]}"
    # keep postinst scripts from starting dockerd, containerd, haproxy... as system services
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        created=1
    fi
    local rc=0
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || rc=$?
    if [ $rc -eq 0 ]; then
        apt-get install -y -qq --no-install-recommends "${need[@]}" >"$OUT/apt.log" 2>&1 || rc=$?
        [ $rc -eq 0 ] || tail -n 30 "$OUT/apt.log"
    fi
    [ $created -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}

note "dependencies"
step "dependencies" install_deps || finish

# --- 2. build ---------------------------------------------------------------------------------
note "build"
step "build (make)" make -j2 || finish
build/dockaudit --version

# --- 3. unit tests ----------------------------------------------------------------------------
note "unit tests"
timeout 600 make -j2 check-unit 2>&1 | tee "$OUT/unit.out"
account "unit" "$OUT/unit.out" "${PIPESTATUS[0]}"

# --- 4. ASan/UBSan build and its unit tests ----------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
note "ASan/UBSan build"
asan_ok=0
if step "build (make asan)" make -j2 asan; then
    asan_ok=1
    note "unit tests (ASan/UBSan)"
    asan_units=()
    for f in build-asan/tests/test-*; do
        [ -x "$f" ] && [[ $f != *.* ]] && asan_units+=("$f")
    done
    if [ ${#asan_units[@]} -gt 0 ]; then
        timeout 900 sh tests/unit/run.sh "${asan_units[@]}" 2>&1 | sed 's/^unit:/unit-asan:/' | tee "$OUT/unit-asan.out"
        account "unit (asan)" "$OUT/unit-asan.out" "${PIPESTATUS[0]}"
    else
        echo "run-all: no ASan unit-test binaries in build-asan/tests"
    fi
fi

# --- 4b. fuzzing, bounded ---------------------------------------------------------------------
if [ "${FUZZ_SECONDS:-14}" != 0 ]; then
    note "fuzz targets (${FUZZ_SECONDS:-14} s each)"
    timeout 900 bash tests/fuzz/run.sh "${FUZZ_SECONDS:-14}" 2>&1 | tee "$OUT/fuzz.out"
    account "fuzz" "$OUT/fuzz.out" "${PIPESTATUS[0]}"
fi

# --- 4c. what threads share (peer caches, callmark), under ThreadSanitizer --------------------
if command -v clang >/dev/null 2>&1 && step "build (make tsan)" make -j2 tsan; then
    note "unit tests (TSan: test-peer, test-authz)"
    timeout 600 sh tests/unit/run.sh build-tsan/tests/test-peer build-tsan/tests/test-authz 2>&1 |
        sed 's/^unit:/unit-tsan:/' | tee "$OUT/unit-tsan.out"
    account "unit (tsan)" "$OUT/unit-tsan.out" "${PIPESTATUS[0]}"
fi

# --- 5. end-to-end ----------------------------------------------------------------------------
note "end-to-end (build/dockaudit)"
timeout 1500 bash tests/e2e/run.sh 2>&1 | tee "$OUT/e2e.out"
account "e2e" "$OUT/e2e.out" "${PIPESTATUS[0]}"

# --- 6. end-to-end against the ASan/UBSan binary ---------------------------------------------
if [ "$asan_ok" -eq 1 ] && [ "${E2E_ASAN:-1}" != 0 ]; then
    note "end-to-end (build-asan/dockaudit)"
    # shellcheck disable=SC2086
    DOCKAUDIT=$ROOT/build-asan/dockaudit E2E_CRASH_ROUNDS=${E2E_ASAN_CRASH_ROUNDS:-15} \
        timeout 1500 bash tests/e2e/run.sh ${E2E_ASAN_TESTS:-} 2>&1 | tee "$OUT/e2e-asan.out"
    account "e2e (asan)" "$OUT/e2e-asan.out" "${PIPESTATUS[0]}"
fi

finish
