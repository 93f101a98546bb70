# shellcheck shell=bash
# Connection handling: keep-alive, pipelining, half-close (SHUT_WR) propagation.

test_keepalive_each_request_recorded() {
    local ua=ka-$(rand_hex) out n ids
    out=$("$PY" "$E2E_DIR/helpers/rawhttp.py" keepalive "$AUDIT_SOCK" "$ua" 2>&1)
    check_eq "3 requests on one keep-alive connection all answered 200" '{"statuses": [200, 200, 200]}' "$out"
    sleep 0.5
    n=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | wc -l)
    check_eq "each keep-alive request has its own request record" 3 "$n"
    ids=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.id | sort -u | wc -l)
    check_eq "the 3 request records have distinct request ids" 3 "$ids"
    check_eq "the 3 records were made for the same client pid" 1 \
        "$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .actor.pid | sort -u | wc -l)"
    ids=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.id)
    local id miss=
    for id in $ids; do
        [ -n "$(matching "$(stage_of "$id" response)")" ] || miss+="$id "
    done
    check_eq "each keep-alive request has a response record" "" "$miss"
}

test_pipelined_requests() {
    local ua=pl-$(rand_hex) out n
    out=$("$PY" "$E2E_DIR/helpers/rawhttp.py" pipeline "$AUDIT_SOCK" "$ua" 2>&1)
    check_eq "3 pipelined requests answered in order" '{"statuses": [200, 200, 200]}' "$out"
    sleep 0.5
    n=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.path | tr '\n' ' ')
    check_eq "each pipelined request is recorded, in order" "/_ping /v1.41/version /v1.41/info " "$n"
}

test_half_close_stdin() {
    local f=$T/halfclose.txt out sum
    head -c 1048576 /dev/urandom | base64 >"$f"
    sum=$(sha256sum <"$f" | cut -d' ' -f1)
    out=$(timeout 60 docker run -i --rm bb cat <"$f" | sha256sum | cut -d' ' -f1)
    check_eq "docker run -i bb cat echoes a 1.3 MiB file completely (stdin EOF reaches the container)" "$sum" "$out"
    out=$(printf 'one\ntwo\n' | timeout 30 docker run -i --rm bb sh -c 'cat; echo after-eof')
    check_eq "the container sees EOF on stdin and goes on" "one
two
after-eof" "$out"
}

# A 200 response with "Content-Length: 0" (exec/container resize, PUT archive) ends right after its
# headers; the next request on the same keep-alive connection must be served (the docker CLI sends
# GET /exec/ID/json on the connection it used for the resize).
test_keepalive_after_empty_200() {
    local n=ka0-$(rand_hex) out r
    docker run -d -t --name "$n" bb sleep 600 >/dev/null 2>&1
    out=$(timeout 20 curl -s -m 5 -o /dev/null -w '%{http_code}\n' -X POST --unix-socket "$AUDIT_SOCK" \
        "http://d/v1.41/containers/$n/resize?h=40&w=100" \
        --next -s -m 5 -o /dev/null -w '%{http_code}\n' --unix-socket "$AUDIT_SOCK" http://d/_ping)
    check_eq "resize (200, Content-Length: 0) then /_ping on the same connection: both answered" "200
200" "$out"
    r=$(rec1 "$(req_filter container.resize)")
    check "a container.resize request record" test -n "$r"
    expect_rec "the resize is recorded as a success, not a broken response" \
        "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response) and .outcome==\"success\" and .response.error==null"
    docker rm -f "$n" >/dev/null 2>&1
}

# limits.buffered_bytes: 8 clients each send a 3 MiB JSON body slowly, so without a global budget
# the proxy holds all of them at once.  With an 8 MiB budget, dockaudit's peak memory stays far
# below that, each call either completes (dockerd's own answer) or is refused with the
# documented 503 (recorded, not forwarded), and /_ping keeps answering meanwhile.
# BUDGET_OPT="--buffered-limit 1GiB" measures the unbounded figure (57 MiB on the test machine).
_budget_run() { # _budget_run NAME [run-options...]: sets BPID BSOCK BJ BOUT BPEAK BBASE BPINGS
    local name=$1 j
    shift
    j=$T/$name-journal BSOCK=$T/$name.sock
    "$DOCKAUDIT" init --journal "$j" >>"$T/$name.log" 2>&1
    # an ASan build would keep freed buffers in its quarantine: measure without it
    BPID=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
        da_launch "$j" "$BSOCK" "$T/$name.log" "$@")
    BJ=$j
    wait_ping "$BSOCK" "$BPID" 30 || return 1
    BBASE=$(awk '/^VmRSS/ {print $2}' "/proc/$BPID/status")
    "$PY" "$E2E_DIR/helpers/slowbodies.py" "$BSOCK" 8 $((3 << 20)) 65536 0.02 >"$T/$name.out" 2>&1 &
    local cpid=$! pings=0 okpings=0
    while kill -0 "$cpid" 2>/dev/null; do
        pings=$((pings + 1))
        [ "$(curl -s -m 10 --unix-socket "$BSOCK" http://d/_ping)" = OK ] && okpings=$((okpings + 1))
        sleep 0.2
    done
    wait "$cpid"
    BPINGS="$okpings/$pings"
    BPEAK=$(awk '/^VmHWM/ {print $2}' "/proc/$BPID/status")
    BOUT=$(cat "$T/$name.out")
}

test_buffered_budget_bounds_memory() {
    local out grown ncomplete nrefused other
    if ! _budget_run budget ${BUDGET_OPT---buffered-limit 8MiB}; then
        fail "dockaudit with --buffered-limit 8MiB starts"
        return
    fi
    grown=$(((BPEAK - BBASE) / 1024))
    ncomplete=$(printf '%s\n' "$BOUT" | grep -c '^404 ')
    nrefused=$(printf '%s\n' "$BOUT" | grep -c '^503 .*limits.buffered_bytes')
    other=$(printf '%s\n' "$BOUT" | grep -v -e '^404 ' -e '^503 .*limits.buffered_bytes')
    check_eq "every call completed (dockerd's 404) or got the documented 503" "" "$other"
    check_eq "all 8 calls accounted for ($ncomplete completed, $nrefused refused)" 8 \
        $((ncomplete + nrefused))
    check_true "some calls went through under the budget ($ncomplete)" "[ $ncomplete -ge 1 ]"
    # unbounded, 8 held bodies cost well over 50 MiB here (see the design notes); the budget
    # keeps the peak near 8 MiB of buffers plus the records of the calls in flight
    check_true "peak memory grew by at most 40 MiB (grew $grown MiB)" "[ $grown -le 40 ]"
    check_true "/_ping answered every time during the load ($BPINGS)" \
        "[ \"${BPINGS%/*}\" = \"${BPINGS#*/}\" ] && [ \"${BPINGS#*/}\" -ge 1 ]"
    out=$(recs "$BJ" | jq -c 'select(.outcome=="failure" and (.response.error // "" | test("limits.buffered_bytes")))' | wc -l)
    check_eq "each refused call is recorded with the reason" "$nrefused" "$out"
    check "dockaudit is still alive" kill -0 "$BPID"
    bg_stop "$BPID"
}
