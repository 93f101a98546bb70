# shellcheck shell=bash
# `dockaudit install` / `uninstall` (issue 13) and the layout they make, run for real.
#
# Staged (--root): realistic Docker units and daemon.json variants (Debian docker.io's units
# copied from /lib/systemd/system with and without daemon.json, a Docker CE style service with
# an operator's socket override and an existing authorization-plugins list): the written units
# pass `systemd-analyze verify`, daemon.json keeps every other byte, a second install changes
# nothing, --dry-run shows diffs and writes nothing, uninstall restores the tree byte for byte
# (diff -r against a pristine copy). Conflicts (daemon.json "hosts", -H in ExecStart) are refused
# with an explanation, and edits made after install are not overwritten by uninstall.
#
# Live (no systemd here): the same layout started by hand in a mount namespace with its own
# /run: dockaudit as root binds /run/docker.sock and the plugin socket, drops to the user
# `dockaudit` keeping CAP_SYS_PTRACE, and says READY=1 on $NOTIFY_SOCKET; dockerd listens only on
# /run/dockaudit/docker.sock (0660 root:dockaudit) with the plugin on. The docker CLI of another
# user works on the default socket, is recorded with its uid, pid, comm, exe and cmdline; a call
# on the private socket is flagged bypass; SIGHUP loads a deny policy that then applies.

_inst_ce_service() {
    cat <<'EOF'
[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNOFILE=infinity
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
EOF
}

_inst_ce_socket() {
    cat <<'EOF'
[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
EOF
}

# _inst_stage NAME VARIANT: a staged tree $T/inst-NAME and its pristine copy $T/inst-NAME.orig
_inst_stage() {
    local s=$T/inst-$1
    rm -rf "$s" "$s.orig"
    case $2 in
    debian | debian-json | hosts | exec-h)
        mkdir -p "$s/lib/systemd/system"
        cp /lib/systemd/system/docker.service /lib/systemd/system/docker.socket "$s/lib/systemd/system/"
        ;;
    ce)
        mkdir -p "$s/usr/lib/systemd/system" "$s/etc/systemd/system/docker.socket.d" "$s/usr/bin"
        _inst_ce_service >"$s/usr/lib/systemd/system/docker.service"
        _inst_ce_socket >"$s/usr/lib/systemd/system/docker.socket"
        printf '[Socket]\nSocketMode=0640\nSocketGroup=adm\n' >"$s/etc/systemd/system/docker.socket.d/override.conf"
        cp /bin/true "$s/usr/bin/dockerd" # ExecStart must exist for systemd-analyze verify
        ;;
    esac
    case $2 in
    debian-json)
        mkdir -p "$s/etc/docker"
        printf '{\n    "log-driver": "journald",\n    "log-opts": {"tag": "{{.Name}}"},\n    "storage-driver": "overlay2",\n    "live-restore": true\n}\n' >"$s/etc/docker/daemon.json"
        ;;
    ce)
        mkdir -p "$s/etc/docker"
        printf '{"data-root":"/srv/docker","authorization-plugins":[\n  "opa-docker-authz"\n],"debug":false}' >"$s/etc/docker/daemon.json"
        ;;
    hosts)
        mkdir -p "$s/etc/docker"
        printf '{\n  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]\n}\n' >"$s/etc/docker/daemon.json"
        ;;
    exec-h)
        mkdir -p "$s/etc/systemd/system/docker.service.d"
        printf '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H unix:///var/run/docker.sock\n' \
            >"$s/etc/systemd/system/docker.service.d/hosts.conf"
        ;;
    esac
    cp -a "$s" "$s.orig"
}

# _inst_verify STAGE: systemd-analyze verify of the staged units (dockaudit.service's binary and
# the CE dockerd live in the stage: their ExecStart is pointed there in a copy, nothing else
# changes); prints the output, fails on any message
_inst_verify() {
    local s=$1 v=$T/inst-verify-units u out rc
    rm -rf "$v"
    mkdir -p "$v"
    for u in "$s"/etc/systemd/system/dockaudit.service "$s"/usr/lib/systemd/system/docker.service; do
        [ -f "$u" ] || continue
        sed -E "s#^ExecStart=(/usr/local/sbin/dockaudit|/usr/bin/dockerd)#ExecStart=$s\\1#" "$u" >"$v/$(basename "$u")"
    done
    out=$(cd "$T" && SYSTEMD_UNIT_PATH="$v:$s/etc/systemd/system:$s/lib/systemd/system:$s/usr/lib/systemd/system:" \
        systemd-analyze verify --man=no dockaudit.service docker.socket docker.service 2>&1)
    rc=$?
    printf '%s' "$out"
    [ $rc -eq 0 ] && [ -z "$out" ]
}

