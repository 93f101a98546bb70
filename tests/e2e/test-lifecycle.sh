# shellcheck shell=bash
# Start/stop and crash safety, each on a journal of its own.

_jedit() { "$PY" "$E2E_DIR/helpers/journal_edit.py" "$@" 2>&1; }

# _own_instance NAME: init a journal $T/j-NAME; sets OJ, OSOCK, OLOG
_own_instance() {
    OJ=$T/j-$1
    OSOCK=$T/$1.sock
    OLOG=$T/$1.log
    rm -rf "$OJ"
    "$DOCKAUDIT" init --journal "$OJ" >>"$OLOG" 2>&1
}

_own_start() { # prints the pid; fails when it does not answer
    local pid
    pid=$(da_launch "$OJ" "$OSOCK" "$OLOG" "$@")
    echo "$pid" >"$T/$(basename "$OSOCK" .sock).pid"
    wait_ping "$OSOCK" "$pid" 30 || { echo "$pid"; return 1; }
    echo "$pid"
}

# _wait_exit PID SECS: wait for a process that is not our child; prints nothing
_wait_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

test_sigterm_clean_stop() {
    local sig pid out last
    for sig in TERM INT; do
        _own_instance "stop-$sig"
        pid=$(_own_start)
        check "dockaudit (own journal) starts and answers" wait_ping "$OSOCK" "$pid" 1
        docker -H "unix://$OSOCK" ps >/dev/null 2>&1
        kill "-$sig" "$pid"
        check "dockaudit exits within 10 s of SIG$sig" _wait_exit "$pid" 10
        # exit status of a non-child: read from the log is not possible; use the journal instead
        out=$(recs "$OJ")
        last=$(printf '%s\n' "$out" | jq -c 'select(.kind!="seal")' | tail -n 1)
        jq_check "the last record after SIG$sig is the dockaudit.stop audit record" "$last" \
            '.kind=="audit" and .action=="dockaudit.stop"'
        check "the journal verifies after SIG$sig" "$DOCKAUDIT" verify --journal "$OJ"
        kill -KILL "$pid" 2>/dev/null
    done
}

test_sigterm_exit_status() {
    local rc
    _own_instance stop-rc
    # run as our own child so that its exit status is visible
    "$DOCKAUDIT" run --listen "unix://$OSOCK" --backend "unix://$DE_SOCK" --journal "$OJ" >>"$OLOG" 2>&1 &
    local pid=$!
    wait_ping "$OSOCK" "$pid" 30
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    check_eq "dockaudit run exits 0 after SIGTERM" 0 "$rc"
    check_true "the listening socket is removed or refuses connections after stop" \
        "! curl -s -m 2 --unix-socket '$OSOCK' http://d/_ping >/dev/null 2>&1"
}

test_torn_tail_recovery() {
    local pid out r
    _own_instance torn
    pid=$(_own_start)
    docker -H "unix://$OSOCK" ps >/dev/null 2>&1
    kill -KILL "$pid"
    _wait_exit "$pid" 5
    out=$(_jedit torn "$OJ")
    check "half a record appended to the last segment" test -n "$out"
    pid=$(_own_start)
    check "dockaudit restarts on a journal with a torn tail" wait_ping "$OSOCK" "$pid" 1
    r=$(poll_rec "$OJ" '.kind=="audit" and .action=="journal.recovered"')
    jq_check "a journal.recovered audit record says the torn bytes were dropped" "$r" \
        ".detail.dropped_bytes == $(printf '%s' "$out" | jq .appended) and .detail.dropped_lines == 1"
    check_eq "the torn record is gone" "" "$(grep -l 'torn-tail' "$OJ"/*.jsonl 2>/dev/null)"
    check "the recovered journal verifies" "$DOCKAUDIT" verify --journal "$OJ"
    de_stop_pid "$pid" 10
}

test_crash_kill9_rounds() {
    local rounds=${E2E_CRASH_ROUNDS:-30} round pid loop torn=0 made names missing out r i ms
    _own_instance crash
    for ((round = 1; round <= rounds; round++)); do
        pid=$(_own_start) || { fail "dockaudit restarts after kill -9 (round $round)" "$(tail -n 20 "$OLOG")"; break; }
        (
            for ((i = 1; i <= 500; i++)); do
                docker -H "unix://$OSOCK" create --name "crash$round-$i" bb true >/dev/null 2>&1 || exit 0
                if ((i % 2 == 0)); then
                    docker -H "unix://$OSOCK" rm "crash$round-$i" >/dev/null 2>&1 || exit 0
                fi
            done
        ) &
        loop=$!
        ms=$((100 + RANDOM % 901))
        sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        kill -KILL "$pid"
        _wait_exit "$pid" 5
        # the client loop ends on its first refused call
        for ((i = 0; i < 100; i++)); do kill -0 "$loop" 2>/dev/null || break; sleep 0.1; done
        kill "$loop" 2>/dev/null
        wait "$loop" 2>/dev/null
        # was a tail cut? (last segment does not end in a newline, or its last line is not JSON)
        local seg
        seg=$(ls "$OJ"/*.jsonl 2>/dev/null | tail -n 1)
        if [ -n "$seg" ] && [ -s "$seg" ]; then
            if [ "$(tail -c 1 "$seg" | od -An -c | tr -d ' ')" != '\n' ] || ! tail -n 1 "$seg" | jq -e . >/dev/null 2>&1; then
                torn=$((torn + 1))
            fi
        fi
    done
    pid=$(_own_start)
    check "dockaudit starts after $rounds kill -9 rounds" wait_ping "$OSOCK" "$pid" 1
    de_stop_pid "$pid" 10

    out=$("$DOCKAUDIT" verify --journal "$OJ" 2>&1)
    check_rc "dockaudit verify exits 0 after $rounds kill -9 rounds" $? "$out"
    names=$(ddirect ps -a --filter name=crash --format '{{.Names}}' | grep -E '^crash[0-9]+-[0-9]+$' | sort)
    made=$(printf '%s\n' "$names" | grep -c .)
    check_true "the crash loop created containers (precondition, $made left in dockerd)" "[ $made -ge $rounds ]"
    out=$(recs "$OJ" | jq -r 'select(.kind=="api" and .stage=="request" and .action=="container.create") | .request.query.name' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$out") | grep . | head -n 20)
    check_eq "every container dockerd has got a container.create request record (write-ahead)" "" "$missing"
    r=$(recs "$OJ" | jq -c 'select(.kind=="audit" and .action=="journal.recovered")' | wc -l)
    echo "        ($rounds rounds, $made containers kept, torn tails seen: $torn, journal.recovered records: $r)"
    check_true "a journal.recovered record for every torn tail seen ($torn)" "[ $r -ge $torn ]"
    check_eq "one dockaudit.start per start ($((rounds + 1)))" "$((rounds + 1))" \
        "$(recs "$OJ" | jq -c 'select(.kind=="audit" and .action=="dockaudit.start")' | wc -l)"
    # shellcheck disable=SC2086
    [ -n "$names" ] && ddirect rm -f $names >/dev/null 2>&1
}
