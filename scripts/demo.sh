#!/usr/bin/env bash
# scripts/demo.sh: see dockaudit work, as root on a fresh Debian 12.
#
#   scripts/demo.sh          install what is missing, build, put dockaudit in front of a Docker
#                            engine, run a short docker session as different users, show the
#                            journal (search --format table) and verify it, then stop everything.
#   scripts/demo.sh --keep   the same, but leave dockaudit (and the demo engine) running and print
#                            the DOCKER_HOST line to use it.
#   scripts/demo.sh --stop   stop what a previous --keep left running.
#
# The engine: /var/run/docker.sock when an engine answers there (it is not modified: dockaudit
# listens on a socket of its own), otherwise a private dockerd started here with all its state
# under the demo directory. Everything the demo makes lives in $DEMO_DIR (/run/dockaudit-demo).
# All three capture lines run in the one dockaudit process: the proxy, the daemon's events
# (on by default) and, with the private engine (started after dockaudit with
# --authorization-plugin), the AuthZ plugin, which flags a call made past the proxy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DEMO_DIR=${DEMO_DIR:-/run/dockaudit-demo}
DA=$ROOT/build/dockaudit
# shellcheck source=docker-env.sh
. "$ROOT/scripts/docker-env.sh"

KEEP=0
case ${1:-} in
    --keep) KEEP=1 ;;
    --stop) MODE=stop ;;
    -h | --help)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    "") ;;
    *)
        echo "usage: $0 [--keep | --stop]" >&2
        exit 2
        ;;
esac

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
quote() { # the arguments as a shell would need them typed
    local a out=
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
    done
    printf '%s' "${out% }"
}
run() { printf '\033[2m$ %s\033[0m\n' "$(quote "$@")"; "$@"; }

stop_demo() {
    local f
    # the engine first: what it does while stopping reaches the events stream, and no call
    # waits on a plugin that is gone
    for f in engine dockaudit; do
        if [ -s "$DEMO_DIR/$f.pid" ]; then
            if [ $f = engine ]; then
                DE_PID=$(cat "$DEMO_DIR/$f.pid")
                DE_SOCK=$DEMO_DIR/engine/docker.sock
                DE_DIR=$DEMO_DIR/engine
                de_stop_dockerd
                de_umount_under "$DEMO_DIR/engine"
                rm -rf "$DEMO_DIR/engine"
            else
                de_stop_pid "$(cat "$DEMO_DIR/$f.pid")" 10
            fi
            rm -f "$DEMO_DIR/$f.pid"
        fi
    done
}

if [ "$(id -u)" -ne 0 ]; then
    echo "demo: run as root (it starts dockerd, creates demo users and sets loginuid)" >&2
    exit 1
fi

if [ "${MODE:-}" = stop ]; then
    stop_demo
    echo "demo: stopped (journal kept in $DEMO_DIR/journal)"
    exit 0
fi

