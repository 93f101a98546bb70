# shellcheck shell=bash
# docker exec through dockaudit: output comes back, exec.create carries cmd/user/tty, exec.start
# gets a session record at the end of the hijacked stream.

_exec_target() { # _exec_target NAME: a running container
    docker run -d --name "$1" bb sleep 600 >/dev/null 2>&1
}

# _check_exec_records CMD-JSON USER TTY: exec.create + exec.start request/response/session
_check_exec_records() {
    local cmd=$1 user=$2 tty=$3 r rs id execid
    r=$(rec1 "$(req_filter container.exec.create ".security.exec.cmd==$cmd")")
    jq_check "container.exec.create record: cmd $cmd" "$r" ".security.exec.cmd==$cmd"
    jq_check "container.exec.create record: user \"$user\", tty $tty" "$r" \
        ".security.exec.user==\"$user\" and .security.exec.tty==$tty"
    jq_check "container.exec.create record: object is the container" "$r" '.object.type=="container"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" response)")
    jq_check "container.exec.create response: 201 success" "$rs" '.response.status==201 and .outcome=="success"'
    # the exec id is in the create response; the CLI then POSTs /exec/<id>/start
    execid=$(matching '.stage=="request" and .action=="exec.start"' | jq -r '.request.path' |
        sed -n 's#.*/exec/\([0-9a-f]\{64\}\)/start$#\1#p' | head -n 1)
    check "an exec.start request record with the exec id in its path" test -n "$execid"
    r=$(rec1 "$(req_filter exec.start "(.request.path|endswith(\"/exec/$execid/start\"))")")
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "exec.start has a session record at the end of the stream, output bytes counted" \
        "$(stage_of "$id" session) and .session.bytes_out > 0 and (.session.duration_us|type)==\"number\""
    rs=$(rec1 "$(stage_of "$id" response)")
    jq_check "exec.start response record: 101 or 200, success" "$rs" \
        '(.response.status==101 or .response.status==200) and .outcome=="success"'
}

test_exec_noninteractive() {
    local n=ex-$(rand_hex) out rc
    _exec_target "$n"
    out=$(docker exec -u nobody -e EXECVAR=plain "$n" sh -c 'echo out-$((6*7)); id -u' 2>&1)
    check_eq "docker exec output comes back through dockaudit" "out-42
65534" "$out"
    _check_exec_records '["sh","-c","echo out-$((6*7)); id -u"]' nobody false
    docker exec "$n" sh -c 'exit 3' >/dev/null 2>&1
    rc=$?
    check_eq "docker exec exit status passes through (3)" 3 "$rc"
    # a large output (2 MiB) arrives complete
    out=$(docker exec "$n" sh -c 'head -c 2097152 /dev/zero | tr "\0" x' 2>/dev/null | wc -c)
    check_eq "2 MiB of exec output arrive complete" 2097152 "$out"
    docker rm -f "$n" >/dev/null 2>&1
}

test_exec_tty_script() {
    local n=ex-$(rand_hex) out
    _exec_target "$n"
    out=$(timeout 60 script -qec "docker exec -it $n sh -c 'tty; echo script-\$((40+2))'" /dev/null </dev/null 2>&1)
    check_contains "docker exec -it under a pty: output comes back" "script-42" "$out"
    check_contains "docker exec -it: the command ran on a pty" "/dev/pts/" "$out"
    _check_exec_records '["sh","-c","tty; echo script-$((40+2))"]' "" true
    docker rm -f "$n" >/dev/null 2>&1
}

test_exec_interactive_tmux() {
    local n=ex-$(rand_hex) sock=$T/tmux-exec.sock screen i
    _exec_target "$n"
    tmux -S "$sock" new-session -d -s exec -x 150 -y 40 \
        "DOCKER_HOST=$DOCKER_HOST DOCKER_CONFIG=$DOCKER_CONFIG docker exec -it -u root $n sh; echo EXEC-EXIT=\$?; sleep 120"
    for ((i = 0; i < 100; i++)); do
        tmux -S "$sock" capture-pane -p -t exec | grep -q '# ' && break
        sleep 0.1
    done
    tmux -S "$sock" send-keys -t exec 'echo typed-$((6*7)); tty' Enter
    for ((i = 0; i < 50; i++)); do
        tmux -S "$sock" capture-pane -p -t exec | grep -q '^typed-42' && break
        sleep 0.1
    done
    tmux -S "$sock" send-keys -t exec 'exit' Enter
    for ((i = 0; i < 50; i++)); do
        tmux -S "$sock" capture-pane -p -t exec | grep -q 'EXEC-EXIT=' && break
        sleep 0.1
    done
    screen=$(tmux -S "$sock" capture-pane -p -t exec)
    tmux -S "$sock" kill-server 2>/dev/null
    check_contains "interactive exec: typed command's output is on the terminal" "typed-42" "$screen"
    check_contains "interactive exec: the shell had a pty" "/dev/pts/" "$screen"
    check_contains "interactive exec: exit ends the session with status 0" "EXEC-EXIT=0" "$screen"
    _check_exec_records '["sh"]' root true
    docker rm -f "$n" >/dev/null 2>&1
}