_inst_variant() { # NAME VARIANT
    local name=$1 s=$T/inst-$1 k0=$T/inst-$1.k0 out rc snap=$T/inst-$1.after
    _inst_stage "$name" "$2"
    out=$("$DOCKAUDIT" install --root "$s" --dry-run 2>&1)
    rc=$?
    check_true "[$name] install without --verification-key-out is refused (exit 2) and says why" \
        '[ $rc -eq 2 ] && [[ $out == *"--verification-key-out FILE is required"* ]]' "$out"
    out=$("$DOCKAUDIT" install --root "$s" --dry-run -k "$k0" 2>&1)
    check_rc "[$name] install --dry-run" $? "$out"
    check_contains "[$name] --dry-run shows the new unit as a diff" "+++ $s/etc/systemd/system/dockaudit.service" "$out"
    check_contains "[$name] --dry-run shows daemon.json's change" '"authorization-plugins"' "$out"
    check_contains "[$name] --dry-run shows the docker.socket drop-in" "+ListenStream=/run/dockaudit/docker.sock" "$out"
    check "[$name] --dry-run wrote nothing" diff -r "$s.orig" "$s"
    check_not "[$name] --dry-run made no key file" test -e "$k0"

    out=$("$DOCKAUDIT" install --root "$s" -k "$k0" 2>&1)
    check_rc "[$name] install --root" $? "$out"
    check_contains "[$name] install reminds to move k0 off the host" "Move it OFF this host" "$out"
    check "[$name] k0 was written to the operator's file" test -s "$k0"
    check "[$name] the journal exists" test -f "$s/var/lib/dockaudit/journal/journal.meta"
    check_eq "[$name] /var/lib/dockaudit is 0750" 750 "$(stat -c %a "$s/var/lib/dockaudit")"
    out=$(_inst_verify "$s")
    check_rc "[$name] systemd-analyze verify passes, no warnings (dockaudit.service, docker.socket, docker.service)" $? "$out"
    check "[$name] the written config passes dockaudit check" "$DOCKAUDIT" check --config "$s/etc/dockaudit/config.yaml"
    check "[$name] daemon.json is valid JSON naming the plugin" \
        jq -e '."authorization-plugins" | index("dockaudit") != null' "$s/etc/docker/daemon.json"
    if [ -f "$s.orig/etc/docker/daemon.json" ]; then
        check_eq "[$name] daemon.json's other keys are unchanged" \
            "$(jq -S 'del(."authorization-plugins")' "$s.orig/etc/docker/daemon.json")" \
            "$(jq -S 'del(."authorization-plugins")' "$s/etc/docker/daemon.json")"
        check_eq "[$name] daemon.json: one line changed or added, the rest byte for byte" 1 \
            "$(diff "$s.orig/etc/docker/daemon.json" "$s/etc/docker/daemon.json" | grep -c '^>')"
    fi
    cp -a "$s" "$snap"
    out=$("$DOCKAUDIT" install --root "$s" -k "$k0.second" 2>&1)
    check_rc "[$name] a second install succeeds" $? "$out"
    check_contains "[$name] and says it changes nothing" "nothing to change" "$out"
    check "[$name] and changes nothing (diff -r)" diff -r "$snap" "$s"
    out=$("$DOCKAUDIT" uninstall --root "$s" --dry-run 2>&1)
    check_contains "[$name] uninstall --dry-run shows the restore as diffs" "--- $s/etc/systemd/system/dockaudit.service" "$out"
    check "[$name] uninstall --dry-run writes nothing" diff -r "$snap" "$s"
    out=$("$DOCKAUDIT" uninstall --root "$s" 2>&1)
    check_rc "[$name] uninstall" $? "$out"
    check_eq "[$name] uninstall restores the tree byte for byte, only the journal kept" \
        "Only in $s: var" "$(diff -r "$s.orig" "$s" 2>&1)"
    check "[$name] the journal is kept" test -f "$s/var/lib/dockaudit/journal/journal.meta"
    # from pristine: install, uninstall --purge gives the pristine tree back exactly
    rm -rf "$s" "$k0"
    cp -a "$s.orig" "$s"
    "$DOCKAUDIT" install --root "$s" -k "$k0" >/dev/null 2>&1
    out=$("$DOCKAUDIT" uninstall --root "$s" --purge 2>&1)
    check_rc "[$name] uninstall --purge" $? "$out"
    check "[$name] install + uninstall --purge: diff -r against the pristine tree is empty" diff -r "$s.orig" "$s"
}

