# shellcheck shell=bash
# Request bodies read exactly as dockerd's Go decoding reads them (issue 10): each test sends a
# crafted body straight to the API through dockaudit, asks the real dockerd what it did
# (`docker inspect` on the private engine) and checks that the record's `security` says at
# least that much.

# dcurl METHOD PATH [BODY [CONTENT-TYPE]]: the call through dockaudit; prints body then status
dcurl() {
    local m=$1 p=$2 body=${3-} ct=${4:-application/json}
    if [ -n "$body" ]; then
        curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X "$m" -H "Content-Type: $ct" \
            --data-binary "$body" "http://d$p"
    else
        curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X "$m" "http://d$p"
    fi
}

status_of() { printf '%s' "$1" | tail -n 1; }

# Class 1: with no "HostConfig" (or a null one) the top-level fields ARE the HostConfig.
test_decode_top_level_hostconfig() {
    local n=dtop-$(rand_hex) body out r insp
    body='{"Image":"bb","Cmd":["true"],"Privileged":true,"Binds":["/:/host"],"CapAdd":"sys_admin","PidMode":"host","HostConfig":null}'
    out=$(dcurl POST "/v1.41/containers/create?name=$n" "$body")
    check_eq "create with top-level HostConfig fields returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect inspect "$n" --format '{{json .HostConfig.Privileged}} {{json .HostConfig.Binds}} {{json .HostConfig.PidMode}}' 2>&1)
    check_eq "dockerd: privileged, / bound at /host, pid host" 'true ["/:/host"] "host"' "$insp"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "record: host_config_from top_level, privileged" "$r" \
        '.security.host_config_from=="top_level" and .security.privileged==true'
    jq_check "record: bind / -> /host" "$r" \
        '[.security.mounts[] | select(.type=="bind" and .source=="/" and .target=="/host")] | length==1'
    jq_check "record: cap_add CAP_SYS_ADMIN, pid_mode host" "$r" \
        '.security.cap_add==["CAP_SYS_ADMIN"] and .security.pid_mode=="host"'
    docker rm -f "$n" >/dev/null 2>&1

    # both forms: the inner HostConfig wins, the top-level Privileged is dropped
    n=dtop-$(rand_hex)
    body='{"Image":"bb","Cmd":["true"],"Privileged":true,"HostConfig":{"PidMode":"host"}}'
    out=$(dcurl POST "/v1.41/containers/create?name=$n" "$body")
    check_eq "create with both forms returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect inspect "$n" --format '{{json .HostConfig.Privileged}} {{json .HostConfig.PidMode}}' 2>&1)
    check_eq "dockerd: the inner HostConfig wins (not privileged, pid host)" 'false "host"' "$insp"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "record: not privileged, pid host, no marker" "$r" \
        '.security.privileged==null and .security.pid_mode=="host" and (.security|has("host_config_from")|not)'
    docker rm -f "$n" >/dev/null 2>&1
}

# Class 2: U+0130/U+0131 fold onto no ASCII letter in Go; U+212A and U+017F do.
test_decode_exact_key_folding() {
    local n=dfold-$(rand_hex) body out r insp
    body='{"Image":"bb","Cmd":["true"],"HostConfig":{"Privileged":true,"Prıvileged":false,"Binds":["/:/h"],"Networ\u212aMode":"host"},"HostConfıg":null}'
    out=$(dcurl POST "/v1.41/containers/create?name=$n" "$body")
    check_eq "create with dotless-i keys returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect inspect "$n" --format '{{json .HostConfig.Privileged}} {{json .HostConfig.Binds}} {{json .HostConfig.NetworkMode}}' 2>&1)
    check_eq "dockerd: Prıvileged and HostConfıg are unknown keys; Kelvin k folds" 'true ["/:/h"] "host"' "$insp"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "record: privileged true, / bound, network host" "$r" \
        '.security.privileged==true and .security.network_mode=="host" and ([.security.mounts[] | select(.source=="/" and .target=="/h")] | length==1)'
    docker rm -f "$n" >/dev/null 2>&1
}

