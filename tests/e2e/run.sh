#!/usr/bin/env bash
# tests/e2e/run.sh: end-to-end suite. Starts a private dockerd, imports a busybox image, runs
# `dockaudit init` and `dockaudit run` in front of the engine, drives the real docker CLI (and
# curl, the python SDK, raw sockets) through it and asserts on `dockaudit search` output.
#
# usage: tests/e2e/run.sh [PATTERN...]   run the tests whose function or file name contains a
#                                        PATTERN (bash glob: exec, 'cp*both', test-hostile.sh)
#   DOCKAUDIT=path      binary under test (default build/dockaudit)
#   E2E_TESTS="a b"     same as the patterns
#   E2E_KEEP=1          keep the temporary directory
#   E2E_TEST_TIMEOUT=s  per-test limit (default 300)
# Prints "e2e: N passed, M failed" last; exits non-zero when anything failed.
set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
DOCKAUDIT=${DOCKAUDIT:-$ROOT/build/dockaudit}
case $DOCKAUDIT in /*) ;; *) DOCKAUDIT=$ROOT/$DOCKAUDIT ;; esac
export E2E_DIR ROOT DOCKAUDIT
# shellcheck source=lib.sh
. "$E2E_DIR/lib.sh"

# The test files, in the order they run. A test is a function named test_*; they run in the
# order they are defined.
TEST_FILES=(
    test-basic.sh test-fresh.sh test-risky.sh test-exec.sh test-streams.sh test-cp.sh test-netvol.sh
    test-routes.sh test-query.sh test-image.sh test-secrets.sh test-attribution.sh test-sdk.sh
    test-connection.sh test-hostile.sh test-search.sh test-verify.sh test-lifecycle.sh
    test-diskfull.sh test-journal-ops.sh test-events.sh test-seal.sh test-decode.sh
    test-differential.sh test-authz.sh test-uncertain.sh test-install.sh
    test-auditpolicy.sh
)

if [ "$(id -u)" -ne 0 ]; then
    echo "e2e: must run as root (private dockerd, setpriv, loginuid)" >&2
    echo "e2e: 0 passed, 1 failed"
    exit 1
fi
missing=
for tool in dockerd docker jq curl socat tmux setpriv useradd sha256sum timeout setsid "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=" $tool"
done
[ -x /bin/busybox ] || missing+=" busybox-static"
"$PY" -c 'import docker' 2>/dev/null || missing+=" python3-docker"
if [ -n "$missing" ]; then
    echo "e2e: missing tools:$missing (tests/run-all.sh installs them)" >&2
    echo "e2e: 0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$DOCKAUDIT" ]; then
    echo "e2e: $DOCKAUDIT not found; run make" >&2
    echo "e2e: 0 passed, 1 failed"
    exit 1
fi

# --- select tests --------------------------------------------------------------------------
patterns=("$@")
[ ${#patterns[@]} -eq 0 ] && [ -n "${E2E_TESTS:-}" ] && read -r -a patterns <<<"$E2E_TESTS"
TESTS=()
for f in "${TEST_FILES[@]}"; do
    [ -f "$E2E_DIR/$f" ] || continue
    for fn in $(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$E2E_DIR/$f" | sed 's/[[:space:]]*()//'); do
        if [ ${#patterns[@]} -eq 0 ]; then
            TESTS+=("$f:$fn")
        else
            for p in "${patterns[@]}"; do
                # shellcheck disable=SC2053
                if [[ $fn == *$p* || $f == *$p* ]]; then TESTS+=("$f:$fn"); break; fi
            done
        fi
    done
done

if [ ${#TESTS[@]} -eq 0 ]; then
    echo "e2e: no test matches: ${patterns[*]}" >&2
    echo "e2e: 0 passed, 1 failed"
    exit 1
fi

# --- environment ----------------------------------------------------------------------------
T=$(mktemp -d /tmp/dae2e.XXXXXX)
chmod 0755 "$T"
J=$T/journal
AUDIT_SOCK=$T/audit.sock
DOCKER_CONFIG=$T/dockercfg
mkdir -p "$DOCKER_CONFIG"
export T J AUDIT_SOCK DOCKER_CONFIG
touch "$T/results"
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION
export DOCKER_CLI_HINTS=false

cleanup() {
    local pid s
    for s in "$T"/tmux-*.sock; do
        [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
    done
    for pid in $(cat "$T"/*.pid 2>/dev/null); do
        [ "$pid" = "${DE_PID:-}" ] && continue
        kill -0 "$pid" 2>/dev/null && de_stop_pid "$pid" 5
    done
    de_stop_dockerd
    de_umount_under "$T"
    if [ -n "${E2E_KEEP:-}" ]; then
        echo "e2e: kept $T" >&2
    else
        rm -rf "$T" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() {
    local p f
    p=$(grep -c '^PASS' "$T/results")
    f=$(grep -c '^FAIL' "$T/results")
    if [ "$f" -gt 0 ]; then
        echo
        echo "e2e failures:"
        grep '^FAIL' "$T/results" | awk -F'\t' '{ printf "  %s: %s\n", $2, $3 }'
    fi
    echo "e2e: $p passed, $f failed"
    [ "$f" -eq 0 ]
}

getent group docker >/dev/null || groupadd -r docker
echo "e2e: temp dir $T, dockaudit $DOCKAUDIT ($("$DOCKAUDIT" --version 2>&1 | head -n 1))"
E2E_CUR=setup
if ! de_start_dockerd "$T/d"; then
    fail "private dockerd starts" "$(tail -n 30 "$T/d/dockerd.log" 2>/dev/null)"
    summary
    exit 1
fi
export DE_SOCK DE_HOST DE_DIR
echo "$DE_PID" >"$T/dockerd.pid"
if ! de_build_image "$DE_SOCK" bb:latest || ! de_build_cli_image "$DE_SOCK" bbcli:latest; then
    fail "test images bb and bbcli import"
    summary
    exit 1
fi
if ! "$DOCKAUDIT" init --journal "$J" >"$T/init.out" 2>&1; then
    fail "dockaudit init --journal" "$(cat "$T/init.out")"
    summary
    exit 1
fi
if ! da_start; then
    fail "dockaudit run answers /_ping" "$(tail -n 30 "$T/dockaudit.log")"
    summary
    exit 1
fi
export DOCKER_HOST=unix://$AUDIT_SOCK

# --- run ------------------------------------------------------------------------------------
SUITE_START=$(date +%s)
for entry in "${TESTS[@]}"; do
    file=${entry%%:*}
    fn=${entry#*:}
    echo "== $fn ($file)"
    before=$(wc -l <"$T/results")
    t0=$(date +%s)
    E2E_CUR=$fn timeout -k 10 "${E2E_TEST_TIMEOUT:-300}" \
        bash -c '. "$E2E_DIR/lib.sh"; . "$E2E_DIR/$1"; E2E_CUR=$2; mark; "$2"' _ "$file" "$fn"
    rc=$?
    E2E_CUR=$fn
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        fail "$fn finished within ${E2E_TEST_TIMEOUT:-300}s (timed out)"
    fi
    if [ "$(wc -l <"$T/results")" -eq "$before" ]; then
        fail "$fn made at least one assertion"
    fi
    if ! da_alive; then
        fail "dockaudit still running after $fn" "$(tail -n 30 "$T/dockaudit.log")"
        de_stop_pid "$(da_pid)" 5
        da_start || { summary; exit 1; }
    fi
    echo "-- $fn: $(($(date +%s) - t0))s"
done

E2E_CUR=final
# sanitizer reports (ASan/UBSan builds) anywhere in dockaudit's logs
san=$(grep -h -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' \
    "$T"/*.log 2>/dev/null | head -n 20)
if [ -z "$san" ]; then
    pass "no sanitizer reports in dockaudit logs"
else
    fail "no sanitizer reports in dockaudit logs" "$san"
fi
echo "e2e: suite took $(($(date +%s) - SUITE_START))s"
summary