test_install_debian_units_no_daemon_json() {
    _inst_variant debian debian
    local s=$T/inst-debian
    "$DOCKAUDIT" install --root "$s" -k "$T/inst-debian.k1" >/dev/null 2>&1
    check_eq "the public socket keeps docker.socket's path, owner, group and mode" \
        'listen: unix:///run/docker.sock|user: root|group: docker|mode: "0660"' \
        "$({ grep -E '^listen:' "$s/etc/dockaudit/config.yaml"; sed -n '/^socket:/,/^[a-z]/p' "$s/etc/dockaudit/config.yaml" |
            grep -E '^  (user|group|mode):' | sed 's/^ *//'; } | paste -sd'|')"
    check "dockaudit.service is ordered before docker.socket and docker.service" \
        grep -qx 'Before=docker.socket docker.service shutdown.target' "$s/etc/systemd/system/dockaudit.service"
    check "dockaudit.service is Type=notify" grep -qx 'Type=notify' "$s/etc/systemd/system/dockaudit.service"
    check "dockaudit.service: a bounding set of what it needs" \
        grep -qx 'CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_SYS_PTRACE' \
        "$s/etc/systemd/system/dockaudit.service"
    check "docker.socket's ListenStream is reset and moved to the private socket" \
        grep -Pzq 'ListenStream=\nListenStream=/run/dockaudit/docker.sock\nSocketUser=root\nSocketGroup=dockaudit\nSocketMode=0660' \
        "$s/etc/systemd/system/docker.socket.d/dockaudit.conf"
    "$DOCKAUDIT" uninstall --root "$s" --purge >/dev/null 2>&1
}

test_install_debian_daemon_json() {
    _inst_variant debian-json debian-json
}

test_install_docker_ce_units() {
    _inst_variant ce ce
    local s=$T/inst-ce
    "$DOCKAUDIT" install --root "$s" -k "$T/inst-ce.k1" >/dev/null 2>&1
    check_eq "an operator's docker.socket override (0640, group adm) carries over to dockaudit's socket" \
        "group: adm|mode: \"0640\"" "$(grep -E '^  (group|mode):' "$s/etc/dockaudit/config.yaml" | sed 's/^ *//' | paste -sd'|')"
    check_eq "an existing authorization-plugins list gets dockaudit after its own plugin" \
        '["opa-docker-authz","dockaudit"]' "$(jq -c '."authorization-plugins"' "$s/etc/docker/daemon.json")"
    "$DOCKAUDIT" uninstall --root "$s" --purge >/dev/null 2>&1
}

test_install_refuses_hosts_in_daemon_json() {
    local s=$T/inst-hosts out rc
    _inst_stage hosts hosts
    out=$("$DOCKAUDIT" install --root "$s" -k "$T/inst-hosts.k0" 2>&1)
    rc=$?
    check_true "install refuses a daemon.json with \"hosts\" (exit non-zero)" '[ $rc -ne 0 ]' "$out"
    check_contains "and explains the bypass and the fix" 'Remove the "hosts" key' "$out"
    check "and changes nothing" diff -r "$s.orig" "$s"
}

