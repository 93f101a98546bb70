# shellcheck shell=bash
# dockaudit search filters and formats, dockaudit tail.

_search() { "$DOCKAUDIT" search --journal "$J" "$@" 2>&1; }

test_search_filters() {
    local n=srch-$(rand_hex) cid out all t_mid
    cid=$(docker create --name "$n" bb true 2>/dev/null)
    docker start "$n" >/dev/null 2>&1
    docker rm "$n" >/dev/null 2>&1
    docker start "$n-missing" >/dev/null 2>&1 # a failed call, so --outcome failure has one
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

    out=$(_search --container "$n" | jq -r '.action + "/" + .stage' 2>&1 | sort -u | tr '\n' ' ')
    check_contains "search --container NAME finds the create request" "container.create/request" "$out"
    check_contains "search --container NAME finds the start (name in the path)" "container.start/request" "$out"
    check_contains "search --container NAME finds the delete" "container.delete/request" "$out"
    out=$(_search --container "$cid" | jq -r '.action + "/" + .stage' 2>&1 | sort -u | tr '\n' ' ')
    check_contains "search --container ID finds the create (id known from its response)" "container.create/" "$out"
    out=$(_search --container "${cid:0:12}" | jq -r '.action + "/" + .stage' 2>&1 | sort -u | tr '\n' ' ')
    check_contains "search --container ID-PREFIX (12 chars) finds the start" "container.start/" "$out"
    check_eq "search --container NAME returns only that container's records" "" \
        "$(_search --container "$n" | jq -c "select((tostring|contains(\"$n\") or contains(\"$cid\"))|not) | {seq,action}" 2>&1 | head -n 3)"

    # time window: --since/--until in RFC 3339
    t_mid=$(printf '%s\n' "$all" | jq -r 'select(.action=="container.create" and .request.query.name=="'"$n"'") | .time' | head -n 1)
    out=$(_search --since "$t_mid" --action container.create | jq -r '.request.query.name' 2>&1)
    check_contains "search --since T includes the record at T" "$n" "$out"
    out=$(_search --until "$t_mid" --action container.create | jq -r '.request.query.name' 2>&1)
    check_contains "search --until T includes the record at T" "$n" "$out"
    out=$(_search --since "-1h" --action container.create | jq -r '.request.query.name' 2>&1)
    check_contains "search --since -1h (relative) finds the new call" "$n" "$out"
    out=$(_search --until "2000-01-01T00:00:00Z")
    check_eq "search --until before the journal began returns nothing" "" "$out"
    out=$(_search --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")
    check_eq "search --since in the future returns nothing" "" "$out"

    out=$(_search --format table --kind api --action container.create)
    check_contains "search --format table prints a row naming the container" "$n" "$out"
    check_true "search --format table prints one line per call (create request+response -> 1 line for $n)" \
        '[ "$(printf "%s\n" "$out" | grep -c -- "$n")" -eq 1 ]' "$out"
    check_not "search --format table output is not JSON" jq -e . <<<"$(printf '%s\n' "$out" | tail -n 1)"
    check "ndjson (default): every line is one JSON object" jq -e -s 'length > 0 and all(type=="object")' <<<"$all"
    out=$(_search --count --kind api --action container.create)
    check_eq "search --count counts calls" \
        "$(printf '%s\n' "$all" | jq -s '[.[] | select(.kind=="api" and .action=="container.create") | .request.id] | unique | length')" "$out"
    out=$(_search --kind daemon --action container.create)
    check_true "search --kind daemon: only dockerd's own records (events are on by default)" \
        '[ -n "$out" ] && printf "%s\n" "$out" | jq -e -s "all(.kind==\"daemon\")" >/dev/null' "$out"
    check_not "search --kind with an unknown kind is a usage error" _search --kind apis
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
