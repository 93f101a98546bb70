# shellcheck shell=bash
# Content-Type exactly as dockerd reads it, and fail closed on doubt (issue 10).  Against the
# suite's real dockerd 20.10: a create body under each Content-Type goes through the proxy; what
# dockerd did (its status, `docker inspect`) is compared with the record.  Calls dockaudit cannot
# read exactly as dockerd will (a body under a non-JSON type on a route that decodes JSON, a type
# Go versions read differently, a body too big to read, a body on an unknown route, a multipart
# /build body) are recorded `security.uncertain` with an alert; in observe mode they pass, with
# `policy.mode: enforce` they are refused with a 4xx that names the reason and nothing is created.

# a privileged create body with a host bind
_un_body() { printf '{"Image":"bb","Cmd":["true"],"HostConfig":{"Privileged":true,"Binds":["/etc:/hostetc:ro"]}}'; }

# _un_post SOCK PATH CONTENT-TYPE BODY-FILE OUT: POST through SOCK; prints the HTTP status
_un_post() {
    curl -s -o "$5" -w '%{http_code}' --unix-socket "$1" -X POST -H "Content-Type: $3" \
        --data-binary @"$4" "http://d$2"
}

_un_gone() { ! ddirect container inspect "$1" >/dev/null 2>&1; }

# Every type here is sent as the FIRST Content-Type: dockerd's verdict (201 created or 400
# refused) must agree with dockaudit's reading, and a created container must be recorded
# privileged with its bind (the record may over-report, never under-report).
test_uncertain_content_types_as_dockerd_reads_them() {
    local body=$T/un-body.json i=0 ct expect code id name r want reason
    _un_body >"$body"
    # expected: json (Go reads application/json: dockerd decodes), other (dockerd refuses),
    # unsure (go1.19 refuses a repeated parameter, newer Go reads it)
    local cases=(
        "json|application/json"
        "json|application/json	;"
        "json|applİcation/json"
        "json|APPLICATION/JSON; charset=utf-8"
        "json|application/json ; charset = \"a;b\" ;"
        "json| application/json"
        "json|application/json; a*=x; a=y"
        "other|applıcation/json"
        "other|application/jſon"
        "other|application/json;;"
        "other|application/json; foo"
        "other|application/json; a=1; a=2"
        "other|application/json x"
        "other|text/plain"
        "other|application/x-www-form-urlencoded"
        "unsure|application/json; a=1; a=1"
    )
    # U+00A0 and U+3000 around the type are Unicode white space for Go's TrimSpace
    cases+=("json|$(printf '\xc2\xa0')application/json$(printf '\xe3\x80\x80')")
    for c in "${cases[@]}"; do
        expect=${c%%|*}
        ct=${c#*|}
        i=$((i + 1))
        name=un-ct-$i-$$
        mark
        code=$(_un_post "$AUDIT_SOCK" "/v1.41/containers/create?name=$name" "$ct" "$body" "$T/un-out")
        r=$(rec1 "$(req_filter container.create ".request.query.name==\"$name\"")")
        reason=$(printf '%s' "$r" | jq -r '(.security.uncertain // []) | join("; ")')
        case $expect in
        json)
            check_eq "[$ct] dockerd decodes the body (201)" 201 "$code"
            want=$(ddirect inspect -f '{{.HostConfig.Privileged}} {{index .HostConfig.Binds 0}}' "$name" 2>&1)
            check_eq "[$ct] docker inspect: privileged with the bind" "true /etc:/hostetc:ro" "$want"
            jq_check "[$ct] recorded privileged with the bind, not uncertain" "$r" \
                '.security.privileged==true and (.security.mounts[0].source=="/etc") and (.security.uncertain==null) and (.request.body!=null)'
            ;;
        other)
            check_eq "[$ct] dockerd refuses the Content-Type (400)" 400 "$code"
            check "[$ct] no container was created" _un_gone "$name"
            jq_check "[$ct] recorded uncertain (not application/json on a JSON route), still privileged" "$r" \
                '.security.privileged==true and (.security.uncertain|index(["a request body under a Content-Type that is not application/json, on a route that decodes JSON"])!=null)'
            ;;
        unsure)
            check_eq "[$ct] dockerd 20.10 (go1.19) refuses a repeated parameter (400)" 400 "$code"
            jq_check "[$ct] recorded uncertain (Go versions disagree)" "$r" \
                '.security.privileged==true and (.security.uncertain|index(["a Content-Type that Go versions read differently (repeated parameter)"])!=null)'
            ;;
        esac
        id=$(printf '%s' "$r" | jq -r .request.id)
        if [ "$expect" = json ]; then
            expect_no_rec "[$ct] no uncertain alert" ".kind==\"alert\" and (.alert.events|index([\"$id\"])!=null)" 0
        else
            expect_rec "[$ct] an uncertain alert names the call" \
                ".kind==\"alert\" and .alert.rule==\"dockaudit.record.uncertain\" and .source==\"proxy\" and (.alert.events|index([\"$id\"])!=null) and .alert.reason==\"$reason\" and .detail.action==\"container.create\""
        fi
        ddirect rm -f "$name" >/dev/null 2>&1
    done
    rm -f "$body" "$T/un-out"
}