# --- packages -------------------------------------------------------------------------------
say "packages"
PKGS=(gcc make pkg-config libssl-dev libyaml-dev libzstd-dev docker.io containerd runc busybox-static jq curl util-linux passwd)
need=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then # keep the packages from starting system services
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    [ $made_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
else
    echo "all present"
fi

# --- build ----------------------------------------------------------------------------------
say "build"
make -j2 >/dev/null
"$DA" --version

# --- engine and dockaudit --------------------------------------------------------------------
stop_demo 2>/dev/null || true
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
chmod 0755 "$DEMO_DIR"
getent group docker >/dev/null || groupadd -r docker
J=$DEMO_DIR/journal
SOCK=$DEMO_DIR/docker.sock
PLUGIN=dockaudit-demo
PSOCK=/run/docker/plugins/$PLUGIN.sock
say "engine"
if de_engine_reachable /var/run/docker.sock; then
    BACKEND=/var/run/docker.sock
    OWN_ENGINE=0
    echo "using the engine at /var/run/docker.sock (no AuthZ plugin: that would mean restarting it)"
else
    BACKEND=$DEMO_DIR/engine/docker.sock
    OWN_ENGINE=1
    echo "no engine at /var/run/docker.sock: a private dockerd under $DEMO_DIR/engine, started"
    echo "after dockaudit with --authorization-plugin=$PLUGIN (dockerd refuses to start without it)"
fi

cleanup_on_error() {
    local rc=$?
    [ $rc -eq 0 ] && return
    echo "demo: failed (exit $rc); stopping what it started" >&2
    [ -s "$DEMO_DIR/dockaudit.log" ] && tail -n 20 "$DEMO_DIR/dockaudit.log" >&2
    stop_demo
}
trap cleanup_on_error EXIT

say "dockaudit init + run"
run "$DA" init --journal "$J" --verification-key-out "$DEMO_DIR/k0.key"
RUN_CMD=("$DA" run --listen "unix://$SOCK" --backend "unix://$BACKEND" --journal "$J"
    --socket-mode 0660 --socket-group docker)
[ $OWN_ENGINE = 1 ] && RUN_CMD+=(--authz-socket "unix://$PSOCK")
printf '\033[2m$ %s &\033[0m\n' "$(quote "${RUN_CMD[@]}")"
setsid "${RUN_CMD[@]}" >"$DEMO_DIR/dockaudit.log" 2>&1 </dev/null &
echo $! >"$DEMO_DIR/dockaudit.pid"
if [ $OWN_ENGINE = 1 ]; then
    for _ in $(seq 100); do
        [ -S "$PSOCK" ] && break
        kill -0 "$(cat "$DEMO_DIR/dockaudit.pid")" 2>/dev/null || break
        sleep 0.1
    done
    [ -S "$PSOCK" ] || { echo "dockaudit's AuthZ plugin did not start" >&2; exit 1; }
    de_start_dockerd "$DEMO_DIR/engine" --authorization-plugin="$PLUGIN"
    echo "$DE_PID" >"$DEMO_DIR/engine.pid"
fi
for _ in $(seq 100); do
    [ "$(curl -s -m 2 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = OK ] && break
    kill -0 "$(cat "$DEMO_DIR/dockaudit.pid")" 2>/dev/null || break
    sleep 0.1
done
[ "$(curl -s -m 2 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = OK ] || {
    echo "dockaudit did not start" >&2
    exit 1
}
echo "dockaudit listens on $SOCK (0660 root:docker) in front of $BACKEND"
if ! docker -H "unix://$SOCK" image inspect bb:latest >/dev/null 2>&1; then
    echo "importing a busybox image as bb:latest (no registry needed)"
    de_build_image "$SOCK" bb:latest
fi

# --- a docker session as different people ---------------------------------------------------
id alice >/dev/null 2>&1 || useradd -M -s /bin/sh alice
id bob >/dev/null 2>&1 || useradd -M -s /bin/sh bob
id -nG bob | tr ' ' '\n' | grep -qx docker || usermod -aG docker bob
mkdir -p "$DEMO_DIR/bob"
chown bob "$DEMO_DIR/bob"
export DOCKER_CONFIG=$DEMO_DIR/root-docker-config
mkdir -p "$DOCKER_CONFIG"

# alice logged in, then became root (sudo -i): the kernel's loginuid still says alice
as_alice() {
    printf '\033[2m(alice via sudo)$ docker %s\033[0m\n' "$(quote "$@")"
    sh -c 'echo "$0" >/proc/self/loginuid && exec "$@"' "$(id -u alice)" \
        docker -H "unix://$SOCK" "$@" || true
}
# bob is in the docker group
as_bob() {
    printf '\033[2m(bob)$ docker %s\033[0m\n' "$(quote "$@")"
    setpriv --reuid bob --regid "$(id -g bob)" --init-groups env HOME="$DEMO_DIR/bob" \
        DOCKER_CONFIG="$DEMO_DIR/bob" docker -H "unix://$SOCK" "$@" || true
}

say "a docker session through dockaudit"
as_alice ps
as_alice run -d --name demo-risky --cap-add SYS_ADMIN -v /:/host:ro --pid host -e API_TOKEN=hunter2 bb sleep 3600
as_alice exec demo-risky sh -c 'id; ls /host | head -n 3'
as_alice logs demo-risky
as_bob volume create demo-data
as_bob network create demo-net
as_bob run --rm -v demo-data:/data --network demo-net bb sh -c 'echo hello > /data/greeting; cat /data/greeting'
as_bob pull localhost:1/no-such-image
as_bob run --name demo-exit3 bb sh -c 'exit 3'
as_bob rm demo-exit3
if [ $OWN_ENGINE = 1 ]; then
    printf '\033[2m(root, past the proxy)$ docker -H unix://%s ps -q\033[0m\n' "$BACKEND"
    docker -H "unix://$BACKEND" ps -q
fi
as_alice rm -f demo-risky
as_bob volume rm demo-data
as_bob network rm demo-net

# --- what the journal says ------------------------------------------------------------------
sleep 0.5
say "dockaudit search --format table (one line per call)"
run "$DA" search --journal "$J" --format table
say "the container.create record of alice's risky container (security fields)"
"$DA" search --journal "$J" --action container.create |
    jq -c 'select(.stage=="request" and .request.query.name=="demo-risky") | {actor: {uid: .actor.uid, user: .actor.user, loginuid: .actor.loginuid, login_user: .actor.login_user, comm: .actor.comm}, security, env: .request.body.Env}'
say "search --user bob"
run "$DA" search --journal "$J" --user bob --format table
say "what dockerd did on its own: the events stream (container.die with its exit code)"
"$DA" search --journal "$J" --action container.die |
    jq -c 'select(.kind=="daemon") | {time, container: .object.name, exit_code: .daemon_event.exit_code, caused_by: .cause.action, user: .cause.user}'
if [ $OWN_ENGINE = 1 ]; then
    say "calls that bypassed the proxy (seen by the AuthZ plugin) and their alerts"
    "$DA" search --journal "$J" |
        jq -c 'select(.kind=="alert") | {time, rule: .alert.rule, level: .alert.level, reason: .alert.reason, call: "\(.detail.method) \(.detail.path)"}'
fi
say "dockaudit verify, with the verification key k0 (forward-secure seals)"
run "$DA" verify --journal "$J" --key "$DEMO_DIR/k0.key"

trap - EXIT
say "done"
if [ "$KEEP" -eq 1 ]; then
    cat <<EOF
dockaudit (pid $(cat "$DEMO_DIR/dockaudit.pid")) is still running in front of $BACKEND.
Use it:

    export DOCKER_HOST=unix://$SOCK
    docker ps
    $DA tail -f --journal $J

Stop it (and the demo engine, if one was started):  $0 --stop
EOF
else
    stop_demo
    echo "stopped dockaudit$([ "$OWN_ENGINE" -eq 1 ] && echo " and the demo engine"); the journal is kept in $J"
    echo
    echo "To run dockaudit yourself in the foreground (Ctrl-C stops it):"
    if [ "$OWN_ENGINE" -eq 1 ]; then
        echo "    $DA run --listen unix://$SOCK --backend unix:///run/dockaudit-demo/engine.sock --journal $J --authz-socket unix://$PSOCK &"
        echo "    dockerd --data-root /var/lib/dockaudit-demo/root --exec-root /run/dockaudit-demo/exec -H unix:///run/dockaudit-demo/engine.sock --storage-driver vfs --iptables=false --ip-masq=false --bridge=none --authorization-plugin=$PLUGIN"
        echo "(dockaudit first: dockerd refuses to start while its AuthZ plugin is missing)"
    else
        echo "    ${RUN_CMD[*]}"
    fi
    echo "and in another shell:  export DOCKER_HOST=unix://$SOCK"
fi
