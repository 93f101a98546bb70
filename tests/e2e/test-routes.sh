# shellcheck shell=bash
# Route classification: unknown routes, versioned vs unversioned paths, failures with errors.

test_unknown_route() {
    local out r rs
    out=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$AUDIT_SOCK" http://d/v1.41/definitely/not/a/route)
    check_eq "an unknown route is forwarded and dockerd answers 404" 404 "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.path=="/v1.41/definitely/not/a/route"')
    jq_check "the unknown route is recorded with action unknown" "$r" '.action=="unknown" and .request.method=="GET"'
    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response)")
    jq_check "its response record: status 404, outcome failure" "$rs" '.response.status==404 and .outcome=="failure"'
}

test_versioned_and_unversioned_paths() {
    local a b c
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" 'http://d/v1.41/containers/json?all=1&x=%2Fslash'
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" 'http://d/containers/json?all=1'
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" 'http://d/v1.41/containers%2Fjson'
    a=$(rec1 '.stage=="request" and .request.path=="/v1.41/containers/json"' | jq -r .action)
    b=$(rec1 '.stage=="request" and .request.path=="/containers/json"' | jq -r .action)
    check_true "GET /v1.41/containers/json is classified (not unknown)" '[ -n "$a" ] && [ "$a" != unknown ] && [ "$a" != null ]' "action: $a"
    check_eq "the unversioned path gets the same action" "$a" "$b"
    r=$(rec1 '.stage=="request" and .request.path=="/v1.41/containers/json"')
    jq_check "the query string is decoded into request.query" "$r" '.request.query.all=="1" and .request.query.x=="/slash"'
    c=$(rec1 '.stage=="request" and (.request.path=="/v1.41/containers%2Fjson" or .request.path=="/v1.41/containers/json" and .request.query=={})' | jq -r .action)
    check_true "a percent-encoded path is recorded and classified after decoding" '[ -n "$c" ] && [ "$c" = "$a" ]' "action: $c (plain: $a)"
    docker ps >/dev/null 2>&1
    expect_rec "HEAD /_ping (the docker CLI's first call) is recorded as system.ping" \
        '.stage=="request" and .request.path=="/_ping" and .request.method=="HEAD" and .action=="system.ping"'
}

test_pull_failure() {
    local out rc r rs
    out=$(docker pull localhost:1/nope 2>&1)
    rc=$?
    check_true "docker pull localhost:1/nope fails" "[ $rc -ne 0 ]" "$out"
    r=$(rec1 "$(req_filter image.pull "(.request.query.fromImage|tostring|test(\"localhost:1/nope\"))")")
    jq_check "image.pull request record: fromImage localhost:1/nope" "$r" '.request.method=="POST" and .object.type=="image"'
    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response) or $(stage_of "$(printf '%s' "$r" | jq -r .request.id)" session)")
    jq_check "image.pull outcome failure with the daemon's error message" "$rs" \
        '.outcome=="failure" and (.response.error|type)=="string" and (.response.error|test("localhost:1"))'
}