test_install_refuses_extra_host_in_execstart() {
    local s=$T/inst-exech out rc
    _inst_stage exech exec-h
    out=$("$DOCKAUDIT" install --root "$s" -k "$T/inst-exech.k0" 2>&1)
    rc=$?
    check_true "install refuses -H unix:///var/run/docker.sock in an ExecStart drop-in" '[ $rc -ne 0 ]' "$out"
    check_contains "and names it" "ExecStart has -H unix:///var/run/docker.sock" "$out"
    check "and changes nothing" diff -r "$s.orig" "$s"
}

test_install_uninstall_keeps_operator_edits() {
    local s=$T/inst-edit out rc snap=$T/inst-edit.snap
    _inst_stage edit debian-json
    "$DOCKAUDIT" install --root "$s" -k "$T/inst-edit.k0" >/dev/null 2>&1
    echo "# the operator's note" >>"$s/etc/dockaudit/config.yaml"
    out=$("$DOCKAUDIT" install --root "$s" 2>&1)
    check_contains "a second install leaves an edited config.yaml alone" "nothing to change" "$out"
    check_contains "and the edit is still there" "the operator's note" "$(cat "$s/etc/dockaudit/config.yaml")"
    jq '. + {"debug": true}' "$s/etc/docker/daemon.json" >"$s/etc/docker/daemon.json.new" &&
        mv "$s/etc/docker/daemon.json.new" "$s/etc/docker/daemon.json"
    cp -a "$s" "$snap"
    out=$("$DOCKAUDIT" uninstall --root "$s" 2>&1)
    rc=$?
    check_true "uninstall refuses when a file was edited after install" '[ $rc -ne 0 ]' "$out"
    check_contains "and names it" "daemon.json was edited since install" "$out"
    check "and changes nothing" diff -r "$snap" "$s"
    out=$("$DOCKAUDIT" uninstall --root "$s" --force --purge 2>&1)
    check_rc "uninstall --force" $? "$out"
    check "--force restores the original byte for byte" diff -r "$s.orig" "$s"
}

# ---------------------------------------------------------------------------------------------
# the layout, live, in a mount namespace with an empty /run (no systemd as PID 1 here)

_li_inner() { # runs in the namespace
    local li=$T/li pid dpid i out r bob_uid uid status
    mount -t tmpfs -o mode=0755 tmpfs /run || {
        fail "a private /run for the live layout (mount tmpfs)"
        return
    }
    # systemd's notification socket, as a datagram socket anyone may write (as systemd's is)
    "$PY" - /run/li-notify.sock "$li/notify.log" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode() + "\n")
