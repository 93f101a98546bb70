# shellcheck shell=bash
# Malformed and hostile clients: dockaudit answers with the right error, records what it can,
# and stays up for everybody else.

_raw() { "$PY" "$E2E_DIR/helpers/rawhttp.py" "$@" 2>&1; }

test_garbage_request_line() {
    local out
    out=$(_raw garbage "$AUDIT_SOCK")
    jq_check "a line that is not HTTP gets 400" "$out" '.status==400'
    expect_rec "the malformed request is recorded with status 400" '.response.status==400'
    check_alive "after a garbage request"
}

test_bad_chunked_encoding() {
    local n=hostile-chunk-$(rand_hex) out
    out=$(_raw badchunk "$AUDIT_SOCK" "$n")
    jq_check "an invalid chunk size gets 400" "$out" '.status==400'
    check_eq "no container was created from the broken body" "" "$(ddirect ps -aq --filter "name=^$n\$" 2>&1)"
    check_alive "after bad chunked encoding"
}

test_oversized_headers() {
    local out
    out=$(_raw bigheaders "$AUDIT_SOCK" 100)
    jq_check "100 KiB of request headers get 431" "$out" '.status==431'
    check_alive "after oversized headers"
}

test_request_smuggling_cl_te() {
    local n=hostile-smuggle-$(rand_hex) out
    out=$(_raw smuggle "$AUDIT_SOCK" "$n")
    jq_check "Content-Length together with Transfer-Encoding gets 400" "$out" '.status==400'
    jq_check "the smuggled second request is not answered" "$out" '.extra_response==""'
    expect_no_rec "the smuggled request is not recorded as a call" '.request.query.smuggled!=null'
    check_eq "no container was created" "" "$(ddirect ps -aq --filter "name=^$n\$" 2>&1)"
    check_alive "after a smuggling attempt"
}

test_slowloris_header_timeout() {
    local out pid lat max=0 bad=0 count=0 l
    _raw slowloris "$AUDIT_SOCK" 150 >"$T/slowloris.out" &
    pid=$!
    : >"$T/slowloris-lat"
    # a normal client keeps getting fast answers meanwhile
    while kill -0 "$pid" 2>/dev/null; do
        lat=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' --unix-socket "$AUDIT_SOCK" http://d/_ping)
        echo "$lat" >>"$T/slowloris-lat"
        sleep 1
    done
    wait "$pid"
    out=$(cat "$T/slowloris.out")
    jq_check "a client sending headers at 1 byte/s gets 408 after the header timeout" "$out" '.status==408'
    jq_check "the 408 came before 150 s" "$out" '.elapsed < 150'
    while read -r code l; do
        count=$((count + 1))
        [ "$code" = 200 ] || bad=$((bad + 1))
        awk -v l="$l" 'BEGIN { exit !(l > 1.0) }' && bad=$((bad + 1))
    done <"$T/slowloris-lat"
    check_true "a concurrent client got fast answers during the slowloris ($count pings, each 200 in < 1 s)" \
        "[ $count -ge 2 ] && [ $bad -eq 0 ]" "$(cat "$T/slowloris-lat")"
    check_alive "after slowloris"
}

test_disconnect_mid_body() {
    local n=hostile-mid-$(rand_hex) out
    out=$(_raw midbody "$AUDIT_SOCK" "$n")
    jq_check "client sent half the body and went away" "$out" '.sent < .announced'
    sleep 1
    check_eq "no container was created from the half body" "" "$(ddirect ps -aq --filter "name=^$n\$" 2>&1)"
    expect_rec "the aborted call is recorded with a failure outcome" \
        "(.request.query.name==\"$n\") and .outcome==\"failure\""
    check_alive "after a client vanished mid-body"
}

test_thousand_idle_connections() {
    local out i rc
    rm -f "$AUDIT_SOCK.idle-stop"
    _raw idle "$AUDIT_SOCK" 1000 120 >"$T/idle.out" &
    local pid=$!
    for ((i = 0; i < 600; i++)); do
        [ -s "$T/idle.out" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    out=$(head -n 1 "$T/idle.out")
    jq_check "1000 connections were accepted (a /_ping on the last one answered)" "$out" \
        '.connected==1000 and .last_ping[0]==200'
    out=$(timeout 30 docker ps 2>&1)
    rc=$?
    check_rc "docker ps works while 1000 idle connections are open" $rc "$out"
    out=$(timeout 30 docker run --rm bb echo still-serving 2>&1)
    check_eq "docker run works while 1000 idle connections are open" "still-serving" "$out"
    touch "$AUDIT_SOCK.idle-stop"
    wait "$pid"
    rm -f "$AUDIT_SOCK.idle-stop"
    check_alive "after 1000 idle connections"
}

test_body_over_limit() {
    local n=hostile-big-$(rand_hex) out r
    out=$(_raw bigbody "$AUDIT_SOCK" "$n" 5242880)
    jq_check "a 5 MiB JSON create body is still forwarded (201)" "$out" '.status==201'
    check_eq "dockerd got the whole body (5 MiB label)" 5242880 \
        "$(ddirect inspect -f '{{len (index .Config.Labels "big")}}' "$n" 2>&1)"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "the create record says request.body_truncated: true" "$r" '.request.body_truncated==true'
    jq_check "the create record is not itself 5 MiB (body not copied whole)" "$r" '(tostring|length) < 1048576'
    check_alive "after a 5 MiB body"
    docker rm -f "$n" >/dev/null 2>&1
}
