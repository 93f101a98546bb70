# shellcheck shell=bash
# Images: import, save/load of a ~100 MiB image, classic build with a secret build-arg.

test_save_load_100mib() {
    local tag=big-$(rand_hex):1 dir=$T/bigimg id1 id2 out t0 t1 t_proxy t_direct r id
    mkdir -p "$dir"
    head -c 104857600 /dev/urandom >"$dir/blob"
    out=$(tar -C "$dir" -cf - . | docker import - "$tag" 2>&1)
    check_rc "docker import of a 100 MiB tarball through dockaudit (chunked upload)" $? "$out"
    rm -rf "$dir"
    id1=$(ddirect inspect -f '{{.Id}}' "$tag" 2>&1)

    t0=$(date +%s%N)
    out=$(docker save "$tag" -o "$T/big-proxy.tar" 2>&1)
    check_rc "docker save through dockaudit" $? "$out"
    t1=$(date +%s%N)
    t_proxy=$(((t1 - t0) / 1000000))
    t0=$(date +%s%N)
    ddirect save "$tag" -o "$T/big-direct.tar" >/dev/null 2>&1
    t1=$(date +%s%N)
    t_direct=$(((t1 - t0) / 1000000))
    check_true "saved archive has the same size through dockaudit as directly" \
        "[ \"\$(stat -c %s '$T/big-proxy.tar')\" = \"\$(stat -c %s '$T/big-direct.tar')\" ]" \
        "proxy: $(stat -c %s "$T/big-proxy.tar" 2>&1) direct: $(stat -c %s "$T/big-direct.tar" 2>&1)"
    check_true "save through dockaudit is not much slower than direct (<= 4x + 3 s)" \
        "[ $t_proxy -le $((t_direct * 4 + 3000)) ]" "proxy ${t_proxy} ms, direct ${t_direct} ms"
    echo "        (save: proxy ${t_proxy} ms, direct ${t_direct} ms)"
    rm -f "$T/big-direct.tar"

    check "docker rmi through dockaudit" docker rmi "$tag"
    out=$(docker load -i "$T/big-proxy.tar" 2>&1)
    check_rc "docker load through dockaudit" $? "$out"
    id2=$(ddirect inspect -f '{{.Id}}' "$tag" 2>&1)
    check_eq "the loaded image has the original id" "$id1" "$id2"
    rm -f "$T/big-proxy.tar"
    out=$(set -o pipefail; docker save "$tag" | docker load 2>&1)
    check_rc "docker save | docker load through dockaudit" $? "$out"
    check_contains "the pipeline loaded the image" "Loaded image" "$out"

    r=$(rec1 '.kind=="api" and .stage=="request" and (.action=="image.get" or .action=="image.get_all")')
    jq_check "image.get(_all) request record (GET /images/get or /images/NAME/get)" "$r" '.request.method=="GET"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" session)")
    jq_check "image.get session: complete, success, >= 100 MiB response body" "$rs" \
        '.outcome=="success" and .session.end=="complete" and .response.bytes >= 104857600'
    jq_check "image.get session: bytes_out (to the client) >= response body bytes" "$rs" \
        '.session.bytes_out >= .response.bytes'
    r=$(rec1 "$(req_filter image.load)")
    jq_check "image.load request record (POST /images/load)" "$r" '.request.method=="POST"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" session)")
    jq_check "image.load session: complete, success, >= 100 MiB uploaded" "$rs" \
        '.outcome=="success" and .session.end=="complete" and ((.request.bytes // 0) >= 104857600 or .session.bytes_in >= 104857600)'
    docker rmi "$tag" >/dev/null 2>&1
}

test_build_classic() {
    local tag=built-$(rand_hex):1 ctx=$T/buildctx out r
    mkdir -p "$ctx"
    printf 'FROM bb\nARG TOKEN\nRUN echo hi > /x\n' >"$ctx/Dockerfile"
    out=$(DOCKER_BUILDKIT=0 docker build --build-arg TOKEN=s3cr3t-build --build-arg PLAINARG=visible -t "$tag" "$ctx" 2>&1)
    check_rc "classic docker build through dockaudit" $? "$out"
    out=$(docker run --rm "$tag" cat /x 2>&1)
    check_eq "the built image has /x = hi" "hi" "$out"
    r=$(rec1 "$(req_filter image.build)")
    jq_check "image.build request record: POST /build with t=$tag" "$r" \
        ".request.method==\"POST\" and (.request.query.t|tostring|contains(\"$tag\"))"
    jq_check "image.build record keeps the build-arg name TOKEN, value redacted" "$r" \
        '(tostring|contains("TOKEN")) and (tostring|contains("s3cr3t-build")|not)'
    expect_rec "image.build has a success response or session record" \
        "($(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response) or $(stage_of "$(printf '%s' "$r" | jq -r .request.id)" session)) and .outcome==\"success\""
    out=$(grep -rl 's3cr3t-build' "$J" 2>&1)
    check_eq "the build-arg value s3cr3t-build appears nowhere in the journal directory" "" "$out"
    docker rmi "$tag" >/dev/null 2>&1
}
