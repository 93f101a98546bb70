# shellcheck shell=bash
# Secrets never reach the journal: passwords, X-Registry-Auth/-Config, Env values, secret Data.

_b64() { printf '%s' "$1" | base64 -w0; }

test_secrets_redacted() {
    local out r s hits=
    local secrets=(S3cretPassw0rd topsecret-env-value exec-secret-val xra-Secret-Pw1 xrc-Secret-Pw2
        case-Secret-Pw3 secret-data-Val4 authz-Bearer-Tok5)
    local xra xrc
    xra=$(_b64 '{"username":"u","password":"xra-Secret-Pw1","serveraddress":"localhost:1"}')
    xrc=$(_b64 '{"localhost:1":{"username":"u","password":"xrc-Secret-Pw2"}}')
    secrets+=("$xra" "$xrc" "$(_b64 secret-data-Val4)")

    out=$(docker login localhost:1 -u u -p S3cretPassw0rd 2>&1)
    check_true "docker login to localhost:1 fails (no registry)" "[ $? -ne 0 ]" "$out"
    r=$(rec1 "$(req_filter auth.login)")
    jq_check "auth.login request record" "$r" '.request.method=="POST" and (.request.path|test("/auth$"))'
    expect_rec "auth.login response: failure" \
        "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response) and .outcome==\"failure\""

    out=$(docker run --rm -e MYSECRET=topsecret-env-value -e PLAINVAR bb sh -c 'echo $MYSECRET' 2>&1)
    check_eq "the container still gets the real Env value" "topsecret-env-value" "$out"
    r=$(rec1 "$(req_filter container.create '(tostring|contains("MYSECRET"))')")
    jq_check "container.create record keeps the Env name MYSECRET with a redacted value" "$r" \
        '(tostring|contains("MYSECRET=[redacted]")) or (tostring|test("MYSECRET[^,}]*redacted"))'

    docker run -d --name "sec-$$" bb sleep 600 >/dev/null 2>&1
    docker exec -e EXECSECRET=exec-secret-val "sec-$$" true >/dev/null 2>&1
    docker rm -f "sec-$$" >/dev/null 2>&1

    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST -H "X-Registry-Auth: $xra" \
        'http://d/v1.41/images/create?fromImage=localhost:1/x&tag=latest')
    check_true "pull with X-Registry-Auth is forwarded (dockerd answers)" \
        '[ -n "$(printf "%s" "$out" | tail -n 1 | grep -E "^[2-5][0-9][0-9]$")" ]' "$out"
    printf 'FROM bb\n' >"$T/Dockerfile.sec"
    tar -C "$T" -cf "$T/secctx.tar" Dockerfile.sec
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -X POST -H "X-Registry-Config: $xrc" \
        -H 'Content-Type: application/x-tar' --data-binary @"$T/secctx.tar" \
        'http://d/v1.41/build?dockerfile=Dockerfile.sec&t=secbuild:1'
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d '{"Username":"u","PASSWORD":"case-Secret-Pw3","serveraddress":"localhost:1"}' http://d/v1.41/auth
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d "{\"Name\":\"s1\",\"Data\":\"$(_b64 secret-data-Val4)\"}" http://d/v1.41/secrets/create
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Authorization: Bearer authz-Bearer-Tok5' http://d/_ping
    expect_rec "the POST /auth with a case-folded PASSWORD key is recorded as auth.login" \
        "$(req_filter auth.login '(tostring|contains("localhost:1"))') and .request.user_agent!=null and (.request.user_agent|test(\"curl\"))"
    expect_rec "the secrets/create call is recorded" '.stage=="request" and (.request.path|test("/secrets/create$"))'

    sleep 1
    for s in "${secrets[@]}"; do
        out=$(grep -rlF -- "$s" "$J" 2>/dev/null)
        [ -n "$out" ] && hits+="$s in: $out"$'\n'
    done
    check_eq "no secret string (or its base64 form) anywhere under the journal directory" "" "$hits"
    hits=
    for s in "${secrets[@]}"; do
        grep -qF -- "$s" "$T/dockaudit.log" 2>/dev/null && hits+="$s "
    done
    check_eq "no secret string in dockaudit's own log" "" "$hits"
}