# Class 2 on exec create: "Privileged":true,"Prıvileged":false is a privileged exec.
test_decode_exec_key_folding() {
    local n=dexec-$(rand_hex) out eid r insp
    out=$(docker run -d --name "$n" bb sleep 300 2>&1)
    check_rc "a running container for exec" $? "$out"
    out=$(dcurl POST "/v1.41/containers/$n/exec" \
        '{"Cmd":["true"],"Privileged":true,"Prıvileged":false,"User":"root","İser":"nobody"}')
    check_eq "exec create returns 201" "201" "$(status_of "$out")"
    eid=$(printf '%s' "$out" | head -n 1 | jq -r .Id)
    insp=$(curl -s --unix-socket "$DE_SOCK" "http://d/v1.41/exec/$eid/json" | jq -c '[.ProcessConfig.privileged, .ProcessConfig.user]')
    check_eq "dockerd: the exec is privileged, user root" '[true,"root"]' "$insp"
    r=$(rec1 "$(req_filter container.exec.create "(.request.path|test(\"/containers/$n/exec\$\"))")")
    jq_check "record: exec privileged, user root" "$r" \
        '.security.exec.privileged==true and .security.exec.user=="root"'
    docker rm -f "$n" >/dev/null 2>&1
}

# Class 7: below API 1.24 a start body's HostConfig replaces the container's.
test_decode_old_api_start_body() {
    local n=dstart-$(rand_hex) body out cid r insp mode
    for mode in length chunked; do
        n=dstart-$(rand_hex)
        out=$(dcurl POST "/v1.41/containers/create?name=$n" '{"Image":"bb","Cmd":["sleep","300"]}')
        check_eq "harmless create returns 201 ($mode)" "201" "$(status_of "$out")"
        cid=$(printf '%s' "$out" | head -n 1 | jq -r .Id)
        body='{"Binds":["/etc:/hostetc"],"CapAdd":["SYS_ADMIN"],"PidMode":"host"}'
        if [ "$mode" = chunked ]; then
            out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST \
                -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
                --data-binary "$body" "http://d/v1.23/containers/$cid/start")
        else
            out=$(dcurl POST "/v1.23/containers/$cid/start" "$body")
        fi
        check_eq "old-API start with a HostConfig body returns 204 ($mode)" "204" "$(status_of "$out")"
        insp=$(ddirect inspect "$n" --format '{{json .HostConfig.Binds}} {{json .HostConfig.CapAdd}} {{json .HostConfig.PidMode}}' 2>&1)
        check_eq "dockerd applied the start body ($mode)" '["/etc:/hostetc"] ["SYS_ADMIN"] "host"' "$insp"
        r=$(rec1 "$(req_filter container.start "(.request.path|test(\"/v1.23/containers/$cid/start\$\"))")")
        jq_check "record: container.start carries the HostConfig ($mode)" "$r" \
            '.security.host_config_from=="top_level" and .security.cap_add==["CAP_SYS_ADMIN"] and .security.pid_mode=="host" and ([.security.mounts[] | select(.type=="bind" and .source=="/etc" and .target=="/hostetc")] | length==1)'
        docker rm -f "$n" >/dev/null 2>&1
    done
    # API 1.24+: dockerd refuses a start body; the record says nothing of it
    n=dstart-$(rand_hex)
    out=$(dcurl POST "/v1.41/containers/create?name=$n" '{"Image":"bb","Cmd":["true"]}')
    cid=$(printf '%s' "$out" | head -n 1 | jq -r .Id)
    out=$(dcurl POST "/v1.24/containers/$cid/start" '{"Privileged":true}')
    check "API 1.24 start with a body is refused" test "$(status_of "$out")" -ge 400
    r=$(rec1 "$(req_filter container.start "(.request.path|test(\"/v1.24/containers/$cid/start\$\"))")")
    jq_check "record: no security for a refused 1.24 start body" "$r" '(.security.privileged // null)==null'
    docker rm -f "$n" >/dev/null 2>&1
}

# Item 4: trailing data (ignored by v20.10), per-index merge of Mounts, bare-string strslice,
# escaped keys, Go's ToUpper on capability names, ':' in security-opt.
test_decode_go_semantics_more() {
    local n=dsem-$(rand_hex) body out r insp
    body='{"Image":"bb","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/h"}],"Mounts":[{"Target":"/x"}],"CapAdd":"ſys_admın","\u0050rivileged":true,"SecurityOpt":["apparmor:unconfined"]}}trailing junk'
    out=$(dcurl POST "/v1.41/containers/create?name=$n" "$body")
    check_eq "create with trailing data and merged Mounts returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect inspect "$n" --format '{{range .HostConfig.Mounts}}{{.Type}} {{.Source}} {{.Target}}{{end}} {{json .HostConfig.Privileged}} {{index .HostConfig.SecurityOpt 0}}' 2>&1)
    check_eq "dockerd: bind / at /x, privileged, apparmor:unconfined" 'bind / /x true apparmor:unconfined' "$insp"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "record: bind / -> /x, privileged, CAP_SYS_ADMIN, apparmor unconfined" "$r" \
        '.security.privileged==true and .security.cap_add==["CAP_SYS_ADMIN"] and .security.apparmor=="unconfined" and ([.security.mounts[] | select(.type=="bind" and .source=="/" and .target=="/x")] | length==1)'
    docker rm -f "$n" >/dev/null 2>&1
}

# Class 4 (changes): every `changes` value joined with "\n" and parsed as a Dockerfile. One value
# holds several instructions and a continuation; the image config is what the record says.
test_decode_commit_changes() {
    local n=dcommit-$(rand_hex) repo=dcommit-$(rand_hex) out r insp ch
    out=$(docker create --name "$n" bb true 2>&1)
    check_rc "a container to commit" $? "$out"
    # "LABEL a=b\nuser root\nENTRYPOINT [\"/bin/sh\", \\\n \"-c\"]\nENV TOKEN=s3cret"
    ch='LABEL%20a%3Db%0Auser%20root%0AENTRYPOINT%20%5B%22%2Fbin%2Fsh%22%2C%20%5C%0A%20%22-c%22%5D%0AENV%20TOKEN%3Ds3cret'
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST -H 'Content-Type: application/json' \
        -d '{}' "http://d/v1.41/commit?container=$n&repo=$repo&tag=t1&changes=$ch")
    check_eq "commit with a multi-line changes value returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect image inspect "$repo:t1" --format '{{json .Config.User}} {{json .Config.Entrypoint}} {{json .Config.Labels}}' 2>&1)
    check_eq "dockerd: user root, entrypoint [/bin/sh -c], label a=b" '"root" ["/bin/sh","-c"] {"a":"b"}' "$insp"
    r=$(rec1 "$(req_filter container.commit ".request.query.repo==\"$repo\"")")
    jq_check "record: changes split into instructions" "$r" \
        '.security.commit.changes==["LABEL a=b","USER root","ENTRYPOINT [\"/bin/sh\",  \"-c\"]","ENV TOKEN=[redacted]"]'
    jq_check "record: user root, entrypoint [/bin/sh,-c], env name TOKEN" "$r" \
        '.security.user=="root" and .security.entrypoint==["/bin/sh","-c"] and (.security.env_names|index("TOKEN"))!=null'
    check_not "record never holds the ENV value" grep -q s3cret <<<"$(printf '%s' "$r" | jq -c .security)"
    ddirect rmi "$repo:t1" >/dev/null 2>&1
    docker rm -f "$n" >/dev/null 2>&1
}

# Class 4 (changes) on an image import: the same Dockerfile parsing over an empty config.
test_decode_import_changes() {
    local repo=dimport-$(rand_hex) out r insp ch
    mkdir -p "$T/empty-import" && tar -cf "$T/empty.tar" -C "$T/empty-import" .
    # "USER nobody\nCMD [\"id\"]" in one value
    ch='USER%20nobody%0ACMD%20%5B%22id%22%5D'
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary "@$T/empty.tar" "http://d/v1.41/images/create?fromSrc=-&repo=$repo&tag=t1&changes=$ch")
    check_eq "import with a multi-line changes value returns 200" "200" "$(status_of "$out")"
    insp=$(ddirect image inspect "$repo:t1" --format '{{json .Config.User}} {{json .Config.Cmd}}' 2>&1)
    check_eq "dockerd: user nobody, cmd [id]" '"nobody" ["id"]' "$insp"
    r=$(rec1 "$(req_filter image.import ".request.query.repo==\"$repo\"")")
    jq_check "record: import changes, user nobody, cmd [id]" "$r" \
        '.security.import.changes==["USER nobody","CMD [\"id\"]"] and .security.import.source=="-" and .security.user=="nobody" and .security.cmd==["id"]'
    ddirect rmi "$repo:t1" >/dev/null 2>&1
}

# Class 4 (changes): USER expands $VAR from earlier ENV (dockerd's shell word processing).
test_decode_commit_user_expansion() {
    local n=dcu-$(rand_hex) repo=dcu-$(rand_hex) out r insp
    out=$(docker create --name "$n" bb true 2>&1)
    check_rc "a container to commit" $? "$out"
    # "ENV G=daemon\nUSER \"$G\":${G}"
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -X POST -H 'Content-Type: application/json' \
        -d '{}' "http://d/v1.41/commit?container=$n&repo=$repo&tag=t1&changes=ENV%20G%3Ddaemon%0AUSER%20%22%24G%22%3A%24%7BG%7D")
    check_eq "commit returns 201" "201" "$(status_of "$out")"
    insp=$(ddirect image inspect "$repo:t1" --format '{{json .Config.User}}' 2>&1)
    check_eq "dockerd: user daemon:daemon" '"daemon:daemon"' "$insp"
    r=$(rec1 "$(req_filter container.commit ".request.query.repo==\"$repo\"")")
    jq_check "record: user daemon:daemon, nothing uncertain" "$r" \
        '.security.user=="daemon:daemon" and (.security.uncertain // [])==[]'
    ddirect rmi "$repo:t1" >/dev/null 2>&1
    docker rm -f "$n" >/dev/null 2>&1
}
