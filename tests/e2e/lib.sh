# shellcheck shell=bash
# tests/e2e/lib.sh: helpers for the end-to-end suite (sourced by run.sh and by every test run).
#
# Environment (set up by run.sh, exported to each test):
#   T           the run's temporary directory (mode 0755 so that other users reach the socket)
#   J           the main journal directory
#   AUDIT_SOCK  the socket dockaudit listens on; DOCKER_HOST=unix://$AUDIT_SOCK
#   DE_SOCK     the private dockerd's socket (DE_HOST=unix://$DE_SOCK), for direct calls
#   DOCKAUDIT   the binary under test
#
# Assertions (each prints one PASS/FAIL line and appends to $T/results):
#   check DESC CMD...          CMD exits 0
#   check_not DESC CMD...      CMD exits non-zero
#   check_eq DESC EXPECTED ACTUAL
#   check_contains DESC NEEDLE HAYSTACK
#   expect_rec DESC JQFILTER   a record after the test's mark matches JQFILTER (polls E2E_WAIT s)
#   expect_no_rec DESC JQFILTER
# Records: recs (all, via `dockaudit search`), recs_since (after the mark), rec1 FILTER (first
# match after the mark, polled), mark (remember the current last seq).

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
ROOT=${ROOT:-$(cd "$E2E_DIR/../.." && pwd)}
DOCKAUDIT=${DOCKAUDIT:-$ROOT/build/dockaudit}
E2E_WAIT=${E2E_WAIT:-10}
# shellcheck source=../../scripts/docker-env.sh
. "$ROOT/scripts/docker-env.sh"

PY=/usr/bin/python3

# ---------------------------------------------------------------------------------------------
# result bookkeeping

_result() { # _result PASS|FAIL DESC
    printf '%s\t%s\t%s\n' "$1" "${E2E_CUR:-setup}" "$2" >>"$T/results"
}

pass() {
    printf '  ok    %s\n' "$1"
    _result PASS "$1"
}

# fail DESC [CONTEXT-TEXT]
fail() {
    printf '  FAIL  %s\n' "$1"
    if [ -n "${2:-}" ]; then
        printf '%s\n' "$2" | head -n "${E2E_CTX_LINES:-60}" | cut -c1-"${E2E_CTX_COLS:-700}" | sed 's/^/        | /'
    fi
    _result FAIL "$1"
}

_quote_cmd() {
    local a out=
    for a in "$@"; do out+="$(printf '%q' "$a") "; done
    printf '%s' "${out% }"
}

check() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        pass "$desc"
    else
        fail "$desc" "command: $(_quote_cmd "$@")
exit status: $rc
output:
$out"
    fi
    return $rc
}

check_not() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "command: $(_quote_cmd "$@")
expected a non-zero exit status, got 0
output:
$out"
    return 1
}

check_eq() {
    local desc=$1 exp=$2 got=$3
    if [ "$exp" == "$got" ]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "expected: $exp
got:      $got"
    return 1
}

check_contains() {
    local desc=$1 needle=$2 hay=$3
    if [[ $hay == *"$needle"* ]]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "expected to contain: $needle
got:
$hay"
    return 1
}

# check_rc DESC RC OUTPUT: RC (a command's exit status) is 0; OUTPUT is shown on failure
check_rc() {
    if [ "$2" -eq 0 ]; then
        pass "$1"
        return 0
    fi
    fail "$1" "exit status: $2
output:
$3"
    return 1
}

# check_true DESC BASH-CONDITION-STRING [CONTEXT]
check_true() {
    local desc=$1 cond=$2 ctx=${3:-}
    if eval "$cond"; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "condition false: $cond${ctx:+
$ctx}"
    return 1
}

# ---------------------------------------------------------------------------------------------
# journal records

# recs [JOURNAL]: every record, one JSON per line, via `dockaudit search`
recs() {
    "$DOCKAUDIT" search --journal "${1:-$J}" 2>>"$T/search.err"
}

last_seq() {
    recs "${1:-$J}" | jq -s 'map(.seq // 0) | max // 0' 2>/dev/null || echo 0
}

# mark: remember the journal position; recs_since and expect_rec only look after it
mark() {
    MARK=$(last_seq)
    [[ $MARK =~ ^[0-9]+$ ]] || MARK=0
}

recs_since() {
    recs | jq -c --argjson m "${MARK:-0}" 'select((.seq // 0) > $m)' 2>/dev/null
}

# matching FILTER: records after the mark matching the jq FILTER (a boolean expression)
matching() {
    recs_since | jq -c "select($1)" 2>>"$T/jq.err"
}

# _ctx: the records after the mark, compact, for failure context (optionally filtered)
_ctx() {
    local f=${1:-true}
    echo "records after seq ${MARK:-0} matching [$f] (last 25, abridged):"
    recs_since | jq -c "select($f) | $E2E_BRIEF" 2>/dev/null | tail -n 25
}

# E2E_BRIEF: a jq expression that abridges a record for failure context
E2E_BRIEF='{seq, kind, stage, action, outcome, response, session, request: (.request | if . then {id, method, path, query, bytes, body_truncated} else null end), object, security, actor: (.actor | if . then del(.parents, .cmdline) else null end)} | with_entries(select(.value != null))'

