# shellcheck shell=bash
# A fresh host: the directories of the sockets dockaudit serves do not exist yet (dockerd makes
# /run/docker/plugins, but dockaudit must start first when it is dockerd's AuthZ plugin), and
# nobody passes --events: daemon events (deaths with exit codes) are still recorded.

# test_fresh_host_socket_dirs: in a mount namespace of its own where /run is an empty tmpfs, as
# on a machine where dockerd never ran, dockaudit serves its plugin on
# /run/docker/plugins/NAME.sock and its public socket in a directory that does not exist
_fresh_inner() { # runs inside the namespace; writes what it saw to $1
    local out=$1 j=$2 log=$3 pid i
    mount -t tmpfs -o mode=0755 tmpfs /run || {
        echo "mount failed" >"$out"
        return
    }
    setsid "$DOCKAUDIT" run --listen unix:///run/da-fresh/public/docker.sock \
        --backend "unix://$DE_SOCK" --journal "$j" \
        --authz-socket unix:///run/docker/plugins/da-fresh.sock >>"$log" 2>&1 </dev/null &
    pid=$!
    for ((i = 0; i < 100; i++)); do
        [ -S /run/docker/plugins/da-fresh.sock ] && [ -S /run/da-fresh/public/docker.sock ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    {
        echo "alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
        echo "plugins_dir=$(stat -c '%a %U' /run/docker/plugins 2>&1)"
        echo "docker_dir=$(stat -c '%a %U' /run/docker 2>&1)"
        echo "public_dir=$(stat -c '%a %U' /run/da-fresh/public 2>&1)"
        echo "plugin_sock=$(stat -c '%F %a' /run/docker/plugins/da-fresh.sock 2>&1)"
        echo "activate=$(curl -s -m 5 -X POST --unix-socket /run/docker/plugins/da-fresh.sock \
            http://p/Plugin.Activate 2>&1)"
        echo "ping=$(curl -s -m 5 --unix-socket /run/da-fresh/public/docker.sock http://d/_ping 2>&1)"
    } >"$out"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "plugin_sock_after_stop=$([ -e /run/docker/plugins/da-fresh.sock ] && echo present || echo gone)" >>"$out"
}

test_fresh_host_socket_dirs() {
    local j=$T/j-fresh log=$T/fresh.log out=$T/fresh.out seen
    if ! command -v unshare >/dev/null; then
        fail "unshare available (util-linux)" "unshare not found"
        return
    fi
    "$DOCKAUDIT" init --journal "$j" >>"$log" 2>&1
    rm -f "$out"
    export -f _fresh_inner
    DOCKAUDIT=$DOCKAUDIT DE_SOCK=$DE_SOCK unshare -m --propagation private \
        bash -c '_fresh_inner "$@"' _ "$out" "$j" "$log"
    seen=$(cat "$out" 2>/dev/null)
    check_contains "dockaudit starts where /run/docker/plugins does not exist" "alive=yes" "$seen"
    check_contains "it makes /run/docker/plugins 0755 root, as dockerd does" "plugins_dir=755 root" "$seen"
    check_contains "and /run/docker 0755 root" "docker_dir=755 root" "$seen"
    check_contains "and the public socket's directory" "public_dir=755 root" "$seen"
    check_contains "the plugin socket is a socket, mode 0600" "plugin_sock=socket 600" "$seen"
    check_contains "the plugin answers dockerd's activation" '"Implements":["authz"]' "$seen"
    check_contains "the public socket answers /_ping through to dockerd" "ping=OK" "$seen"
    check_contains "a clean stop removes its own plugin socket" "plugin_sock_after_stop=gone" "$seen"
}

# test_socket_kept_for_newer_instance: a stopping instance leaves a socket that a newer instance
# has bound on the same path since (compared by inode), so clients keep reaching the new one
test_socket_kept_for_newer_instance() {
    local j1=$T/j-sock1 j2=$T/j-sock2 sock=$T/sock-shared.sock p1 p2
    "$DOCKAUDIT" init --journal "$j1" >/dev/null 2>&1
    "$DOCKAUDIT" init --journal "$j2" >/dev/null 2>&1
    p1=$(da_launch "$j1" "$sock" "$T/sock1.log" --no-events)
    wait_ping "$sock" "$p1" 30 || {
        fail "first instance starts" "$(tail -n 20 "$T/sock1.log")"
        return
    }
    p2=$(da_launch "$j2" "$sock" "$T/sock2.log" --no-events)
    wait_ping "$sock" "$p2" 30 || {
        fail "second instance starts on the same path" "$(tail -n 20 "$T/sock2.log")"
        de_stop_pid "$p1" 10
        return
    }
    de_stop_pid "$p1" 10
    check "the socket path survives the older instance's stop" test -S "$sock"
    check_eq "and the newer instance answers on it" OK \
        "$(curl -s -m 5 --unix-socket "$sock" http://d/_ping 2>&1)"
    de_stop_pid "$p2" 10
    check_not "the newer instance removes it when it stops" test -e "$sock"
}

# test_events_without_the_flag: the main dockaudit runs without --events; a container that exits
# 3 gets its container.die record with the exit code, linked to the start call
test_events_without_the_flag() {
    local n=fresh-$(rand_hex) r
    check_not "the main instance was started without --events" grep -q -- '--events' /proc/"$(da_pid)"/cmdline
    docker run --name "$n" bb sh -c 'exit 3' >/dev/null 2>&1
    r=$(poll_rec "$J" ".kind==\"daemon\" and .action==\"container.die\" and .object.name==\"$n\"")
    jq_check "container.die recorded by default, exit code 3" "$r" '.daemon_event.exit_code==3'
    jq_check "and linked to the start call" "$r" '.cause.action=="container.start"'
    docker rm "$n" >/dev/null 2>&1
}
