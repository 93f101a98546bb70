# shellcheck shell=bash
# Secrets never reach the journal: passwords, X-Registry-Auth/-Config, Env values, secret Data.

_b64() { printf '%s' "$1" | base64 -w0; }

test_secrets_redacted() {
    local out r s hits=''
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

    # bodies and headers come from files here, so that only the request (not curl's argv) holds them
    printf 'X-Registry-Auth: %s\n' "$xra" >"$T/sec-xra.hdr"
    printf 'X-Registry-Config: %s\n' "$xrc" >"$T/sec-xrc.hdr"
    printf 'Authorization: Bearer authz-Bearer-Tok5\n' >"$T/sec-authz.hdr"
    printf '{"Username":"u","PASSWORD":"case-Secret-Pw3","serveraddress":"localhost:1"}' >"$T/sec-auth.json"
    printf '{"Name":"s1","Data":"%s"}' "$(_b64 secret-data-Val4)" >"$T/sec-secret.json"
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST -H @"$T/sec-xra.hdr" \
        'http://d/v1.41/images/create?fromImage=localhost:1/x&tag=latest')
    check_true "pull with X-Registry-Auth is forwarded (dockerd answers)" \
        '[ -n "$(printf "%s" "$out" | tail -n 1 | grep -E "^[2-5][0-9][0-9]$")" ]' "$out"
    printf 'FROM bb\n' >"$T/Dockerfile.sec"
    tar -C "$T" -cf "$T/secctx.tar" Dockerfile.sec
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -X POST -H @"$T/sec-xrc.hdr" \
        -H 'Content-Type: application/x-tar' --data-binary @"$T/secctx.tar" \
        'http://d/v1.41/build?dockerfile=Dockerfile.sec&t=secbuild:1'
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d @"$T/sec-auth.json" http://d/v1.41/auth
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d @"$T/sec-secret.json" http://d/v1.41/secrets/create
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H @"$T/sec-authz.hdr" http://d/_ping
    rm -f "$T"/sec-*.hdr "$T"/sec-*.json
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

# Secrets typed on the client's command line: actor.cmdline must not carry them either.
test_secrets_in_cmdline_redacted() {
    local out hits='' s r
    local secrets=(cl-Passw0rd-A cl-env-Value-B cl-build-Val-C cl-xra-Val-D cl-body-Pw-E cl-userpass-F)
    out=$(docker login localhost:1 -u u --password cl-Passw0rd-A 2>&1)
    docker run --rm --env CL_SECRET=cl-env-Value-B bb true >/dev/null 2>&1
    docker create --name "cl-$$" -e "TOKEN=cl-env-Value-B" bb true >/dev/null 2>&1
    docker rm "cl-$$" >/dev/null 2>&1
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -X POST -H "X-Registry-Auth: cl-xra-Val-D" \
        'http://d/v1.41/images/create?fromImage=localhost:1/y&tag=latest'
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d '{"username":"u","password":"cl-body-Pw-E","serveraddress":"localhost:1"}' http://d/v1.41/auth
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -u "u:cl-userpass-F" http://d/_ping
    sleep 0.5
    r=$(rec1 '.stage=="request" and (.actor.cmdline|index("login")!=null)')
    jq_check "the docker login record keeps the command line's shape (password redacted)" "$r" \
        '(.actor.cmdline|index("--password")!=null) and (.actor.cmdline|tostring|contains("cl-Passw0rd-A")|not)'
    for s in "${secrets[@]}"; do
        out=$(matching "(.actor.cmdline|tostring|contains(\"$s\"))" | jq -c '.actor.cmdline' | head -n 1)
        [ -n "$out" ] && hits+="$s in actor.cmdline $out"$'\n'
    done
    check_eq "no secret from a client's command line in actor.cmdline (docker -p/-e, curl -H/-d/-u)" "" "$hits"
    out=$(for s in "${secrets[@]}"; do grep -rlF -- "$s" "$J"; done 2>/dev/null | sort -u)
    check_eq "none of these secrets anywhere under the journal directory" "" "$out"
}