# expect_rec DESC FILTER [CONTEXT-FILTER]: poll until a record matches FILTER
expect_rec() {
    local desc=$1 f=$2 cf=${3:-true} i out
    # a filter on one call: show that call's records on failure
    if [ "$cf" = true ] && [[ $f =~ \.request\.id==(\"[^\"]*\") ]]; then
        cf=".request.id==${BASH_REMATCH[1]}"
    fi
    for ((i = 0; i < E2E_WAIT * 4; i++)); do
        out=$(matching "$f")
        if [ -n "$out" ]; then
            pass "$desc"
            return 0
        fi
        sleep 0.25
    done
    fail "$desc" "no record matches: $f
$(_ctx "$cf")"
    return 1
}

# expect_no_rec DESC FILTER: no record after the mark matches (checked once, after a short settle)
expect_no_rec() {
    local desc=$1 f=$2 out
    sleep "${3:-0.5}"
    out=$(matching "$f")
    if [ -z "$out" ]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "unexpected records match: $f
$out"
    return 1
}

# rec1 FILTER: print the first record after the mark matching FILTER (polls like expect_rec)
rec1() {
    local f=$1 i out
    for ((i = 0; i < E2E_WAIT * 4; i++)); do
        out=$(matching "$f" | head -n 1)
        [ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
        sleep 0.25
    done
    return 1
}

# poll_rec JOURNAL FILTER: the last record of JOURNAL (whole, no mark) matching FILTER, polled
poll_rec() {
    local jdir=$1 f=$2 i out
    for ((i = 0; i < E2E_WAIT * 4; i++)); do
        out=$(recs "$jdir" | jq -c "select($f)" 2>/dev/null | tail -n 1)
        [ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
        sleep 0.25
    done
    return 1
}

# jq_check DESC JSON JQ-BOOLEAN: evaluate JQ-BOOLEAN on one JSON value
jq_check() {
    local desc=$1 json=$2 expr=$3 got
    if [ -z "$json" ]; then
        fail "$desc" "no record to check (expression: $expr)"
        return 1
    fi
    got=$(printf '%s' "$json" | jq -e "$expr" 2>&1)
    if [ $? -eq 0 ]; then
        pass "$desc"
        return 0
    fi
    fail "$desc" "expression: $expr
evaluated to: $got
record (abridged): $(printf '%s' "$json" | jq -c "$E2E_BRIEF" 2>/dev/null)"
    return 1
}

# the request record of an API call and its later stages share .request.id
req_filter() { # req_filter ACTION [EXTRA-FILTER]
    printf '.kind=="api" and .stage=="request" and .action=="%s" and (%s)' "$1" "${2:-true}"
}

# stage_of ID STAGE: filter for the record of a given stage of request ID
stage_of() {
    printf '.request.id==%s and .stage=="%s"' "$(jq -Rn --arg s "$1" '$s')" "$2"
}

# ---------------------------------------------------------------------------------------------
# processes

# da_launch JOURNAL SOCK LOG [run-options...]: start dockaudit in its own session; prints the pid
da_launch() {
    local jdir=$1 sock=$2 log=$3
    shift 3
    setsid "$DOCKAUDIT" run --listen "unix://$sock" --backend "unix://$DE_SOCK" --journal "$jdir" \
        "$@" >>"$log" 2>&1 </dev/null &
    echo $!
}

# wait_ping SOCK [PID] [SECS]: until GET /_ping through SOCK answers OK
wait_ping() {
    local sock=$1 pid=${2:-} secs=${3:-20} i
    for ((i = 0; i < secs * 10; i++)); do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        [ "$(curl -s -m 2 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ] && return 0
        sleep 0.1
    done
    return 1
}

da_pid() { cat "$T/da.pid" 2>/dev/null; }

# da_start: start the main dockaudit (journal $J on $AUDIT_SOCK), wait until it answers
da_start() {
    local pid
    pid=$(da_launch "$J" "$AUDIT_SOCK" "$T/dockaudit.log" --socket-mode 0660 --socket-group docker "$@")
    echo "$pid" >"$T/da.pid"
    if ! wait_ping "$AUDIT_SOCK" "$pid" 30; then
        echo "dockaudit run did not become ready; log tail:" >&2
        tail -n 30 "$T/dockaudit.log" >&2
        return 1
    fi
}

da_alive() {
    local pid
    pid=$(da_pid)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        [ "$(curl -s -m 5 --unix-socket "$AUDIT_SOCK" http://d/_ping 2>/dev/null)" = OK ]
}

# check_alive WHEN: dockaudit still runs and answers /_ping
check_alive() {
    local pid
    pid=$(da_pid)
    if ! kill -0 "$pid" 2>/dev/null; then
        fail "dockaudit still running $1" "pid $pid is gone; log tail:
$(tail -n 30 "$T/dockaudit.log")"
        return 1
    fi
    local out
    out=$(curl -s -m 5 --unix-socket "$AUDIT_SOCK" http://d/_ping 2>&1)
    if [ "$out" = OK ]; then
        pass "dockaudit alive and /_ping answers $1"
        return 0
    fi
    fail "dockaudit alive and /_ping answers $1" "curl /_ping answered: $out"
    return 1
}

# ddirect: docker directly against the backend dockerd (bypassing dockaudit)
ddirect() { docker -H "unix://$DE_SOCK" "$@"; }

# bg_stop PID: stop a background helper process (TERM, then KILL)
bg_stop() { de_stop_pid "$1" 5; }

rand_hex() { head -c "${1:-4}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

ensure_user() { # ensure_user NAME [UID] [GROUP...]
    local name=$1 uid=${2:-} g
    shift 2 || shift $#
    if ! id "$name" >/dev/null 2>&1; then
        if [ -n "$uid" ] && ! getent passwd "$uid" >/dev/null; then
            useradd -M -u "$uid" -s /bin/sh "$name" >/dev/null 2>&1
        else
            useradd -M -s /bin/sh "$name" >/dev/null 2>&1
        fi
    fi
    for g in "$@"; do
        id -nG "$name" | tr ' ' '\n' | grep -qx "$g" || usermod -aG "$g" "$name"
    done
}
