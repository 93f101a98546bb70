# shellcheck shell=bash
# dockaudit search filters and formats, dockaudit tail.

_search() { "$DOCKAUDIT" search --journal "$J" "$@" 2>&1; }

test_search_filters() {
    local n=srch-$(rand_hex) cid out all t_mid
    cid=$(docker create --name "$n" bb true 2>/dev/null)
    docker start "$n" >/dev/null 2>&1
    docker rm "$n" >/dev/null 2>&1
    sleep 0.5
    all=$(recs)

    out=$(_search --action container.create)
    check_true "search --action container.create returns records" '[ -n "$out" ]'
    check_eq "search --action returns only that action" "container.create" \
        "$(printf '%s\n' "$out" | jq -r .action 2>&1 | sort -u)"
    check_eq "search --action finds every container.create record" \
        "$(printf '%s\n' "$all" | jq -c 'select(.action=="container.create") | .seq' | sort -n)" \
        "$(printf '%s\n' "$out" | jq -c .seq 2>&1 | sort -n)"

    out=$(_search --outcome failure)
    check_true "search --outcome failure returns records" '[ -n "$out" ]'
    # a call's outcome is that of its last record; every record of a failed call is printed
    check_eq "search --outcome failure returns only calls whose last record is a failure" "failure" \
        "$(printf '%s\n' "$out" | jq -s -r 'group_by(.request.id // .id) | map(.[-1].outcome) | unique | .[]' 2>&1)"
    check_eq "search --outcome failure finds every failed call" \
        "$(printf '%s\n' "$all" | jq -s -r 'group_by(.request.id // .id) | map(select(.[-1].outcome=="failure") | .[0].request.id // .[0].id) | sort | .[]')" \
        "$(printf '%s\n' "$out" | jq -s -r 'map(.request.id // .id) | unique | .[]' 2>&1)"

    out=$(_search --container "$n")
    check_true "search --container NAME finds the container's calls" \
        "printf '%s\n' \"\$out\" | jq -e 'select(.action==\"container.create\" and .request.query.name==\"$n\")' >/dev/null" "$out"
    check_true "search --container NAME also finds start (by name in the path)" \
        "printf '%s\n' \"\$out\" | jq -e 'select(.action==\"container.start\")' >/dev/null" "$out"
    out=$(_search --container "$cid")
    check_true "search --container ID finds the create (by the id in its response)" \
        "printf '%s\n' \"\$out\" | jq -e 'select(.action==\"container.create\")' >/dev/null" "$out"
    check_eq "search --container NAME returns only that container's records" "" \
        "$(_search --container "$n" | jq -c "select((tostring|contains(\"$n\") or contains(\"$cid\"))|not) | {seq,action}" 2>&1 | head -n 3)"

    # time window: --since/--until in RFC 3339
    t_mid=$(printf '%s\n' "$all" | jq -r 'select(.action=="container.create" and .request.query.name=="'"$n"'") | .time' | head -n 1)
    out=$(_search --since "$t_mid" --action container.create)
    check_true "search --since T includes the record at T" \
        "printf '%s\n' \"\$out\" | jq -e 'select(.request.query.name==\"$n\")' >/dev/null" "$out"
    out=$(_search --until "2000-01-01T00:00:00Z")
    check_eq "search --until before the journal began returns nothing" "" "$out"
    out=$(_search --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")
    check_eq "search --since in the future returns nothing" "" "$out"

    out=$(_search --format table --action container.create)
    check_contains "search --format table prints a row naming the container" "$n" "$out"
    check_true "search --format table is not JSON" "! printf '%s\n' \"\$out\" | head -n 1 | jq -e . >/dev/null 2>&1"
    check_true "ndjson (default): every line is one JSON object" \
        "printf '%s\n' \"\$all\" | jq -e -s 'length > 0 and all(type==\"object\")' >/dev/null"
}

test_tail() {
    local n=tail-$(rand_hex) out pid i
    out=$("$DOCKAUDIT" tail --journal "$J" 2>&1 | tail -n 5)
    check_true "dockaudit tail prints recent records" '[ -n "$out" ]' "$out"
    "$DOCKAUDIT" tail -f --journal "$J" >"$T/tail-f.out" 2>&1 &
    pid=$!
    sleep 1
    docker create --name "$n" bb true >/dev/null 2>&1
    for ((i = 0; i < 50; i++)); do
        grep -q "$n" "$T/tail-f.out" 2>/dev/null && break
        sleep 0.2
    done
    check "dockaudit tail -f shows a new call as it happens" grep -q "$n" "$T/tail-f.out"
    check "dockaudit tail -f keeps running" kill -0 "$pid"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    docker rm "$n" >/dev/null 2>&1
}
