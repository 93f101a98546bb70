# shellcheck shell=bash
# scripts/docker-env.sh: helpers to run a private Docker engine for the demo and the tests.
#
# Source this file; it defines functions and sets no shell options. The functions are safe
# under `set -e` (the demo uses it): only de_start_dockerd, de_build_image and
# de_build_cli_image return non-zero, on real failures.
#
#   de_start_dockerd DIR [ARGS...]
#                               start dockerd with all state under DIR (ARGS: extra dockerd
#                               options, e.g. --authorization-plugin=NAME); sets DE_DIR, DE_SOCK
#                               (unix socket path), DE_HOST (unix://...) and DE_PID. Waits until
#                               `docker version` answers (up to DE_START_TIMEOUT seconds, 60).
#   de_build_image SOCK TAG [extra-dir]
#                               import a busybox-static image as TAG into the engine at SOCK.
#                               Files under extra-dir (optional) are added to the image root.
#   de_build_cli_image SOCK TAG build an image with busybox plus the docker CLI at /docker
#                               (and the shared libraries it needs, if any).
#   de_stop_pid PID [SECS]      SIGTERM, wait up to SECS (10), then SIGKILL.
#   de_stop_dockerd             stop the dockerd started by de_start_dockerd.
#   de_cleanup                  stop dockerd, unmount leftovers under DE_DIR, remove DE_DIR.
#   de_umount_under DIR         lazily unmount every mount point under DIR (deepest first).
#   de_engine_reachable SOCK    true when an engine answers on SOCK.
#
# dockerd runs with vfs storage, no iptables and no default bridge, so it needs nothing from the
# host besides the docker.io package (dockerd, containerd, runc) and works in containers.

DE_DOCKER_BIN=${DE_DOCKER_BIN:-docker}

de_log() { printf '[docker-env] %s\n' "$*" >&2; }

de_engine_reachable() {
    local sock=$1
    [ -S "$sock" ] || return 1
    timeout 10 "$DE_DOCKER_BIN" -H "unix://$sock" version >/dev/null 2>&1
}

de_stop_pid() {
    local pid=$1 secs=${2:-10} i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < secs * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true # reaps it when it is our child
            return 0
        fi
        sleep 0.1
    done
    de_log "pid $pid did not stop after ${secs}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 0
}

de_start_dockerd() {
    local dir=$1 i
    shift
    local timeout_s=${DE_START_TIMEOUT:-60}
    mkdir -p "$dir"
    DE_DIR=$(cd "$dir" && pwd)
    DE_SOCK=$DE_DIR/docker.sock
    DE_HOST=unix://$DE_SOCK
    if [ "${#DE_SOCK}" -gt 100 ]; then
        de_log "socket path too long for a unix socket: $DE_SOCK"
        return 1
    fi
    dockerd --data-root "$DE_DIR/root" --exec-root "$DE_DIR/exec" --pidfile "$DE_DIR/pid" \
        -H "$DE_HOST" --storage-driver vfs --iptables=false --ip-masq=false --bridge=none "$@" \
        >"$DE_DIR/dockerd.log" 2>&1 &
    DE_PID=$!
    for ((i = 0; i < timeout_s * 10; i++)); do
        if ! kill -0 "$DE_PID" 2>/dev/null; then
            de_log "dockerd exited during start-up; last log lines:"
            tail -n 20 "$DE_DIR/dockerd.log" >&2
            DE_PID=
            return 1
        fi
        if [ -S "$DE_SOCK" ] && "$DE_DOCKER_BIN" -H "$DE_HOST" version >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    de_log "dockerd did not answer within ${timeout_s}s; last log lines:"
    tail -n 20 "$DE_DIR/dockerd.log" >&2
    return 1
}

