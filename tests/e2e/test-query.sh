# shellcheck shell=bash
# Parameters and routes as dockerd reads them (src/event/form.c, src/capture/query.c,
# src/event/actions.c): every value of a repeated parameter, urlencoded form bodies read
# before the query, pairs Go drops, names with '/' on {name:.*} routes, link removal. Each
# test checks what the real dockerd did against what the record says.

# q_curl METHOD PATH [curl args...]: one call through the proxy; prints the body
q_curl() {
    local m=$1 p=$2
    shift 2
    curl -s -X "$m" --unix-socket "$AUDIT_SOCK" "$@" "http://d$p"
}

test_commit_all_changes() {
    local c r img
    c=qc-$(rand_hex)
    ddirect create --name "$c" bb true >/dev/null
    q_curl POST "/v1.41/commit?container=$c&repo=qcimg&tag=$c&changes=LABEL+qa%3Dqb&changes=USER+nobody&changes=ENV+QV%3D1" \
        -H 'Content-Type: application/json' -d '{}' >/dev/null
    img=$(ddirect image inspect "qcimg:$c" --format '{{json .Config}}' 2>&1)
    jq_check "dockerd applied all three changes (label, user, env)" "$img" \
        '.Labels.qa=="qb" and .User=="nobody" and (.Env|index("QV=1")!=null)'
    r=$(rec1 "$(req_filter container.commit ".request.query.container==\"$c\"")")
    jq_check "request.query.changes lists all three, in order" "$r" \
        '.request.query.changes==["LABEL qa=qb","USER nobody","ENV QV=1"]'
    jq_check "security.commit.changes lists all three" "$r" \
        '(.security.commit.changes|length)==3 and (.security.commit.changes|index("USER nobody")!=null)'
    ddirect rm -f "$c" >/dev/null 2>&1
    ddirect rmi "qcimg:$c" >/dev/null 2>&1
}

test_form_body_pull() {
    local out r n
    n=qf$(rand_hex)
    out=$(q_curl POST "/v1.41/images/create?fromSrc=-&repo=$n" \
        -H 'Content-Type: application/x-www-form-urlencoded' --data "fromImage=localhost:1/$n-evil")
    # dockerd's error is its attempt to reach the registry the body named
    check_contains "dockerd pulled the form body's fromImage (it contacted localhost:1)" \
        'http://localhost:1/v2/' "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and (.request.path|test("/images/create")) and ((.request.query.repo // "")=="'"$n"'")')
    jq_check "the call is recorded as image.pull (not image.import)" "$r" '.action=="image.pull"'
    jq_check "request.query: the body's fromImage first, then the query's fromSrc" "$r" \
        '.request.query.fromImage=="localhost:1/'"$n"'-evil" and .request.query.fromSrc=="-"'
    jq_check "the record names the pulled image" "$r" '(.object.image // "")|test("localhost:1/'"$n"'-evil")'

    # a body under another type is not read: dockerd imports (and fails: the body is no tar)
    out=$(q_curl POST "/v1.41/images/create?fromSrc=-&repo=${n}b" \
        -H 'Content-Type: text/plain' --data "fromImage=localhost:1/$n-evil")
    check_not "with Content-Type text/plain dockerd does not pull" \
        bash -c 'printf %s "$1" | grep -q "localhost:1"' _ "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and ((.request.query.repo // "")=="'"$n"'b")')
    jq_check "... and the record says image.import" "$r" '.action=="image.import"'
}

test_semicolon_pair_dropped() {
    local c r st
    c=qs-$(rand_hex)
    ddirect run -d --name "$c" --network none bb sleep 300 >/dev/null
    # a malformed Content-Type makes Go drop the bad pair silently (no 400): signal=TERM,
    # which PID 1 ignores, so the container keeps running
    q_curl POST "/v1.41/containers/$c/kill?signal=KILL;x=1&signal=TERM" \
        -H 'Content-Type: text/plain; bogus' >/dev/null
    sleep 1
    st=$(ddirect inspect -f '{{.State.Running}}' "$c" 2>&1)
    check_eq "dockerd sent TERM (ignored by PID 1), not KILL: still running" true "$st"
    r=$(rec1 "$(req_filter container.kill ".object.name==\"$c\"")")
    jq_check "request.query.signal is TERM only (the ';' pair is not claimed)" "$r" \
        '.request.query.signal=="TERM"'
    ddirect rm -f "$c" >/dev/null 2>&1
}

test_slashed_names() {
    local r out n
    n=reg.example/ns/q$(rand_hex)
    ddirect tag bb:latest "$n:1" >/dev/null
    out=$(q_curl GET "/v1.41/images/$n:1/json")
    check_contains "GET /images/<name with slashes>/json answers the image" '"Id"' "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.path=="/v1.41/images/'"$n"':1/json"')
    jq_check "classified image.inspect with the whole name" "$r" \
        '.action=="image.inspect" and .object.name=="'"$n"':1"'
    q_curl POST "/v1.41/images/$n:1/tag?repo=$n&tag=2" >/dev/null
    check "dockerd tagged it" ddirect image inspect "$n:2"
    r=$(rec1 "$(req_filter image.tag ".object.name==\"$n:1\"")")
    jq_check "POST /images/<name>/tag recorded as image.tag of that name" "$r" '.request.query.tag=="2"'
    ddirect rmi "$n:1" "$n:2" >/dev/null 2>&1
}