PYEOF
    echo $! >"$T/li-notify.pid"
    for ((i = 0; i < 50; i++)); do [ -S /run/li-notify.sock ] && break; sleep 0.1; done
    NOTIFY_SOCKET=/run/li-notify.sock setsid "$DOCKAUDIT" run --config "$li/config.yaml" \
        >>"$li/dockaudit.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$T/li-dockaudit.pid"
    for ((i = 0; i < 100; i++)); do
        grep -q READY=1 "$li/notify.log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    check "dockaudit says READY=1 on \$NOTIFY_SOCKET once started" grep -qx READY=1 "$li/notify.log"
    check_eq "the public socket /var/run/docker.sock is dockaudit's, root:docker 0660" \
        "socket root docker 660" "$(stat -L -c '%F %U %G %a' /var/run/docker.sock 2>&1 | sed 's/^socket/socket/')"
    check_eq "the plugin socket exists before dockerd starts" "socket" \
        "$(stat -c %F /run/docker/plugins/dockaudit.sock 2>&1)"
    uid=$(id -u dockaudit)
    status=$(cat "/proc/$pid/status")
    check_contains "/proc/PID/status: runs as the dockaudit user (real, effective, saved, fs)" \
        "$(printf 'Uid:\t%s\t%s\t%s\t%s' "$uid" "$uid" "$uid" "$uid")" "$status"
    check_contains "/proc/PID/status: only CAP_SYS_PTRACE is effective" "$(printf 'CapEff:\t0000000000080000')" "$status"
    check_contains "/proc/PID/status: and permitted" "$(printf 'CapPrm:\t0000000000080000')" "$status"
    check_contains "/proc/PID/status: no_new_privs" "$(printf 'NoNewPrivs:\t1')" "$status"
    check_eq "the other threads have no capabilities" "" \
        "$(grep -h CapEff /proc/"$pid"/task/*/status | grep -v 0000000000080000 | grep -v 0000000000000000)"

    mkdir -m 0755 /run/dockaudit # docker.socket's DirectoryMode=0755 does this under systemd
    dockerd --data-root "$li/d/root" --exec-root "$li/d/exec" --pidfile "$li/d/pid" \
        -H unix:///run/dockaudit/docker.sock --group dockaudit --storage-driver vfs \
        --iptables=false --ip-masq=false --bridge=none --authorization-plugin=dockaudit \
        >"$li/dockerd.log" 2>&1 &
    dpid=$!
    echo "$dpid" >"$T/li-dockerd.pid"
    check "dockerd with the plugin on the private socket answers through the public one" \
        wait_ping /var/run/docker.sock "$dpid" 60
    check_eq "dockerd's private socket is root:dockaudit 0660" "root dockaudit 660" \
        "$(stat -c '%U %G %a' /run/dockaudit/docker.sock 2>&1)"
    check "bb image imports through the public socket" de_build_image /var/run/docker.sock bb:latest

    ensure_user bob "" docker
    bob_uid=$(id -u bob)
    mkdir -p "$li/bobcfg"
    chown bob "$li/bobcfg"
    out=$(setpriv --reuid bob --regid "$(id -g bob)" --init-groups env -u DOCKER_HOST \
        HOME="$li/bobcfg" DOCKER_CONFIG="$li/bobcfg" docker run --rm --name li-bob bb true 2>&1)
    check_rc "bob's docker CLI works on the default socket, through dockaudit" $? "$out"
    r=$(poll_rec "$J" '.kind=="api" and .stage=="request" and .action=="container.create" and .request.query.name=="li-bob"')
    jq_check "recorded with bob's uid, pid, comm and cmdline" "$r" \
        ".actor.uid==$bob_uid and .actor.user==\"bob\" and .actor.pid > 1 and .actor.comm==\"docker\" and (.actor.cmdline|index([\"run\"])!=null)"
    jq_check "and bob's exe: /proc/PID/exe of another user, read with CAP_SYS_PTRACE after the drop" "$r" \
        '.actor.exe != null and (.actor.exe|test("/docker$"))'
    out=$(setpriv --reuid bob --regid "$(id -g bob)" --init-groups \
        curl -s -m 5 --unix-socket /run/dockaudit/docker.sock http://d/_ping 2>&1)
    check_true "bob (group docker) cannot reach dockerd's private socket" '[ "$out" != OK ]' "$out"
    out=$(curl -s -m 10 --unix-socket /run/dockaudit/docker.sock http://d/v1.41/containers/json 2>&1)
    r=$(poll_rec "$J" '.source=="authz" and .action=="container.list" and .stage=="request"')
    jq_check "a call on the private socket is recorded by the plugin as a bypass" "$r" '.security.bypass==true'

    # SIGHUP: a deny policy, applied at once and recorded
    cat >>"$li/config.yaml" <<'YAML'
policy:
  mode: enforce
  deny:
    - name: no-privileged
      action: container.create
      privileged: true
      message: "privileged containers are not allowed here"
YAML
    kill -HUP "$pid"
    r=$(poll_rec "$J" '.kind=="audit" and .action=="dockaudit.reload"')
    jq_check "SIGHUP is recorded: dockaudit.reload, policy applied, nothing else needs a restart" "$r" \
        '.outcome=="success" and .detail.policy.applied==true and .detail.policy.rules==1 and .detail.restart_needed==[]'
    check "and systemd is told RELOADING=1" grep -qx RELOADING=1 "$li/notify.log"
    out=$(setpriv --reuid bob --regid "$(id -g bob)" --init-groups env -u DOCKER_HOST \
        HOME="$li/bobcfg" DOCKER_CONFIG="$li/bobcfg" docker run --rm --privileged bb true 2>&1)
    check_contains "the reloaded policy denies bob's --privileged" "privileged containers are not allowed here" "$out"
    kill -0 "$pid" 2>/dev/null
    check_rc "dockaudit still runs after the reload" $? ""

    # a restart (systemctl restart, Restart=on-failure): the journal, seal.key and authz.key are
    # the user's now, and the new instance, root again at first, must accept them
    de_stop_pid "$pid" 10
    NOTIFY_SOCKET=/run/li-notify.sock setsid "$DOCKAUDIT" run --config "$li/config.yaml" \
        >>"$li/dockaudit.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$T/li-dockaudit.pid"
    check "dockaudit starts again over the journal its user owns (restart)" \
        wait_ping /var/run/docker.sock "$pid" 30
    out=$(setpriv --reuid bob --regid "$(id -g bob)" --init-groups env -u DOCKER_HOST \
        HOME="$li/bobcfg" DOCKER_CONFIG="$li/bobcfg" docker ps 2>&1)
    check_rc "and bob's docker CLI works through it (the plugin answers dockerd again)" $? "$out"
    check_contains "the restarted instance runs as the user too" \
        "$(printf 'Uid:\t%s\t%s' "$uid" "$uid")" "$(cat "/proc/$pid/status")"

    de_stop_pid "$dpid" 20
    de_stop_pid "$pid" 10
    bg_stop "$(cat "$T/li-notify.pid")"
    check "STOPPING=1 on stop" grep -qx STOPPING=1 "$li/notify.log"
    r=$(poll_rec "$J" '.kind=="audit" and .action=="dockaudit.start"')
    jq_check "the start record says who it runs as" "$r" \
        ".detail.privileges.dropped==true and .detail.privileges.user==\"dockaudit\" and .detail.privileges.capabilities==[\"CAP_SYS_PTRACE\"]"
    check "the journal verifies" "$DOCKAUDIT" verify --journal "$J"
}

test_install_layout_live() {
    local li=$T/li
    if ! command -v unshare >/dev/null; then
        fail "unshare available (util-linux)"
        return
    fi
    getent group dockaudit >/dev/null || groupadd -r dockaudit
    id dockaudit >/dev/null 2>&1 || useradd -r -g dockaudit -M -d /nonexistent -s /usr/sbin/nologin dockaudit
    rm -rf "$li"
    mkdir -p "$li/d"
    "$DOCKAUDIT" init --journal "$li/journal" >"$li/init.out" 2>&1
    cat >"$li/config.yaml" <<EOF
listen: unix:///run/docker.sock
backend: unix:///run/dockaudit/docker.sock
journal:
  dir: $li/journal
socket:
  group: docker
  mode: "0660"
authz:
  socket: unix:///run/docker/plugins/dockaudit.sock
run:
  user: dockaudit
EOF
    chmod 0644 "$li/config.yaml"
    export -f _li_inner
    J=$li/journal unshare -m --propagation private bash -c \
        '. "$E2E_DIR/lib.sh"; _li_inner' _
}

# the man pages are made from --help (scripts/mkman.sh): the committed ones are current, and
# bash completion offers what --help lists
test_install_man_pages_and_completion() {
    local d=$T/man out
    check "scripts/mkman.sh makes both pages" bash "$ROOT/scripts/mkman.sh" "$DOCKAUDIT" "$d"
    check "docs/man/dockaudit.8 is current (make man)" \
        diff <(grep -v '^\.TH' "$ROOT/docs/man/dockaudit.8") <(grep -v '^\.TH' "$d/dockaudit.8")
    check "docs/man/dockaudit.yaml.5 is current (make man)" \
        diff <(grep -v '^\.TH' "$ROOT/docs/man/dockaudit.yaml.5") <(grep -v '^\.TH' "$d/dockaudit.yaml.5")
    out=$(groff -man -ww -z "$d/dockaudit.8" "$d/dockaudit.yaml.5" 2>&1)
    check_eq "groff finds nothing wrong in them" "" "$out"
    check_contains "dockaudit.yaml(5) lists run.user" "run.user" "$(cat "$d/dockaudit.yaml.5")"
    out=$(PATH=$(dirname "$DOCKAUDIT"):$PATH bash -c '. "$1"; COMP_WORDS=(dockaudit install --); COMP_CWORD=2
        _dockaudit; echo "${COMPREPLY[*]}"' _ "$ROOT/etc/bash-completion/dockaudit")
    check_contains "bash completion offers install's options" "--verification-key-out" "$out"
    out=$(PATH=$(dirname "$DOCKAUDIT"):$PATH bash -c '. "$1"; COMP_WORDS=(dockaudit search --format ""); COMP_CWORD=3
        _dockaudit; echo "${COMPREPLY[*]}"' _ "$ROOT/etc/bash-completion/dockaudit")
    check_eq "and an option's values from its help (search --format)" "ndjson table" "$out"
}

# Debian's docker.service reads DOCKER_OPTS from /etc/default/docker: a -H there is refused, other
# options are fine
test_install_docker_opts() {
    local s=$T/inst-opts out rc
    _inst_stage opts debian
    mkdir -p "$s/etc/default"
    printf '# Docker Upstart and SysVinit configuration file\n#DOCKER_OPTS="-H tcp://0.0.0.0:2375"\nDOCKER_OPTS="--dns 8.8.8.8 -H tcp://0.0.0.0:2375"\n' \
        >"$s/etc/default/docker"
    cp -a "$s/etc" "$s.orig/"
    out=$("$DOCKAUDIT" install --root "$s" -k "$T/inst-opts.k0" 2>&1)
    rc=$?
    check_true "install refuses -H in DOCKER_OPTS (/etc/default/docker)" '[ $rc -ne 0 ]' "$out"
    check_contains "and says where" "sets DOCKER_OPTS with -H" "$out"
    check "and changes nothing" diff -r "$s.orig" "$s"
    printf 'DOCKER_OPTS="--dns 8.8.8.8"\n' >"$s/etc/default/docker"
    out=$("$DOCKAUDIT" install --root "$s" -k "$T/inst-opts.k0" 2>&1)
    check_rc "other DOCKER_OPTS (no -H) are fine" $? "$out"
}

# SIGHUP without a drop: a file that does not load changes nothing (failure record with the
# error); a changed level is named as needing a restart. run.user refusals name the fix.
test_install_reload_and_user_refusals() {
    local j=$T/j-reload cfg=$T/reload.yaml sock=$T/reload.sock pid r out
    getent group dockaudit >/dev/null || groupadd -r dockaudit
    id dockaudit >/dev/null 2>&1 || useradd -r -g dockaudit -M -d /nonexistent -s /usr/sbin/nologin dockaudit
    "$DOCKAUDIT" init --journal "$j" >/dev/null 2>&1
    printf 'audit:\n  read_level: metadata\n' >"$cfg"
    pid=$(da_launch "$j" "$sock" "$T/reload.log" --config "$cfg" --no-events)
    wait_ping "$sock" "$pid" 30 || {
        fail "dockaudit starts with --config" "$(tail -n 20 "$T/reload.log")"
        return
    }
    printf 'audit:\n  read_level: [oops\n' >"$cfg"
    kill -HUP "$pid"
    r=$(poll_rec "$j" '.action=="dockaudit.reload"')
    jq_check "a config that does not load: dockaudit.reload failure with the error" "$r" \
        '.outcome=="failure" and (.detail.error|test("reload.yaml"))'
    printf 'audit:\n  read_level: none\n' >"$cfg"
    kill -HUP "$pid"
    r=$(poll_rec "$j" '.action=="dockaudit.reload" and .outcome=="success"')
    jq_check "a changed level is recorded as needing a restart" "$r" '.detail.restart_needed==["audit.read_level"]'
    check_eq "dockaudit still answers after both reloads" OK "$(curl -s -m 5 --unix-socket "$sock" http://d/_ping)"
    de_stop_pid "$pid" 10
    out=$(timeout 20 "$DOCKAUDIT" run --listen "unix://$T/ru.sock" --backend "unix://$DE_SOCK" \
        --journal "$j" --no-events --user dockaudit 2>&1)
    check_contains "run.user that cannot reach dockerd's socket is refused with the fix" \
        "is not reachable by run.user dockaudit: give dockerd's socket the group dockaudit" "$out"
    out=$(timeout 20 "$DOCKAUDIT" run --listen "unix://$T/ru.sock" --backend "unix://$DE_SOCK" \
        --journal "$j" --no-events --user no-such-user-x 2>&1)
    check_contains "an unknown run.user is refused with the command that makes it" "useradd --system" "$out"
    check "the journal verifies" "$DOCKAUDIT" verify --journal "$j"
}