# _un_raw SOCK PATH BODY HEADER-LINES...: a raw HTTP/1.1 POST (two Content-Type headers are sent
# as given); prints the status code
_un_raw() {
    local sock=$1 path=$2 body=$3 h req
    shift 3
    req="POST $path HTTP/1.1\r\nHost: d\r\n"
    for h in "$@"; do req+="$h\r\n"; done
    req+="Content-Length: ${#body}\r\nConnection: close\r\n\r\n"
    { printf "$req"; printf '%s' "$body"; } | socat -t 10 - "UNIX-CONNECT:$sock" | head -n 1 | cut -d' ' -f2
}

# dockerd reads the FIRST Content-Type header; so does the proxy.
test_uncertain_first_content_type_header() {
    local code r body
    body=$(_un_body)
    mark
    code=$(_un_raw "$AUDIT_SOCK" "/v1.41/containers/create?name=un-first-$$" "$body" \
        "Content-Type: application/json" "Content-Type: text/plain")
    check_eq "first application/json, then text/plain: dockerd decodes (201)" 201 "$code"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"un-first-$$\"")")
    jq_check "recorded privileged, not uncertain" "$r" '.security.privileged==true and .security.uncertain==null'
    code=$(_un_raw "$AUDIT_SOCK" "/v1.41/containers/create?name=un-second-$$" "$body" \
        "Content-Type: text/plain" "Content-Type: application/json")
    check_eq "first text/plain, then application/json: dockerd refuses (400)" 400 "$code"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"un-second-$$\"")")
    jq_check "recorded privileged and uncertain" "$r" '.security.privileged==true and (.security.uncertain|length)==1'
    ddirect rm -f "un-first-$$" >/dev/null 2>&1
}

# Below API 1.22 exec start decodes its body whatever the Content-Type (v20.10: no check).
test_uncertain_old_exec_start_any_type() {
    local cid eid code r
    cid=$(ddirect run -d --name "un-exec-$$" bb sleep 60 2>&1)
    eid=$(curl -s --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d '{"Cmd":["true"],"AttachStdout":false}' "http://d/v1.41/containers/un-exec-$$/exec" | jq -r .Id)
    check_true "an exec is created" '[ -n "$eid" ] && [ "$eid" != null ]' "$cid"
    mark
    printf '{"Detach":true,"Tty":true}' >"$T/un-exec.json"
    code=$(_un_post "$AUDIT_SOCK" "/v1.21/exec/$eid/start" text/plain "$T/un-exec.json" "$T/un-out")
    check_eq "POST /v1.21/exec/ID/start under text/plain: dockerd decodes it and starts detached (200)" 200 "$code"
    r=$(rec1 "$(req_filter exec.start)")
    jq_check "the body is read and extracted (detach, tty), not uncertain" "$r" \
        '.security.exec.detach==true and .security.exec.tty==true and .security.uncertain==null'
    ddirect rm -f "un-exec-$$" >/dev/null 2>&1
    rm -f "$T/un-exec.json" "$T/un-out"
}

