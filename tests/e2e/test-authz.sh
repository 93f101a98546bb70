# shellcheck shell=bash
# The AuthZ plugin (--authz-socket): its own dockerd runs with --authorization-plugin=<unique
# name>, dockaudit serves proxy and plugin in one process (policy: enforce).  Calls through the
# proxy are one record each; calls on dockerd's socket directly, or with a forged mark, are
# flagged bypass and alerted; the deny policy shows its message in the docker CLI; what dockerd
# hides from plugins (>= 1 MiB, chunked) is denied unless the proxy vouches for it; secrets stay
# out of the journal; an outage of the plugin fails calls cleanly and they work again after it.
# State shared between the test functions (each runs in its own shell) is in $T/az.env.

_az_env() {
    # shellcheck disable=SC1091
    . "$T/az.env"
    J=$AZ_J
}

dz() { docker -H "unix://$AZ_PROXY" "$@"; }   # through dockaudit's proxy
dzd() { docker -H "unix://$AZ_DSOCK" "$@"; }  # on the plugin dockerd's own socket

_az_launch() {
    setsid "$DOCKAUDIT" run --listen "unix://$AZ_PROXY" --backend "unix://$AZ_DSOCK" \
        --journal "$AZ_J" --config "$AZ_CFG" --authz-socket "unix://$AZ_PSOCK" --events \
        --socket-mode 0660 --socket-group docker >>"$T/az-dockaudit.log" 2>&1 </dev/null &
    echo $! >"$T/az-dockaudit.pid"
}

_az_wait_plugin() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -S "$AZ_PSOCK" ] && [ "$(curl -s -m 2 --unix-socket "$AZ_PSOCK" -X POST \
            http://p/Plugin.Activate 2>/dev/null)" = '{"Implements":["authz"]}' ] && return 0
        sleep 0.1
    done
    return 1
}

# a container.create body of about SIZE bytes (padded Env), privileged or not
_az_big_body() { # SIZE PRIV FILE
    "$PY" - "$1" "$2" "$3" <<'PYEOF'
import json, sys
size, priv, path = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
body = {"Image": "bb", "Cmd": ["true"], "Env": ["PAD=" + "x" * size],
        "HostConfig": {"Privileged": priv}}
open(path, "w").write(json.dumps(body))
PYEOF
}

test_authz_setup() {
    local name dir out
    name=dockaudit-e2e-$(rand_hex 4)
    {
        echo "AZ_NAME=$name"
        echo "AZ_PSOCK=/run/docker/plugins/$name.sock"
        echo "AZ_J=$T/az-journal"
        echo "AZ_PROXY=$T/az-proxy.sock"
        echo "AZ_CFG=$T/az.yaml"
        echo "AZ_DSOCK=$T/az-d/docker.sock"
    } >"$T/az.env"
    _az_env
    cat >"$AZ_CFG" <<'YAML'
policy:
  mode: enforce
  deny:
    - name: no-privileged
      action: container.create
      privileged: true
      message: "privileged containers are not allowed"
    - name: no-host-root
      bind_source: ["/", "/etc"]
    - name: no-sys-admin
      cap_add: [SYS_ADMIN]
YAML
    check "dockaudit init for the plugin journal" "$DOCKAUDIT" init --journal "$AZ_J"
    _az_launch
    check "the plugin socket answers Plugin.Activate before dockerd starts" _az_wait_plugin
    out=$(stat -c %a "$AZ_PSOCK")
    check_eq "the plugin socket is mode 0600" 600 "$out"
    dir=$T/az-d
    (
        de_start_dockerd "$dir" --authorization-plugin="$name" || exit 1
        echo "$DE_PID" >"$T/az-dockerd.pid"
    )
    check "dockerd with --authorization-plugin=$name starts" test -s "$T/az-dockerd.pid"
    check "busybox image imports into the plugin dockerd" de_build_image "$AZ_DSOCK" bb:latest
    check "docker CLI works through the proxy" dz version
}