# de_make_rootfs DIR: busybox-static with applet links, /etc/passwd and /etc/group.
de_make_rootfs() {
    local root=$1 a bb
    bb=$(command -v busybox 2>/dev/null || true)
    [ -x /bin/busybox ] && bb=/bin/busybox
    if [ -z "$bb" ] || ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
        # `file` may be missing; the Debian busybox-static binary lives at /bin/busybox
        [ -x /bin/busybox ] || { de_log "busybox-static is not installed"; return 1; }
        bb=/bin/busybox
    fi
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev"
    cp "$bb" "$root/bin/busybox"
    for a in $("$root/bin/busybox" --list); do
        case $a in busybox | '[[') continue ;; esac
        [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
    done
    chmod 1777 "$root/tmp"
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/:/bin/false
nobody:x:65534:65534:nobody:/:/bin/false
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
nogroup:x:65534:
EOF
}

de_build_image() {
    local sock=$1 tag=$2 extra=${3:-} work
    work=$(mktemp -d "${TMPDIR:-/tmp}/de-img.XXXXXX")
    de_make_rootfs "$work/rootfs" || { rm -rf "$work"; return 1; }
    if [ -n "$extra" ]; then
        cp -a "$extra/." "$work/rootfs/"
    fi
    tar -C "$work/rootfs" -cf "$work/img.tar" . || { rm -rf "$work"; return 1; }
    if ! "$DE_DOCKER_BIN" -H "unix://$sock" import \
        -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' "$work/img.tar" "$tag" >/dev/null; then
        rm -rf "$work"
        de_log "docker import of $tag failed"
        return 1
    fi
    rm -rf "$work"
}

# de_docker_cli: path of a docker CLI binary (the first of `docker` on PATH, /usr/bin/docker).
de_docker_cli() {
    local c
    for c in "$(command -v docker 2>/dev/null)" /usr/bin/docker /usr/local/bin/docker; do
        [ -n "$c" ] && [ -x "$c" ] && { readlink -f "$c"; return 0; }
    done
    return 1
}

de_build_cli_image() {
    local sock=$1 tag=$2 cli extra lib
    cli=$(de_docker_cli) || { de_log "no docker CLI found"; return 1; }
    extra=$(mktemp -d "${TMPDIR:-/tmp}/de-cli.XXXXXX")
    cp "$cli" "$extra/docker"
    # copy the shared libraries a dynamically linked CLI needs (Debian's /usr/bin/docker)
    for lib in $(ldd "$cli" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
        [ -e "$lib" ] || continue
        mkdir -p "$extra$(dirname "$lib")"
        cp -L "$lib" "$extra$lib"
    done
    de_build_image "$sock" "$tag" "$extra"
    local rc=$?
    rm -rf "$extra"
    return $rc
}

de_umount_under() {
    local dir=$1 m
    [ -n "$dir" ] || return 0
    # /proc/self/mounts escapes spaces as \040; our paths have none
    awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
}

de_stop_dockerd() {
    if [ -n "${DE_PID:-}" ]; then
        # running containers would delay dockerd's exit by their 10 s stop timeout
        if [ -S "${DE_SOCK:-}" ]; then
            local ids
            ids=$(timeout 10 "$DE_DOCKER_BIN" -H "unix://$DE_SOCK" ps -q 2>/dev/null) || ids=
            if [ -n "$ids" ]; then
                # shellcheck disable=SC2086
                timeout 20 "$DE_DOCKER_BIN" -H "unix://$DE_SOCK" kill $ids >/dev/null 2>&1 || true
            fi
        fi
        de_stop_pid "$DE_PID" 20
        DE_PID=
    fi
    # containers still running (dockerd killed, or `docker kill` failed) keep their shims alive:
    # kill their processes by the pid files containerd keeps under the exec root
    if [ -n "${DE_DIR:-}" ] && [ -d "$DE_DIR/exec/containerd" ]; then
        local f p
        for f in "$DE_DIR"/exec/containerd/daemon/io.containerd.runtime.v2.task/*/*/init.pid; do
            [ -f "$f" ] || continue
            p=$(cat "$f" 2>/dev/null) || continue
            [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
        done
    fi
}

de_cleanup() {
    de_stop_dockerd
    if [ -n "${DE_DIR:-}" ] && [ -d "$DE_DIR" ]; then
        de_umount_under "$DE_DIR"
        rm -rf "$DE_DIR" 2>/dev/null || { sleep 1; de_umount_under "$DE_DIR"; rm -rf "$DE_DIR" 2>/dev/null; } || true
    fi
    DE_DIR=
}