# The swarm, checkpoint and plugin routes of dockerd 20.10 decode JSON whatever the
# Content-Type: the body is read and extracted (a secret create under text/plain is decoded,
# then fails because the engine is not a swarm manager, not because of its type).
test_uncertain_unchecked_routes_read_any_type() {
    local code r
    mark
    printf '{"Name":"un-secret-%s","Data":"eA=="}' "$$" >"$T/un-secret.json"
    code=$(_un_post "$AUDIT_SOCK" /v1.41/secrets/create text/plain "$T/un-secret.json" "$T/un-out")
    check_true "dockerd 20.10 decodes a secret create body under text/plain (refused as no swarm, not for the type)" \
        "[ $code = 503 ] && ! grep -q 'Content-Type' '$T/un-out'" "$code $(cat "$T/un-out")"
    r=$(rec1 "$(req_filter secret.create)")
    jq_check "the body is read and extracted whatever its type, not uncertain" "$r" \
        ".object.name==\"un-secret-$$\" and .security.uncertain==null and (.request.body.Data|test(\"redacted\"))"
    rm -f "$T/un-secret.json" "$T/un-out"
}

# In observe mode (the suite's dockaudit) uncertain calls go through, recorded and alerted.
test_uncertain_observe_passes_and_records() {
    local code r id sock=$T/un-small.sock pid
    mark
    printf '{"Cmd":["true"]}' >"$T/un-small.json"
    code=$(_un_post "$AUDIT_SOCK" /v1.41/containers/x-un-$$/frobnicate application/json "$T/un-small.json" "$T/un-out")
    check_eq "a body on an unknown route goes through in observe mode (dockerd: 404)" 404 "$code"
    r=$(rec1 '.kind=="api" and .stage=="request" and .action=="unknown" and (.request.path|endswith("/frobnicate"))')
    jq_check "an unknown route with a body is recorded uncertain" "$r" \
        '.security.uncertain==["a request body on a route dockaudit does not know"]'
    id=$(printf '%s' "$r" | jq -r .request.id)
    expect_rec "and alerted" ".kind==\"alert\" and .alert.rule==\"dockaudit.record.uncertain\" and (.alert.events|index([\"$id\"])!=null)"
    code=$(curl -s -o "$T/un-out" -w '%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST \
        -F 'networkmode=host' -F 't=un-build' "http://d/v1.41/build?t=un-visible")
    r=$(rec1 "$(req_filter image.build)")
    jq_check "a multipart /build body is recorded uncertain (dockerd reads form values from it)" "$r" \
        '.security.uncertain==["a multipart/form-data body on /build (dockerd reads build parameters from it)"]'
    # JSON dockaudit cannot parse: refused in every mode (as before), and the record says why
    printf '{"Image":"bb","HostConfig":' >"$T/un-broken.json"
    code=$(_un_post "$AUDIT_SOCK" "/v1.41/containers/create?name=un-broken-$$" application/json "$T/un-broken.json" "$T/un-out")
    check_eq "a create body that is not JSON is refused (400)" 400 "$code"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"un-broken-$$\"")")
    jq_check "it is recorded with its body_error and uncertain" "$r" \
        '.security.body_error!=null and .security.uncertain==["a request body that is not JSON dockaudit can parse"]'
    rm -f "$T/un-broken.json"
    # a body larger than limits.body_bytes on a create: not read, so the record is unsure
    dockaudit_init_quiet "$T/un-small-j"
    pid=$(da_launch "$T/un-small-j" "$sock" "$T/un-small.log" --body-limit 1KiB)
    echo "$pid" >"$T/un-small.pid"
    check "a proxy with --body-limit 1KiB starts" wait_ping "$sock" "$pid" 20
    "$PY" -c 'import json; print(json.dumps({"Image":"bb","Cmd":["true"],"Env":["PAD="+"x"*4000],"HostConfig":{"Privileged":True}}))' >"$T/un-big.json"
    code=$(_un_post "$sock" "/v1.41/containers/create?name=un-big-$$" application/json "$T/un-big.json" "$T/un-out")
    check_eq "observe mode: the too-big privileged create goes through" 201 "$code"
    r=$(poll_rec "$T/un-small-j" "$(req_filter container.create)")
    jq_check "it is recorded uncertain (body not read), body_truncated" "$r" \
        '.request.body_truncated==true and (.security.uncertain|index(["a request body larger than dockaudit reads (limits.body_bytes), on a route whose body carries settings"])!=null)'
    r=$(poll_rec "$T/un-small-j" '.kind=="alert" and .alert.rule=="dockaudit.record.uncertain"')
    check_true "with an uncertain alert in that journal" '[ -n "$r" ]'
    de_stop_pid "$pid" 10
    rm -f "$T/un-small.pid"
    ddirect rm -f "un-big-$$" >/dev/null 2>&1
    rm -f "$T/un-small.json" "$T/un-big.json" "$T/un-out"
}