test_authz_proxied_single_record() {
    _az_env
    mark
    local out id n
    out=$(dz run --rm --name "azok-$$" bb true 2>&1)
    check_rc "docker run --rm through the proxy works" $? "$out"
    id=$(rec1 "$(req_filter container.create)" | jq -r .request.id)
    check_true "the create has a proxy request record" '[ -n "$id" ] && [ "$id" != null ]'
    n=$(matching ".request.id==\"$id\" and .stage==\"request\"" | wc -l)
    check_eq "one request record for the proxied create (no second from the plugin)" 1 "$n"
    expect_no_rec "no bypass records for CLI calls through the proxy" '.security.bypass==true or .kind=="alert"'
    # a client's own X-Dockaudit-Call is removed by the proxy, never trusted
    out=$(curl -s --unix-socket "$AZ_PROXY" -H 'X-Dockaudit-Call: v1;id=00000000-0000-4000-8000-000000000000;t=1;b=-;m=00' \
        http://d/v1.41/version)
    check_contains "a call with a client-sent mark through the proxy works" ApiVersion "$out"
    expect_no_rec "the proxy stripped the client's header (no bypass, no bad mac)" '.security.bypass==true'
}

test_authz_direct_bypass() {
    _az_env
    mark
    local r id out
    out=$(curl -s --unix-socket "$AZ_DSOCK" http://d/v1.41/containers/json)
    check_true "a direct call on dockerd's socket is allowed (policy allows reads)" '[ "${out:0:1}" = "[" ]' "$out"
    r=$(rec1 '.source=="authz" and .action=="container.list" and .stage=="request"')
    jq_check "the direct call is recorded by the plugin as a bypass" "$r" \
        '.security.bypass==true and .security.bypass_reason=="no header" and .actor.auth=="authz" and .request.method=="GET"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "an alert names the bypass record" \
        ".kind==\"alert\" and .alert.rule==\"dockaudit.authz.bypass\" and .alert.level==\"high\" and (.alert.events|index([\"$id\"])!=null)"
    expect_rec "its AuthZRes is recorded as the response of the same request id" \
        ".source==\"authz\" and .stage==\"response\" and .request.id==\"$id\" and .response.status==200"
    mark
    out=$(curl -s --unix-socket "$AZ_DSOCK" \
        -H "X-Dockaudit-Call: v1;id=11111111-2222-4333-8444-555555555555;t=$(date +%s%3N);b=-;m=$(printf '%064d' 0)" \
        http://d/v1.41/info)
    expect_rec "a forged mark on a direct call is flagged bad mac" \
        '.source=="authz" and .stage=="request" and .action=="system.info" and .security.bypass_reason=="bad mac"'
    mark
    out=$(dzd run --rm bb true 2>&1)
    check_rc "docker run directly on dockerd (not privileged) is allowed" $? "$out"
    r=$(rec1 '.source=="authz" and .action=="container.create" and .stage=="request"')
    jq_check "the direct create is recorded with its security fields and bypass" "$r" \
        '.security.bypass==true and .security.privileged==false and .outcome=="pending" and .object.image=="bb"'
}

test_authz_enforce_policy() {
    _az_env
    mark
    local out rc id
    out=$(dz run --rm --privileged bb true 2>&1)
    rc=$?
    check_true "docker run --privileged through the proxy is denied" "[ $rc -ne 0 ]" "$out"
    check_contains "the CLI shows the policy message" \
        "authorization denied by plugin $AZ_NAME: dockaudit policy: privileged containers are not allowed" "$out"
    id=$(rec1 "$(req_filter container.create '.source=="proxy"')" | jq -r .request.id)
    expect_rec "the plugin records the denial under the proxy's request id" \
        ".source==\"authz\" and .stage==\"decision\" and .outcome==\"denied\" and .request.id==\"$id\" and .detail.policy.rule==\"no-privileged\""
    expect_rec "the proxy's response record reads denied" \
        ".source==\"proxy\" and .stage==\"response\" and .request.id==\"$id\" and .outcome==\"denied\""
    out=$(dz run --rm -v /etc:/h bb true 2>&1)
    check_contains "a bind of /etc is denied (no-host-root)" "rule no-host-root" "$out"
    out=$(dz run --rm --cap-add sys_admin bb true 2>&1)
    check_contains "--cap-add sys_admin is denied (no-sys-admin)" "rule no-sys-admin" "$out"
    out=$(dz run --rm -v /tmp:/h bb true 2>&1)
    check_rc "an allowed bind (/tmp) works" $? "$out"
    mark
    out=$(dzd run --rm --privileged bb true 2>&1)
    check_contains "docker run --privileged directly on dockerd is denied too" "privileged containers are not allowed" "$out"
    expect_rec "the direct privileged create is recorded denied and bypass" \
        '.source=="authz" and .stage=="request" and .action=="container.create" and .outcome=="denied" and .security.bypass==true and .security.privileged==true'
}

test_authz_hidden_bodies() {
    _az_env
    mark
    local out code
    _az_big_body 1200000 0 "$T/az-big.json"
    _az_big_body 1200000 1 "$T/az-bigpriv.json"
    _az_big_body 100 1 "$T/az-smallpriv.json"
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_PROXY" -H 'Content-Type: application/json' \
        --data-binary @"$T/az-big.json" "http://d/v1.41/containers/create?name=azbig-$$")
    check_eq "a 1.2 MB create body through the proxy is vouched for and allowed" 201 "$code"
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_PROXY" -H 'Content-Type: application/json' \
        --data-binary @"$T/az-bigpriv.json" "http://d/v1.41/containers/create?name=azbigp-$$")
    check_eq "a 1.2 MB privileged create through the proxy is denied on the proxy's extraction" 403 "$code"
    check_contains "with the policy message" "privileged containers are not allowed" "$(cat "$T/az-out")"
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_DSOCK" -H 'Content-Type: application/json' \
        --data-binary @"$T/az-big.json" "http://d/v1.41/containers/create?name=azbigd-$$")
    check_eq "a 1.2 MB create directly on dockerd (body hidden from the plugin) is denied" 403 "$code"
    check_contains "the message says why" "1 MiB or more" "$(cat "$T/az-out")"
    expect_rec "the hidden-body direct create is recorded denied, bypass" \
        '.source=="authz" and .action=="container.create" and .outcome=="denied" and .security.bypass==true and .detail.policy.rule=="body-not-visible"'
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_DSOCK" -H 'Content-Type: application/json' \
        -H 'Transfer-Encoding: chunked' --data-binary @"$T/az-big.json" "http://d/v1.41/containers/create?name=azbigc-$$")
    check_eq "a chunked 1.2 MB create directly on dockerd is denied (looks empty to the plugin)" 403 "$code"
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_DSOCK" -H 'Content-Type: application/json' \
        -H 'Transfer-Encoding: chunked' --data-binary @"$T/az-smallpriv.json" "http://d/v1.41/containers/create")
    check_eq "a small chunked privileged create directly is judged on its body and denied" 403 "$code"
    check_contains "by the privileged rule" "rule no-privileged" "$(cat "$T/az-out")"
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' --unix-socket "$AZ_PROXY" -H 'Content-Type: application/json' \
        -H 'Transfer-Encoding: chunked' --data-binary @"$T/az-big.json" "http://d/v1.41/containers/create?name=azbigpc-$$")
    check_eq "a chunked 1.2 MB create through the proxy is vouched for and allowed" 201 "$code"
    expect_no_rec "proxied big and chunked bodies raise no bypass" \
        '.security.bypass==true and (.request.query.name // "" | test("^azbig(pc)?-"))'
    dz rm -f "azbig-$$" "azbigpc-$$" >/dev/null 2>&1
    rm -f "$T"/az-big*.json "$T/az-smallpriv.json"
}

test_authz_streams_and_non_json() {
    _az_env
    mark
    local out rc
    tar -C /bin -cf "$T/az-import.tar" busybox
    out=$(dz import "$T/az-import.tar" azimp:1 2>&1)
    check_rc "docker import (text/plain body) through the proxy works" $? "$out"
    mkdir -p "$T/az-ctx"
    printf 'FROM bb\nRUN true\n' >"$T/az-ctx/Dockerfile"
    out=$(DOCKER_BUILDKIT=0 dz build -q -t azbuild:1 "$T/az-ctx" 2>&1)
    check_rc "docker build (tar, chunked) through the proxy works" $? "$out"
    dz run -d --name "azx-$$" bb sleep 60 >/dev/null 2>&1
    out=$(script -qec "docker -H unix://$AZ_PROXY exec -it azx-$$ sh -c 'exit 0'" /dev/null 2>&1)
    rc=$?
    check_rc "docker exec -it (hijacked) through the proxy works" $rc "$out"
    out=$(timeout 20 docker -H "unix://$AZ_PROXY" run --rm -i bb sh -c 'read x; echo got-$x' <<<"hi" 2>&1)
    check_contains "docker run -i (attach, hijacked) through the proxy works" got-hi "$out"
    dz rm -f "azx-$$" >/dev/null 2>&1
    expect_no_rec "no bypass records for import, build, exec, attach through the proxy" '.security.bypass==true' 1
    # dockerd's re-send after a plugin read a request and closed: Content-Length 0, no JSON at all
    out=$(curl -s -m 5 --unix-socket "$AZ_PSOCK" -X POST -H 'Content-Length: 0' http://p/AuthZPlugin.AuthZReq)
    check_contains "an empty AuthZReq (dockerd's re-send) is denied" '"Allow":false' "$out"
    out=$(curl -s -m 5 --unix-socket "$AZ_PSOCK" -X POST --data-binary 'not json{' http://p/AuthZPlugin.AuthZReq)
    check_contains "a non-JSON AuthZReq is denied" '"Allow":false' "$out"
    out=$(dz version --format '{{.Server.Version}}' 2>&1)
    check_rc "the plugin still serves dockerd afterwards" $? "$out"
    rm -rf "$T/az-import.tar" "$T/az-ctx"
}

test_authz_own_calls_and_events() {
    _az_env
    local rc
    mark
    dzd run --name "azev-$$" bb sh -c 'exit 5' >/dev/null 2>&1
    rc=$?
    check_eq "a direct docker run that exits 5 reports it" 5 "$rc"
    expect_rec "the events stream (same process as the plugin) records its die with exit code 5" \
        ".kind==\"daemon\" and .action==\"container.die\" and .object.name==\"azev-$$\" and .daemon_event.exit_code==5"
    dzd rm "azev-$$" >/dev/null 2>&1
    dz ps >/dev/null 2>&1
    expect_rec "proxied records name the daemon (GET /info asked in the background, past the plugin)" \
        '.source=="proxy" and .host.daemon_id!=null'
    # dockaudit's own calls to dockerd (GET /events, GET /info, label lookups) carry its mark
    # (the curl calls are the tests' own, the forged mark among them)
    MARK=0
    expect_no_rec "dockaudit's own calls to dockerd are never bypasses" \
        '.security.bypass==true and ((.request.user_agent // "")|startswith("curl")|not) and ((.request.path // "")|test("/(events|info)$|/containers/[0-9a-f]{64}/json$"))'
    expect_rec "the events stream was connected all along" \
        '.kind=="audit" and .action=="events.connected"'
}

test_authz_login_redacted() {
    _az_env
    mark
    local out hits
    out=$(echo 'Az-Proxy-Pw-9' | dz login -u azuser --password-stdin 127.0.0.1:1 2>&1)
    check_true "docker login through the proxy fails (no registry)" '[ -n "$out" ]'
    # dockerd hands the plugin the /auth body, password included (Debian's regex)
    printf '{"username":"azuser","password":"Az-Direct-Pw-8","serveraddress":"127.0.0.1:1"}' >"$T/az-auth.json"
    curl -s -o /dev/null --unix-socket "$AZ_DSOCK" -H 'Content-Type: application/json' \
        --data-binary @"$T/az-auth.json" http://d/v1.41/auth
    rm -f "$T/az-auth.json"
    expect_rec "the direct login is recorded by the plugin as a bypass" \
        '.source=="authz" and .action=="auth.login" and .stage=="request" and .security.bypass==true'
    sleep 1
    hits=$(grep -rlF -e 'Az-Proxy-Pw-9' -e 'Az-Direct-Pw-8' "$AZ_J" 2>/dev/null)
    check_eq "no login password anywhere in the journal" "" "$hits"
}

test_authz_outage() {
    _az_env
    local out code t0 t1
    mark
    de_stop_pid "$(cat "$T/az-dockaudit.pid")" 10
    check_not "the plugin socket is gone after dockaudit stops" test -S "$AZ_PSOCK"
    t0=$(date +%s)
    code=$(curl -s -o "$T/az-out" -w '%{http_code}' -m 60 --unix-socket "$AZ_DSOCK" http://d/v1.41/version)
    t1=$(date +%s)
    check_eq "a call while the plugin is down fails cleanly (500 after dockerd's retries)" 500 "$code"
    check_contains "dockerd names the plugin in the error" "plugin $AZ_NAME failed" "$(cat "$T/az-out")"
    echo "    (the call failed after $((t1 - t0)) s)"
    _az_launch
    check "the plugin comes back" _az_wait_plugin
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 --unix-socket "$AZ_DSOCK" http://d/v1.41/version)
    check_eq "calls succeed again with the same dockerd (no restart, no re-activation)" 200 "$code"
    out=$(dz ps 2>&1)
    check_rc "docker ps through the proxy works again" $? "$out"
    expect_rec "an audit record notes the outage window after a clean stop" \
        '.kind=="audit" and .action=="authz.outage" and .detail.clean_stop==true and (.detail.seconds>=0) and .detail.from!=null'
}

test_authz_proxy_enforces_without_plugin() {
    _az_env
    local pid out sock=$T/pe.sock
    J=$T/pe-journal
    check "dockaudit init for a proxy-only journal" "$DOCKAUDIT" init --journal "$J"
    # the main suite's dockerd has no plugin: the proxy applies the policy itself
    pid=$(da_launch "$J" "$sock" "$T/pe-dockaudit.log" --config "$AZ_CFG")
    echo "$pid" >"$T/pe-dockaudit.pid"
    check "the proxy with a policy and no plugin starts" wait_ping "$sock" "$pid" 20
    mark
    out=$(docker -H "unix://$sock" run --rm --privileged bb true 2>&1)
    check_contains "the proxy denies --privileged with the policy message" \
        "dockaudit policy: privileged containers are not allowed (rule no-privileged)" "$out"
    out=$(docker -H "unix://$sock" run --rm bb true 2>&1)
    check_rc "an allowed docker run through that proxy works" $? "$out"
    expect_rec "the proxy records the refused create as denied" \
        '.source=="proxy" and .action=="container.create" and .stage=="request" and .outcome=="denied" and .response.status==403 and .security.privileged==true'
    de_stop_pid "$pid" 10
    rm -f "$T/pe-dockaudit.pid"
}

test_authz_teardown() {
    _az_env
    de_stop_pid "$(cat "$T/az-dockerd.pid" 2>/dev/null)" 20
    de_stop_pid "$(cat "$T/az-dockaudit.pid" 2>/dev/null)" 10
    rm -f "$AZ_PSOCK" "$T/az-dockerd.pid" "$T/az-dockaudit.pid"
    de_umount_under "$T/az-d"
    check_not "the plugin socket is removed" test -e "$AZ_PSOCK"
    check "the plugin journal verifies" "$DOCKAUDIT" verify --journal "$AZ_J"
    local san
    san=$(grep -h -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/az-dockaudit.log" | head -n 5)
    check_eq "no sanitizer reports in the plugin dockaudit's log" "" "$san"
}
