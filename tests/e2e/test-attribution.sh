# shellcheck shell=bash
# Who made the call: loginuid behind a root shell, a docker-group user, a client in a container.

test_attr_root_with_loginuid() {
    local auid n=attr-alice-$(rand_hex) out r
    ensure_user alice 1001
    auid=$(id -u alice)
    out=$(sh -c "echo $auid > /proc/self/loginuid && exec docker create --name $n bb true" 2>&1)
    check_rc "root shell with loginuid=alice creates a container through dockaudit" $? "$out"
    sh -c "echo $auid > /proc/self/loginuid && exec docker ps -a" >/dev/null 2>&1
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "actor: uid 0, user root" "$r" '.actor.uid==0 and .actor.user=="root"'
    jq_check "actor: loginuid $auid, login_user alice" "$r" ".actor.loginuid==$auid and .actor.login_user==\"alice\""
    jq_check "actor: sessionid set, auth peercred" "$r" \
        '(.actor.sessionid|type)=="number" and .actor.sessionid!=4294967295 and .actor.auth=="peercred"'
    jq_check "actor: pid, comm docker, exe, cmdline with the container name, no container" "$r" \
        "(.actor.pid|type)==\"number\" and .actor.pid>1 and (.actor.comm|test(\"docker\")) and
         (.actor.exe|test(\"docker\")) and (.actor.cmdline|index(\"$n\")!=null) and .actor.container==null"
    jq_check "actor: parent chain is a list" "$r" '(.actor.parents|type)=="array"'
    docker rm "$n" >/dev/null 2>&1
}

test_attr_docker_group_user() {
    local buid bgid n=attr-bob-$(rand_hex) out r
    ensure_user bob "" docker
    ensure_user carol ""
    buid=$(id -u bob)
    bgid=$(id -g bob)
    mkdir -p "$T/bobcfg" "$T/carolcfg"
    chown bob "$T/bobcfg"
    chown carol "$T/carolcfg"
    check_eq "the audit socket is mode 0660 group docker" "660 docker" "$(stat -c '%a %G' "$AUDIT_SOCK" 2>&1)"
    out=$(setpriv --reuid "$buid" --regid "$bgid" --init-groups \
        env HOME="$T/bobcfg" DOCKER_CONFIG="$T/bobcfg" docker create --name "$n" bb true 2>&1)
    check_rc "bob (docker group) creates a container through dockaudit" $? "$out"
    out=$(setpriv --reuid carol --regid "$(id -g carol)" --init-groups \
        env HOME="$T/carolcfg" DOCKER_CONFIG="$T/carolcfg" docker ps 2>&1)
    check_true "carol (not in group docker) is refused by the socket permissions" "[ $? -ne 0 ]" "$out"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "actor: uid $buid, user bob" "$r" ".actor.uid==$buid and .actor.user==\"bob\""
    jq_check "actor: gid $bgid and group $(id -gn bob) (SO_PEERCRED: bob's primary group)" "$r" \
        ".actor.gid==$bgid and .actor.group==\"$(id -gn bob)\""
    expect_no_rec "nothing was recorded for carol" '.actor.user=="carol"'
    docker rm "$n" >/dev/null 2>&1
}

test_attr_client_in_container() {
    local n=attr-in-$(rand_hex) cid rc out r
    cid=$(docker run -d --name "$n" -v "$AUDIT_SOCK:/var/run/docker.sock" bbcli \
        /docker -H unix:///var/run/docker.sock create --name "$n-made" bb true 2>&1)
    check_true "a container with the audit socket mounted was started" "[[ '$cid' =~ ^[0-9a-f]{64}$ ]]" "$cid"
    rc=$(docker wait "$n" 2>&1)
    out=$(docker logs "$n" 2>&1)
    check_eq "the docker CLI inside the container succeeded" 0 "$rc"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n-made\"")")
    jq_check "actor.container is the calling container's full id" "$r" ".actor.container==\"$cid\""
    jq_check "actor.comm is the CLI inside the container, uid 0" "$r" '(.actor.comm|test("docker")) and .actor.uid==0'
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "the host-side docker run has actor.container null" "$r" '.actor.container==null'
    docker rm -f "$n" "$n-made" >/dev/null 2>&1
}

test_search_by_user() {
    local all want got
    ensure_user alice 1001
    sh -c "echo $(id -u alice) > /proc/self/loginuid && exec docker ps" >/dev/null 2>&1
    sleep 0.5
    all=$(recs)
    want=$(printf '%s\n' "$all" | jq -r 'select(.actor.user=="alice" or .actor.login_user=="alice") | .request.id // .id' | sort -u)
    got=$("$DOCKAUDIT" search --journal "$J" --user alice 2>&1)
    check "dockaudit search --user alice exits 0" "$DOCKAUDIT" search --journal "$J" --user alice
    check_true "alice made calls (test precondition)" '[ -n "$want" ]'
    check_eq "search --user alice returns exactly alice's calls (request ids)" "$want" \
        "$(printf '%s\n' "$got" | jq -r '.request.id // .id' 2>&1 | sort -u)"
    check_eq "search --user alice returns no record of another actor" "" \
        "$(printf '%s\n' "$got" | jq -c 'select(.actor!=null and .actor.user!="alice" and .actor.login_user!="alice") | {seq,actor:.actor.user,login:.actor.login_user}' 2>&1 | head -n 5)"
}