dockaudit_init_quiet() { "$DOCKAUDIT" init --journal "$1" >/dev/null 2>&1; }

# With policy.mode: enforce (no plugin: the proxy enforces), every uncertain call is refused
# with a 400 that names why and nothing reaches dockerd; exact calls pass (or meet the rules).
test_uncertain_enforce_refuses() {
    local sock=$T/un-enf.sock jdir=$T/un-enf-j cfg=$T/un-enf.yaml pid code r name
    cat >"$cfg" <<'YAML'
limits:
  body_bytes: 4KiB
policy:
  mode: enforce
  deny:
    - name: no-privileged
      action: container.create
      privileged: true
      message: "privileged containers are not allowed"
YAML
    dockaudit_init_quiet "$jdir"
    pid=$(da_launch "$jdir" "$sock" "$T/un-enf.log" --config "$cfg")
    echo "$pid" >"$T/un-enf.pid"
    check "a proxy with policy.mode: enforce starts" wait_ping "$sock" "$pid" 20
    _un_body >"$T/un-priv.json"
    printf '{"Image":"bb","Cmd":["true"]}' >"$T/un-plain.json"
    # exact readings meet the rules, whatever the spelling of the type
    name=un-enf-tab-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" $'application/json\t;' "$T/un-priv.json" "$T/un-out")
    check_eq "application/json<TAB>; privileged create: denied by the rule (403)" 403 "$code"
    check_contains "with the rule's message" "privileged containers are not allowed" "$(cat "$T/un-out")"
    check "no container $name" _un_gone "$name"
    name=un-enf-dot-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" "applİcation/json" "$T/un-priv.json" "$T/un-out")
    check_eq "applİcation/json privileged create: denied by the rule (403)" 403 "$code"
    check "no container $name" _un_gone "$name"
    name=un-enf-ok-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" "applİcation/json" "$T/un-plain.json" "$T/un-out")
    check_eq "applİcation/json plain create: allowed (201)" 201 "$code"
    ddirect rm -f "$name" >/dev/null 2>&1
    # uncertain calls: refused with 400 naming the reason, before dockerd sees them
    name=un-enf-txt-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" text/plain "$T/un-plain.json" "$T/un-out")
    check_eq "a create body under text/plain: refused (400)" 400 "$code"
    check_contains "the message names the reason" "not application/json, on a route that decodes JSON" "$(cat "$T/un-out")"
    name=un-enf-dup-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" "application/json; a=1; a=1" "$T/un-plain.json" "$T/un-out")
    check_eq "a create under a repeated-parameter type: refused (400)" 400 "$code"
    check_contains "the message names the reason" "Go versions read differently" "$(cat "$T/un-out")"
    "$PY" -c 'import json; print(json.dumps({"Image":"bb","Cmd":["true"],"Env":["PAD="+"x"*8000]}))' >"$T/un-big.json"
    name=un-enf-big-$$
    code=$(_un_post "$sock" "/v1.41/containers/create?name=$name" application/json "$T/un-big.json" "$T/un-out")
    check_eq "a create body over limits.body_bytes: refused (400)" 400 "$code"
    check_contains "the message names the reason" "larger than dockaudit reads" "$(cat "$T/un-out")"
    check "no container $name" _un_gone "$name"
    code=$(curl -s -o "$T/un-out" -w '%{http_code}' --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
        -H 'Transfer-Encoding: chunked' --data-binary @"$T/un-big.json" "http://d/v1.41/containers/create?name=$name")
    check_eq "the same body chunked: refused (400)" 400 "$code"
    check "no container $name" _un_gone "$name"
    code=$(_un_post "$sock" /v1.41/containers/x/frobnicate application/json "$T/un-plain.json" "$T/un-out")
    check_eq "a body on an unknown route: refused (400)" 400 "$code"
    code=$(curl -s -o "$T/un-out" -w '%{http_code}' --unix-socket "$sock" -X POST \
        -F 'networkmode=host' "http://d/v1.41/build?t=un-enf")
    check_eq "a multipart /build body: refused (400)" 400 "$code"
    check_contains "the message names the reason" "multipart/form-data body on /build" "$(cat "$T/un-out")"
    r=$(poll_rec "$jdir" "$(req_filter container.create ".request.query.name==\"un-enf-txt-$$\"")")
    jq_check "the refused call is recorded denied, 400, uncertain" "$r" \
        '.outcome=="denied" and .response.status==400 and (.security.uncertain|length)==1 and (.response.error|test("refused \\(policy.mode: enforce\\)"))'
    r=$(recs "$jdir" | jq -c 'select(.kind=="alert" and .alert.rule=="dockaudit.record.uncertain")' | wc -l)
    check_true "each refused uncertain call has its alert (6)" "[ $r -eq 6 ]" "$r alerts"
    de_stop_pid "$pid" 10
    rm -f "$T/un-enf.pid" "$T"/un-*.json "$T/un-out"
}

