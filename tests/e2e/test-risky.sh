# shellcheck shell=bash
# Risky container options: the create record must carry the exact security fields.

test_create_risky_options() {
    local n=rk-$(rand_hex) out cid r rs
    out=$(docker create --name "$n" --privileged -v /:/host --cap-add SYS_ADMIN \
        --pid host --ipc host --uts host \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --device /dev/null:/dev/xnull --user 1000:1000 --log-driver none \
        --sysctl net.ipv4.ip_forward=1 bb true 2>&1)
    check_rc "docker create with risky options succeeds through dockaudit" $? "$out"
    cid=$(printf '%s\n' "$out" | grep -oE '^[0-9a-f]{64}$' | tail -n 1)
    check "docker create printed the container id" test -n "$cid"
    # start may fail in restricted sandboxes ("unable to apply caps"); the create record is what counts
    docker start "$n" >/dev/null 2>&1
    local start_rc=$?

    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "container.create request record exists" "$r" '.outcome=="pending" and .request.method=="POST"'
    jq_check "security.privileged is true" "$r" '.security.privileged==true'
    jq_check "security.cap_add is [CAP_SYS_ADMIN]" "$r" '.security.cap_add==["CAP_SYS_ADMIN"]'
    jq_check "security.mounts has bind / -> /host rw" "$r" \
        '[.security.mounts[] | select(.type=="bind" and .source=="/" and .target=="/host" and .rw==true)] | length==1'
    jq_check "security.pid_mode is host" "$r" '.security.pid_mode=="host"'
    jq_check "security.ipc_mode is host" "$r" '.security.ipc_mode=="host"'
    jq_check "security.uts_mode is host" "$r" '.security.uts_mode=="host"'
    jq_check "security.seccomp is unconfined" "$r" '.security.seccomp=="unconfined"'
    jq_check "security.apparmor is unconfined" "$r" '.security.apparmor=="unconfined"'
    jq_check "security.devices names /dev/null" "$r" '(.security.devices|length)==1 and (.security.devices[0]|tostring|contains("/dev/null"))'
    jq_check "security.user is 1000:1000" "$r" '.security.user=="1000:1000"'
    jq_check "security.log_driver is none" "$r" '.security.log_driver=="none"'
    jq_check "security.sysctls has net.ipv4.ip_forward=1" "$r" \
        '(.security.sysctls|tostring|test("net\\.ipv4\\.ip_forward")) and (.security.sysctls|tostring|test("\"1\"|=1"))'
    jq_check "object: container, name, image bb" "$r" \
        ".object.type==\"container\" and .object.name==\"$n\" and (.object.image==\"bb\" or .object.image==\"bb:latest\")"

    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response)")
    jq_check "create response: 201, success, object.id is the new container id" "$rs" \
        ".response.status==201 and .outcome==\"success\" and .object.id==\"$cid\""

    r=$(rec1 "$(req_filter container.start "(.request.path|test(\"/containers/($n|$cid)/start\$\"))")")
    jq_check "container.start request record names the container" "$r" \
        ".object.type==\"container\" and (.object.id==\"$cid\" or .object.name==\"$n\" or .object.id==\"$n\")"
    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response)")
    if [ $start_rc -eq 0 ]; then
        jq_check "container.start response: success (docker start exited 0)" "$rs" '.outcome=="success" and .response.status==204'
    else
        jq_check "container.start response: failure with the daemon's error (docker start failed)" "$rs" \
            '.outcome=="failure" and .response.status>=400 and (.response.error|type)=="string" and (.response.error|length)>0'
    fi
    docker rm -f "$n" >/dev/null 2>&1
}

test_run_risky_mounts_network() {
    local n=rk-$(rand_hex) out r
    mkdir -p "$T/hostdata"
    echo "hostfile-content" >"$T/hostdata/f"
    out=$(docker run --rm --name "$n" -v "$T/hostdata:/data:ro" --mount type=bind,src=/etc,dst=/hostetc,readonly \
        --network host --cap-add NET_ADMIN --cap-drop MKNOD -e PLAIN=1 bb cat /data/f 2>&1)
    check_eq "docker run with a read-only bind mount works through dockaudit" "hostfile-content" "$out"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "mounts: bind $T/hostdata -> /data read-only" "$r" \
        "[.security.mounts[] | select(.type==\"bind\" and .source==\"$T/hostdata\" and .target==\"/data\" and .rw==false)] | length==1"
    jq_check "mounts: --mount bind /etc -> /hostetc read-only" "$r" \
        '[.security.mounts[] | select(.type=="bind" and .source=="/etc" and .target=="/hostetc" and .rw==false)] | length==1'
    jq_check "security.network_mode is host" "$r" '.security.network_mode=="host"'
    jq_check "security.cap_add is [CAP_NET_ADMIN]" "$r" '.security.cap_add==["CAP_NET_ADMIN"]'
    jq_check "security.privileged is false" "$r" '.security.privileged==false'
    expect_rec "docker run produced a container.start request" "$(req_filter container.start)" '.stage=="request"'
    expect_rec "docker run produced a container.attach request" "$(req_filter container.attach)" '.stage=="request"'
}

# Go's encoding/json (what dockerd uses): keys match case-insensitively, the last duplicate wins.
# The record must describe what dockerd executed, checked against `docker inspect`.
test_create_go_json_semantics() {
    local n=gojson-$(rand_hex) body out r insp
    body='{"Image":"bb","Cmd":["true"],"HostConfig":{"Privileged":false,"privileged":true,"capadd":["sys_module"],"Binds":["/etc:/hostetc"],"binds":["/:/rootfs"],"PidMode":"","PIDMODE":"host"}}'
    out=$(curl -s -w '\n%{http_code}' --unix-socket "$AUDIT_SOCK" -H 'Content-Type: application/json' \
        -d "$body" "http://d/v1.41/containers/create?name=$n")
    check_eq "raw create with duplicate/case-folded keys returns 201" "201" "$(printf '%s' "$out" | tail -n 1)"
    insp=$(ddirect inspect "$n" --format '{{json .HostConfig.Privileged}} {{json .HostConfig.Binds}} {{json .HostConfig.PidMode}}' 2>&1)
    check_eq "dockerd executed privileged, binds [/:/rootfs], pid host (Go semantics)" 'true ["/:/rootfs"] "host"' "$insp"
    r=$(rec1 "$(req_filter container.create ".request.query.name==\"$n\"")")
    jq_check "record: privileged true (last duplicate, case-insensitive)" "$r" '.security.privileged==true'
    jq_check "record: the only bind mount is / -> /rootfs" "$r" \
        '[.security.mounts[] | select(.type=="bind")] | map(.source+":"+.target) == ["/:/rootfs"]'
    jq_check "record: cap_add is SYS_MODULE" "$r" '(.security.cap_add|map(ascii_upcase|sub("^CAP_";""))) == ["SYS_MODULE"]'
    jq_check "record: pid_mode host" "$r" '.security.pid_mode=="host"'
    docker rm -f "$n" >/dev/null 2>&1
}
