# shellcheck shell=bash
# docker cp both ways: files arrive intact; archive.put / archive.get records with byte counts.

test_cp_both_ways() {
    local n=cp-$(rand_hex) src=$T/cp-src.bin sum_src sum_in sum_back r rs id
    docker run -d --name "$n" bb sleep 600 >/dev/null 2>&1
    head -c 5242880 /dev/urandom >"$src"
    sum_src=$(sha256sum <"$src" | cut -d' ' -f1)
    check "docker cp host -> container through dockaudit" docker cp "$src" "$n:/tmp/in.bin"
    sum_in=$(ddirect exec "$n" sha256sum /tmp/in.bin 2>&1 | cut -d' ' -f1)
    check_eq "the copied file is intact inside the container (sha256)" "$sum_src" "$sum_in"
    rm -f "$T/cp-back.bin"
    check "docker cp container -> host through dockaudit" docker cp "$n:/tmp/in.bin" "$T/cp-back.bin"
    sum_back=$(sha256sum <"$T/cp-back.bin" 2>/dev/null | cut -d' ' -f1)
    check_eq "the file copied back is intact (sha256)" "$sum_src" "$sum_back"

    r=$(rec1 "$(req_filter container.archive.put "(.request.path|test(\"/containers/$n/archive\$\"))")")
    jq_check "container.archive.put record: PUT, path=/tmp in the query" "$r" \
        '.request.method=="PUT" and (.request.query.path=="/tmp" or .request.query.path=="/tmp/")'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" response)")
    jq_check "archive.put response: 200 success" "$rs" '.response.status==200 and .outcome=="success"'
    expect_rec "archive.put: a later-stage record counts >= 5 MiB of request bytes" \
        "($(stage_of "$id" response) or $(stage_of "$id" session)) and .request.bytes >= 5242880"
    r=$(rec1 "$(req_filter container.archive.get "(.request.path|test(\"/containers/$n/archive\$\"))")")
    jq_check "container.archive.get record: GET, path=/tmp/in.bin" "$r" \
        '.request.method=="GET" and .request.query.path=="/tmp/in.bin"'
    rs=$(rec1 "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" response)")
    jq_check "archive.get response: 200 success, response bytes >= 5 MiB" "$rs" \
        '.response.status==200 and .outcome=="success" and .response.bytes >= 5242880'
    docker rm -f "$n" >/dev/null 2>&1
}
