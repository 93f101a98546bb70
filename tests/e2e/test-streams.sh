# shellcheck shell=bash
# Hijacked and endless streams: attach, logs -f, events.

_ticker() { # _ticker NAME [run options]: a container printing tick-N every 0.2 s
    local n=$1
    shift
    docker run -d "$@" --name "$n" bb sh -c 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done' >/dev/null 2>&1
}

test_attach_stream() {
    local n=at-$(rand_hex) out r id
    _ticker "$n"
    out=$(timeout -k 5 -s INT 3 docker attach --no-stdin --sig-proxy=false "$n" 2>&1)
    check "docker attach streams the container's output" grep -q '^tick-[0-9]' <<<"$out"
    r=$(rec1 "$(req_filter container.attach "(.request.path|test(\"/containers/($n|$(ddirect inspect -f '{{.Id}}' "$n" 2>/dev/null))/attach\$\"))")")
    jq_check "container.attach request record: stream=1 in the query, object the container" "$r" \
        '(.request.query.stream=="1" or .request.query.stream==true) and .object.type=="container"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "container.attach has a session record after the client went away (bytes_out > 0)" \
        "$(stage_of "$id" session) and .session.bytes_out > 0"
    docker rm -f "$n" >/dev/null 2>&1
}

test_attach_interactive_tmux() {
    local n=at-$(rand_hex) sock=$T/tmux-attach.sock screen i r
    docker run -dit --name "$n" bb sh >/dev/null 2>&1
    tmux -S "$sock" new-session -d -s att -x 150 -y 40 \
        "DOCKER_HOST=$DOCKER_HOST DOCKER_CONFIG=$DOCKER_CONFIG docker attach $n; echo ATTACH-EXIT=\$?; sleep 120"
    sleep 1
    tmux -S "$sock" send-keys -t att 'echo attached-$((2+3))' Enter
    for ((i = 0; i < 50; i++)); do
        tmux -S "$sock" capture-pane -p -t att | grep -q '^attached-5' && break
        sleep 0.1
    done
    # detach with the escape sequence ctrl-p ctrl-q: the container keeps running
    tmux -S "$sock" send-keys -t att C-p C-q
    for ((i = 0; i < 50; i++)); do
        tmux -S "$sock" capture-pane -p -t att | grep -q 'ATTACH-EXIT=' && break
        sleep 0.1
    done
    screen=$(tmux -S "$sock" capture-pane -p -t att)
    tmux -S "$sock" kill-server 2>/dev/null
    check_contains "interactive attach: typed command's output comes back" "attached-5" "$screen"
    check_contains "interactive attach: detach with ctrl-p ctrl-q ends the client" "ATTACH-EXIT=" "$screen"
    check_eq "the container still runs after detaching" "true" "$(ddirect inspect -f '{{.State.Running}}' "$n" 2>&1)"
    r=$(rec1 "$(req_filter container.attach "(.request.path|test(\"/containers/($n|$(ddirect inspect -f '{{.Id}}' "$n" 2>/dev/null))/attach\$\"))")")
    jq_check "container.attach record for the interactive attach (stdin=1)" "$r" \
        '.request.query.stdin=="1" or .request.query.stdin==true'
    expect_rec "interactive attach has a session record" "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" session)"
    docker rm -f "$n" >/dev/null 2>&1
}

test_logs_follow() {
    local n=lg-$(rand_hex) out pid r id i cid
    _ticker "$n"
    cid=$(ddirect inspect -f '{{.Id}}' "$n" 2>/dev/null)
    sleep 0.5
    docker logs -f "$n" >"$T/logs-$n.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 50; i++)); do
        [ "$(grep -c '^tick-' "$T/logs-$n.out" 2>/dev/null)" -ge 10 ] && break
        sleep 0.2
    done
    check "docker logs -f keeps delivering output (>= 10 lines, still running)" \
        bash -c "[ \$(grep -c '^tick-' '$T/logs-$n.out') -ge 10 ] && kill -0 $pid"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    r=$(rec1 "$(req_filter container.logs "(.request.query.follow==\"1\" or .request.query.follow==true) and (.request.path|test(\"/containers/($n|$cid)/logs\$\"))")")
    jq_check "container.logs request record with follow=1" "$r" '.object.type=="container"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "logs -f has a session record after the client was killed (bytes_out > 0, not complete)" \
        "$(stage_of "$id" session) and .session.bytes_out > 0 and .session.end!=\"complete\""
    # plain logs: a complete response
    out=$(docker logs "$n" 2>&1 | head -n 1)
    check_eq "docker logs (not following) returns the first line" "tick-0" "$out"
    expect_rec "plain logs call has a response record with status 200" \
        '.stage=="response" and .action=="container.logs" and .response.status==200 and .outcome=="success"'
    docker rm -f "$n" >/dev/null 2>&1
}

test_events() {
    local n=evt-$(rand_hex) since until out pid r id i
    since=$(date +%s)
    docker create --name "$n" bb true >/dev/null 2>&1
    docker rm "$n" >/dev/null 2>&1
    until=$(($(date +%s) + 1))
    out=$(timeout 30 docker events --since "$since" --until "$until" --filter "container=$n" --format '{{.Action}}' 2>&1)
    check "docker events --since/--until returns the window (create, destroy)" \
        bash -c "grep -qx create <<<'$out' && grep -qx destroy <<<'$out'"
    r=$(rec1 "$(req_filter system.events "(.request.query.since|tostring|startswith(\"$since\"))")")
    jq_check "system.events request record with since/until in the query" "$r" \
        "(.request.query.until|tostring|startswith(\"$until\"))"
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "the bounded events call ends with a response or session record" \
        "$(stage_of "$id" response) or $(stage_of "$id" session)"

    # endless stream, killed by the client
    docker events --filter "container=$n-2" --format '{{.Action}}' >"$T/events-$n.out" 2>&1 &
    pid=$!
    sleep 1
    docker create --name "$n-2" bb true >/dev/null 2>&1
    for ((i = 0; i < 50; i++)); do
        grep -qx create "$T/events-$n.out" 2>/dev/null && break
        sleep 0.1
    done
    check "docker events (following) delivers a live create event" grep -qx create "$T/events-$n.out"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    r=$(rec1 "$(req_filter system.events "(.request.query.since|not) and (.request.query.filters|tostring|test(\"$n-2\"))")")
    id=$(printf '%s' "$r" | jq -r .request.id)
    check "a system.events request record for the live stream" test -n "$r"
    expect_rec "the live events stream has a session record after the client left (end not complete)" \
        "$(stage_of "$id" session) and .session.end!=\"complete\""
    docker rm -f "$n-2" >/dev/null 2>&1
}
