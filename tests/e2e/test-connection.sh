# shellcheck shell=bash
# Connection handling: keep-alive, pipelining, half-close (SHUT_WR) propagation.

test_keepalive_each_request_recorded() {
    local ua=ka-$(rand_hex) out n ids
    out=$("$PY" "$E2E_DIR/helpers/rawhttp.py" keepalive "$AUDIT_SOCK" "$ua" 2>&1)
    check_eq "3 requests on one keep-alive connection all answered 200" '{"statuses": [200, 200, 200]}' "$out"
    sleep 0.5
    n=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | wc -l)
    check_eq "each keep-alive request has its own request record" 3 "$n"
    ids=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.id | sort -u | wc -l)
    check_eq "the 3 request records have distinct request ids" 3 "$ids"
    check_eq "the 3 records were made for the same client pid" 1 \
        "$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .actor.pid | sort -u | wc -l)"
    ids=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.id)
    local id miss=
    for id in $ids; do
        [ -n "$(matching "$(stage_of "$id" response)")" ] || miss+="$id "
    done
    check_eq "each keep-alive request has a response record" "" "$miss"
}

test_pipelined_requests() {
    local ua=pl-$(rand_hex) out n
    out=$("$PY" "$E2E_DIR/helpers/rawhttp.py" pipeline "$AUDIT_SOCK" "$ua" 2>&1)
    check_eq "3 pipelined requests answered in order" '{"statuses": [200, 200, 200]}' "$out"
    sleep 0.5
    n=$(matching ".stage==\"request\" and .request.user_agent==\"$ua\"" | jq -r .request.path | tr '\n' ' ')
    check_eq "each pipelined request is recorded, in order" "/_ping /v1.41/version /v1.41/info " "$n"
}

test_half_close_stdin() {
    local f=$T/halfclose.txt out sum
    head -c 1048576 /dev/urandom | base64 >"$f"
    sum=$(sha256sum <"$f" | cut -d' ' -f1)
    out=$(timeout 60 docker run -i --rm bb cat <"$f" | sha256sum | cut -d' ' -f1)
    check_eq "docker run -i bb cat echoes a 1.3 MiB file completely (stdin EOF reaches the container)" "$sum" "$out"
    out=$(printf 'one\ntwo\n' | timeout 30 docker run -i --rm bb sh -c 'cat; echo after-eof')
    check_eq "the container sees EOF on stdin and goes on" "one
two
after-eof" "$out"
}