# ---- the AuthZ plugin (its own dockerd with --authorization-plugin, policy enforce) ----------

_unp_env() {
    # shellcheck disable=SC1091
    . "$T/unp.env"
}

_unp_wait_plugin() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -S "$UNP_PSOCK" ] && [ "$(curl -s -m 2 --unix-socket "$UNP_PSOCK" -X POST \
            http://p/Plugin.Activate 2>/dev/null)" = '{"Implements":["authz"]}' ] && return 0
        sleep 0.1
    done
    return 1
}

test_uncertain_plugin_setup() {
    local name
    name=dockaudit-un-$(rand_hex 4)
    {
        echo "UNP_NAME=$name"
        echo "UNP_PSOCK=/run/docker/plugins/$name.sock"
        echo "UNP_J=$T/unp-journal"
        echo "UNP_PROXY=$T/unp-proxy.sock"
        echo "UNP_CFG=$T/unp.yaml"
        echo "UNP_DSOCK=$T/unp-d/docker.sock"
    } >"$T/unp.env"
    _unp_env
    cat >"$UNP_CFG" <<'YAML'
policy:
  mode: enforce
  deny:
    - name: no-privileged
      action: container.create
      privileged: true
      message: "privileged containers are not allowed"
YAML
    dockaudit_init_quiet "$UNP_J"
    setsid "$DOCKAUDIT" run --listen "unix://$UNP_PROXY" --backend "unix://$UNP_DSOCK" \
        --journal "$UNP_J" --config "$UNP_CFG" --authz-socket "unix://$UNP_PSOCK" --no-events \
        >>"$T/unp-dockaudit.log" 2>&1 </dev/null &
    echo $! >"$T/unp-dockaudit.pid"
    check "the plugin socket answers Plugin.Activate" _unp_wait_plugin
    (
        de_start_dockerd "$T/unp-d" --authorization-plugin="$name" || exit 1
        echo "$DE_PID" >"$T/unp-dockerd.pid"
    )
    check "dockerd with --authorization-plugin=$name starts" test -s "$T/unp-dockerd.pid"
    check "busybox image imports into the plugin dockerd" de_build_image "$UNP_DSOCK" bb:latest
}

