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
    expect_rec "archive.put: a record of the call counts >= 5 MiB uploaded (request.bytes or session.bytes_in)" \
        ".request.id==\"$id\" and ((.request.bytes // 0) >= 5242880 or (.session.bytes_in // 0) >= 5242880)"
    r=$(rec1 "$(req_filter container.archive.get "(.request.path|test(\"/containers/$n/archive\$\"))")")
    jq_check "container.archive.get record: GET, path=/tmp/in.bin" "$r" \
        '.request.method=="GET" and .request.query.path=="/tmp/in.bin"'
    id=$(printf '%s' "$r" | jq -r .request.id)
    rs=$(rec1 "$(stage_of "$id" response)")
    jq_check "archive.get response: 200 success" "$rs" '.response.status==200 and .outcome=="success"'
    rs=$(rec1 "$(stage_of "$id" session)")
    jq_check "archive.get session record: complete, >= 5 MiB body sent to the client" "$rs" \
        '.outcome=="success" and .response.bytes >= 5242880 and .session.end=="complete"'
    jq_check "archive.get session: bytes_out (to the client) >= response body bytes" "$rs" \
        '.session.bytes_out >= .response.bytes'
    docker rm -f "$n" >/dev/null 2>&1
}