# Secrets in driver options (matched by pattern, not by a list) and in dockerd's own error text:
# a CIFS-style local volume whose mount fails (dockerd 20.10 repeats the mount options, password
# included, in its error), log drivers given tokens with --log-opt. None may reach the journal,
# raw or compressed (searched through `dockaudit search` as well as with grep).
test_secrets_driver_opts_and_errors() {
    local out r s hits='' v="secvol-$$"
    local secrets=(hunter2-vol-Pw7 splunk-Tok-8 cred-Val-9 logentries-Tok-10 gelf-Pw-11)

    out=$(docker volume create -d local -o type=cifs -o device=//127.0.0.1/nosuchshare \
        -o o=addr=127.0.0.1,username=u,password=hunter2-vol-Pw7,vers=3.0 "$v" 2>&1)
    check_true "the local CIFS volume is created (dockerd mounts it only when used)" "[ $? -eq 0 ]" "$out"
    out=$(docker run --rm -v "$v:/x" bb true 2>&1)
    check_true "a container using it fails: the mount fails" "[ $? -ne 0 ]" "$out"
    case $out in
    *hunter2-vol-Pw7*) pass "dockerd's own error repeats the mount password (what the record must hide)" ;;
    *) pass "dockerd's error does not repeat the password here (still checked below): $out" ;;
    esac
    docker volume rm -f "$v" >/dev/null 2>&1

    out=$(docker create --name "seclog-$$" --log-driver splunk --log-opt splunk-token=splunk-Tok-8 \
        --log-opt splunk-url=http://127.0.0.1:1 --log-opt splunk-verify-connection=false bb true 2>&1)
    docker start "seclog-$$" >/dev/null 2>&1
    docker rm -f "seclog-$$" >/dev/null 2>&1
    docker create --name "seclog2-$$" --log-driver awslogs --log-opt awslogs-region=us-east-1 \
        --log-opt=awslogs-credentials-endpoint=/cred-Val-9 bb true >/dev/null 2>&1
    docker rm -f "seclog2-$$" >/dev/null 2>&1
    # the same through the API, LogConfig at the top level and in HostConfig
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d '{"Image":"bb","HostConfig":{"LogConfig":{"Type":"logentries","Config":{"logentries-token":"logentries-Tok-10"}}}}' \
        "http://d/v1.41/containers/create?name=seclog3-$$"
    curl -s -o /dev/null --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d '{"Image":"bb","LogConfig":{"Type":"gelf","Config":{"gelf-address":"udp://127.0.0.1:1","gelf-tls-password":"gelf-Pw-11"}}}' \
        "http://d/v1.41/containers/create?name=seclog4-$$"
    docker rm -f "seclog3-$$" "seclog4-$$" >/dev/null 2>&1
    sleep 0.5

    r=$(rec1 "$(req_filter container.create '(tostring|contains("seclog-"))')")
    jq_check "the splunk create is recorded with its options, the token's value redacted" "$r" \
        '(.request.body.HostConfig.LogConfig.Config["splunk-token"]|test("^\\[redacted"))
         and .request.body.HostConfig.LogConfig.Config["splunk-url"]=="http://127.0.0.1:1"
         and .security.log_driver=="splunk"'
    expect_rec "the failed start (volume mount) is recorded with dockerd's error, password redacted" \
        '.stage=="response" and .action=="container.start" and (.response.error|tostring|test("password=\\[redacted"))'
    recs >"$T/sec-all.jsonl"
    out=$(for s in "${secrets[@]}"; do grep -F -- "$s" "$T/sec-all.jsonl" | head -n 1 | cut -c1-600; done)
    check_eq "no driver-option or error-text secret in any record (dockaudit search)" "" "$out"
    for s in "${secrets[@]}"; do
        out=$(grep -rlF -- "$s" "$J" 2>/dev/null)
        [ -n "$out" ] && hits+="$s in: $out"$'\n'
    done
    check_eq "none under the journal directory (grep)" "" "$hits"
    hits=
    for s in "${secrets[@]}"; do
        grep -qF -- "$s" "$T/dockaudit.log" 2>/dev/null && hits+="$s "
    done
    check_eq "none in dockaudit's own log" "" "$hits"
    rm -f "$T/sec-all.jsonl"
}