# A body of 1 MiB or more is not shown to AuthZ plugins: under a type Go reads as JSON however it
# is spelt, the plugin must treat it as hidden (and deny it in enforce mode).
test_uncertain_plugin_hidden_bodies() {
    _unp_env
    J=$UNP_J
    mark
    local code ct i=0 name
    "$PY" -c 'import json; print(json.dumps({"Image":"bb","Cmd":["true"],"Env":["PAD="+"x"*1200000],"HostConfig":{"Privileged":True}}))' >"$T/unp-big.json"
    _un_body >"$T/unp-priv.json"
    for ct in $'application/json\t;' "applİcation/json"; do
        i=$((i + 1))
        name=unp-big-$i-$$
        code=$(_un_post "$UNP_DSOCK" "/v1.41/containers/create?name=$name" "$ct" "$T/unp-big.json" "$T/unp-out")
        check_eq "[$ct] a 1.2 MB privileged create directly on dockerd is denied (hidden body)" 403 "$code"
        check_contains "[$ct] because the body was not shown" "1 MiB or more" "$(cat "$T/unp-out")"
        check "[$ct] no container $name" bash -c "! docker -H unix://$UNP_DSOCK inspect $name >/dev/null 2>&1"
        name=unp-small-$i-$$
        code=$(_un_post "$UNP_DSOCK" "/v1.41/containers/create?name=$name" "$ct" "$T/unp-priv.json" "$T/unp-out")
        check_eq "[$ct] a small privileged create directly: shown, and denied by the rule" 403 "$code"
        check_contains "[$ct] by the privileged rule" "rule no-privileged" "$(cat "$T/unp-out")"
    done
    # v20.10 decodes a secret body whatever its type, and shows the plugin none: not visible
    printf '{"Name":"unp-secret","Data":"eA=="}' >"$T/unp-secret.json"
    code=$(_un_post "$UNP_DSOCK" /v1.41/secrets/create text/plain "$T/unp-secret.json" "$T/unp-out")
    check_eq "a secret create under text/plain directly on dockerd is denied (decoded but not shown)" 403 "$code"
    expect_rec "the bypass record says uncertain" \
        '.source=="authz" and .action=="secret.create" and .outcome=="denied" and (.security.uncertain|length)>=1'
    expect_rec "with an uncertain alert" '.kind=="alert" and .alert.rule=="dockaudit.record.uncertain" and .source=="authz"'
    # through the proxy: a create body under text/plain is held and extracted by the proxy, which
    # vouches for it, but its record is uncertain: the plugin denies it in enforce mode
    printf '{"Image":"bb","Cmd":["true"]}' >"$T/unp-plain.json"
    mark
    code=$(_un_post "$UNP_PROXY" "/v1.41/containers/create?name=unp-txt-$$" text/plain "$T/unp-plain.json" "$T/unp-out")
    check_eq "through the proxy, a create under text/plain is denied by the plugin (uncertain)" 403 "$code"
    check_contains "the message names the reason" "not application/json, on a route that decodes JSON" "$(cat "$T/unp-out")"
    expect_rec "the plugin's decision record names rule uncertain" \
        '.source=="authz" and .stage=="decision" and .outcome=="denied" and .detail.policy.rule=="uncertain"'
    name=unp-ok-$$
    code=$(_un_post "$UNP_PROXY" "/v1.41/containers/create?name=$name" $'application/json\t;' "$T/unp-plain.json" "$T/unp-out")
    check_eq "through the proxy, a plain create under application/json<TAB>; is allowed" 201 "$code"
    docker -H "unix://$UNP_DSOCK" rm -f "$name" >/dev/null 2>&1
    rm -f "$T"/unp-*.json "$T/unp-out"
}

test_uncertain_plugin_teardown() {
    _unp_env
    de_stop_pid "$(cat "$T/unp-dockerd.pid" 2>/dev/null)" 20
    de_stop_pid "$(cat "$T/unp-dockaudit.pid" 2>/dev/null)" 10
    rm -f "$UNP_PSOCK" "$T/unp-dockerd.pid" "$T/unp-dockaudit.pid"
    de_umount_under "$T/unp-d"
    check "the plugin journal verifies" "$DOCKAUDIT" verify --journal "$UNP_J"
    local san
    san=$(grep -h -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/unp-dockaudit.log" | head -n 5)
    check_eq "no sanitizer reports in the plugin dockaudit's log" "" "$san"
}
