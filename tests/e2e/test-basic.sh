# shellcheck shell=bash
# Basic CLI behaviour, the start record, and the shape of request/response records.

test_cli_help_version() {
    local out cmd ver
    ver=$(cat "$ROOT/VERSION" 2>/dev/null)
    out=$("$DOCKAUDIT" --version 2>&1)
    check "dockaudit --version exits 0" "$DOCKAUDIT" --version
    check_contains "--version prints the VERSION file's version" "$ver" "$out"
    for cmd in init run search tail verify; do
        out=$("$DOCKAUDIT" "$cmd" --help 2>&1)
        check "dockaudit $cmd --help exits 0" "$DOCKAUDIT" "$cmd" --help
        check_contains "dockaudit $cmd --help mentions --journal" "--journal" "$out"
    done
    out=$("$DOCKAUDIT" run --help 2>&1)
    for opt in --listen --backend --socket-mode --socket-group --body-limit --on-failure; do
        check_contains "dockaudit run --help documents $opt" "$opt" "$out"
    done
    check_not "an unknown command exits non-zero" "$DOCKAUDIT" no-such-command
    check_not "search without --journal exits non-zero" "$DOCKAUDIT" search
}

test_start_record() {
    local r
    r=$(poll_rec "$J" '.kind=="audit" and .action=="dockaudit.start"')
    jq_check "the journal has a dockaudit.start audit record" "$r" '.kind=="audit"'
    r=$(recs | head -n 1)
    jq_check "the first record has seq 1 (or 0) and v 1" "$r" '(.seq==1 or .seq==0) and .v==1'
}

test_ping_version() {
    local out direct r id rs
    out=$(curl -s --unix-socket "$AUDIT_SOCK" http://d/_ping)
    check_eq "GET /_ping through dockaudit answers OK" "OK" "$out"
    out=$(docker version --format '{{.Server.Version}} {{.Server.APIVersion}}' 2>&1)
    direct=$(ddirect version --format '{{.Server.Version}} {{.Server.APIVersion}}' 2>&1)
    check_eq "docker version through dockaudit equals direct" "$direct" "$out"
    out=$(curl -s -D "$T/ping.hdr" --unix-socket "$AUDIT_SOCK" http://d/_ping)
    check "dockerd's Api-Version header passes through" grep -qi '^Api-Version: 1\.' "$T/ping.hdr"

    expect_rec "a request record for GET /_ping" '.kind=="api" and .stage=="request" and .request.path=="/_ping" and .request.method=="GET"'
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.method=="GET" and (.request.path|test("^/v[0-9.]+/version$"))')
    jq_check "version request record: common fields" "$r" \
        '.v==1 and (.seq|type)=="number" and (.id|type)=="string" and (.id|length)>0 and
         (.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and (.host.name|type)=="string" and
         (.prev|test("^[0-9a-f]{64}$")) and .source=="proxy"'
    jq_check "version request record: request fields" "$r" \
        '.request.api_version=="1.41" and
         (.request.id|type)=="string" and (.request.user_agent|test("Docker-Client"))'
    jq_check "version request record: outcome pending, actor root docker CLI" "$r" \
        '.outcome=="pending" and .actor.uid==0 and .actor.user=="root" and (.actor.pid|type)=="number" and
         (.actor.comm|test("docker")) and (.actor.cmdline|type)=="array" and (.actor.cmdline|index("version")!=null)'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" response)")
    jq_check "version response record shares request.id; status 200, success" "$rs" \
        '.kind=="api" and .outcome=="success" and .response.status==200 and
         (.response.bytes>0) and (.response.duration_us|type)=="number" and .response.error==null'
    jq_check "response record comes after its request record" "$rs" ".seq > $(printf '%s' "$r" | jq .seq)"
}