test_link_removal() {
    local db web web2 r out
    db=qdb-$(rand_hex)
    web=qweb-$(rand_hex)
    web2=qweb2-$(rand_hex)
    ddirect create --name "$db" bb true >/dev/null
    if ! check "a container with a legacy link can be created" \
        ddirect create --name "$web" --link "$db:al" bb true; then
        return
    fi
    ddirect create --name "$web2" --link "$db:al2" bb true >/dev/null

    # the alias names the linked container: dockerd reads {name:.*} = "web/al"
    out=$(q_curl GET "/v1.41/containers/$web/al/json")
    jq_check "GET /containers/<parent>/<alias>/json answers the linked container" "$out" \
        '.Name=="/'"$db"'"'
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.path=="/v1.41/containers/'"$web"'/al/json"')
    jq_check "recorded as container.inspect of \"$web/al\"" "$r" \
        '.action=="container.inspect" and .object.name=="'"$web"'/al"'

    # link=off is true for Go's BoolValue: only the link goes
    q_curl DELETE "/v1.41/containers/$web/al?link=off" >/dev/null
    check "the linked container still exists" ddirect inspect "$db"
    out=$(ddirect inspect -f '{{json .HostConfig.Links}}' "$web" 2>&1)
    check_not "the link is gone from $web" bash -c 'printf %s "$1" | grep -q "/al"' _ "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.method=="DELETE" and .object.name=="'"$web"'/al"')
    jq_check "recorded as container.link.delete of \"$web/al\"" "$r" '.action=="container.link.delete"'

    # link=0: a container delete, of the container the alias names
    q_curl DELETE "/v1.41/containers/$web2/al2?link=0" >/dev/null
    check_not "link=0 deleted the linked container itself" ddirect inspect "$db"
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.method=="DELETE" and .object.name=="'"$web2"'/al2"')
    jq_check "recorded as container.delete of \"$web2/al2\"" "$r" '.action=="container.delete"'
    ddirect rm -f "$web" "$web2" "$db" >/dev/null 2>&1
}

test_version_and_repeated_names() {
    local r out n
    # dockerd compares versions part by part as integers: 1.041 is 1.41
    out=$(q_curl GET "/v1.041/version")
    check_contains "dockerd accepts /v1.041/ (1.041 == 1.41)" '"ApiVersion"' "$out"
    r=$(rec1 '.kind=="api" and .stage=="request" and .request.path=="/v1.041/version"')
    jq_check "recorded as system.version with api_version 1.041" "$r" \
        '.action=="system.version" and .request.api_version=="1.041"'

    # images/get reads every "names" value
    n=qn$(rand_hex)
    ddirect tag bb:latest "$n:a" >/dev/null
    ddirect tag bb:latest "$n:b" >/dev/null
    q_curl GET "/v1.41/images/get?names=$n:a&names=$n:b" -o "$T/$n.tar"
    out=$(tar -xOf "$T/$n.tar" manifest.json 2>&1)
    jq_check "dockerd exported both names" "$out" \
        '[.[].RepoTags[]] | (index("'"$n"':a")!=null and index("'"$n"':b")!=null)'
    r=$(rec1 "$(req_filter image.get_all)")
    jq_check "request.query.names lists both" "$r" '.request.query.names==["'"$n"':a","'"$n"':b"]'
    ddirect rmi "$n:a" "$n:b" >/dev/null 2>&1
    rm -f "$T/$n.tar"
}

test_build_multipart_body_flagged() {
    local out r n f
    n=qb$(rand_hex)
    f=$T/$n.body
    # /build never calls ParseForm: its first r.FormValue parses a multipart/form-data body
    # and appends its values after the query's, so "remote" can sit in the body.  postBuild
    # has already peeked at the body (a bufio.Reader: up to 4 KiB), so the parts must follow
    # a preamble longer than that, which the multipart reader skips.
    "$PY" - "$f" "$n" <<'PYEOF'
import sys
path, n = sys.argv[1], sys.argv[2]
pre = ("x" * 62 + "\r\n") * 100
body = (pre + "--qbnd\r\nContent-Disposition: form-data; name=\"remote\"\r\n\r\n"
        "http://localhost:1/" + n + ".tar\r\n--qbnd--\r\n")
open(path, "w").write(body)
PYEOF
    out=$(q_curl POST "/v1.41/build?t=$n:1" -H 'Content-Type: multipart/form-data; boundary=qbnd' \
        --data-binary "@$f")
    check_contains "dockerd read remote from the multipart body (it tried to fetch it)" \
        "localhost:1/$n.tar" "$out"
    r=$(rec1 "$(req_filter image.build ".request.query.t==\"$n:1\"")")
    jq_check "the record says it could not read that body (security.uncertain)" "$r" \
        '(.security.uncertain // [])|map(test("multipart"))|any'
    rm -f "$f"
}
