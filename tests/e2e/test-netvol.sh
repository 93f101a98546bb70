# shellcheck shell=bash
# Networks and volumes, including a local-driver volume that is a host bind in disguise.

test_network_lifecycle() {
    local net=net-$(rand_hex) n=netc-$(rand_hex) r rs
    check "docker network create through dockaudit" docker network create --label team=e2e "$net"
    check "docker network connect" bash -c "docker run -d --name $n bb sleep 600 >/dev/null && docker network connect $net $n"
    check_eq "the container is attached to the network (dockerd's view)" "true" \
        "$(ddirect inspect -f "{{if index .NetworkSettings.Networks \"$net\"}}true{{end}}" "$n" 2>&1)"
    check "docker network disconnect" docker network disconnect "$net" "$n"
    check "docker network rm" docker network rm "$net"

    r=$(rec1 "$(req_filter network.create)")
    jq_check "network.create record: object network named $net" "$r" \
        ".object.type==\"network\" and .object.name==\"$net\""
    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response)")
    jq_check "network.create response: 201 success with the network id" "$rs" \
        '.response.status==201 and .outcome=="success" and (.object.id|test("^[0-9a-f]{64}$"))'
    expect_rec "network.connect request record for $net" \
        "$(req_filter network.connect "(.request.path|test(\"/networks/$net/connect\$\"))")"
    expect_rec "network.disconnect request record for $net" \
        "$(req_filter network.disconnect "(.request.path|test(\"/networks/$net/disconnect\$\"))")"
    expect_rec "a network.* DELETE record for $net with a success response" \
        ".kind==\"api\" and .stage==\"response\" and .request.method==\"DELETE\" and (.action|startswith(\"network.\")) and (.request.path|test(\"/networks/$net\$\")) and .outcome==\"success\""
    docker rm -f "$n" >/dev/null 2>&1
}

test_volume_host_bind() {
    local v=vol-$(rand_hex) src=$T/volsrc-$RANDOM out r
    mkdir -p "$src"
    echo "volume-marker" >"$src/marker"
    check "docker volume create -o type=none -o o=bind -o device=DIR" \
        docker volume create -o type=none -o o=bind -o "device=$src" "$v"
    out=$(docker run --rm -v "$v:/data" bb cat /data/marker 2>&1)
    check_eq "a container reads the host directory through the volume" "volume-marker" "$out"
    check "docker volume rm" docker volume rm "$v"

    r=$(rec1 "$(req_filter volume.create)")
    jq_check "volume.create record: object volume named $v" "$r" ".object.type==\"volume\" and .object.name==\"$v\""
    jq_check "volume.create record: security.mounts shows the volume as a host bind of $src" "$r" \
        "[.security.mounts[] | select(.source==\"$v\" and .bind==true and .device==\"$src\")] | length==1"
    r=$(rec1 "$(req_filter container.create "(.security.mounts|tostring|test(\"$v\"))")")
    jq_check "container.create using the volume: mount type volume $v -> /data" "$r" \
        "[.security.mounts[] | select(.type==\"volume\" and .source==\"$v\" and .target==\"/data\")] | length==1"
    expect_rec "volume removal recorded with a success response" \
        ".kind==\"api\" and .stage==\"response\" and .request.method==\"DELETE\" and (.action|startswith(\"volume.\")) and (.request.path|test(\"/volumes/$v\$\")) and .outcome==\"success\""
}
