# shellcheck shell=bash
# Forward-secure seals against a real dockerd: an intruder who copies seal.key mid-run and
# rewrites an early container.create (privileged -> false), re-chaining and re-sealing, is
# caught by `verify --key k0` (and not by the chain alone); kill -9 rounds under heavy writes
# with a key: recovery, a seal after each restart, verify --key passes, nothing acknowledged lost.

_forge() { "$PY" "$E2E_DIR/helpers/seal_forge.py" "$@" 2>&1; }

# _seal_instance NAME EVERY INTERVAL SEGSIZE: init $T/js-NAME with k0 in $T/k0-NAME and a config
# with small seals/segments; sets SJ, SSOCK, SLOG, SK0, SCONF
_seal_instance() {
    SJ=$T/js-$1
    SSOCK=$T/s$1.sock
    SLOG=$T/s$1.log
    SK0=$T/k0-$1
    SCONF=$T/s$1.yaml
    rm -rf "$SJ" "$SK0"
    "$DOCKAUDIT" init --journal "$SJ" --verification-key-out "$SK0" >>"$SLOG" 2>&1
    cat >"$SCONF" <<EOF
journal:
  seal_every: $2
  seal_interval: $3
  segment_size: $4
EOF
}

_seal_start() { # prints the pid; fails when it does not answer
    local pid
    pid=$(da_launch "$SJ" "$SSOCK" "$SLOG" --config "$SCONF" --socket-group root)
    wait_ping "$SSOCK" "$pid" 30 || { echo "$pid"; return 1; }
    echo "$pid"
}

_seal_wait_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

test_seal_stolen_key_rewrite_is_caught() {
    local pid sfx out rc info fseq sseq sepoch i nseals
    sfx=$(rand_hex 3)
    _seal_instance fs 5 200ms 16KiB
    pid=$(_seal_start) || { fail "dockaudit with seals starts" "$(tail -n 20 "$SLOG")"; return; }
    docker -H "unix://$SSOCK" create --privileged --name "fs-priv-$sfx" bb true >/dev/null 2>&1
    check "docker create --privileged through dockaudit" ddirect inspect "fs-priv-$sfx"
    for ((i = 1; i <= 12; i++)); do
        docker -H "unix://$SSOCK" create --name "fs-$sfx-$i" bb true >/dev/null 2>&1
    done
    sleep 0.5
    # the intruder, root on this host, copies the running key mid-run...
    cp "$SJ/seal.key" "$T/stolen-$sfx.key"
    for ((i = 13; i <= 20; i++)); do
        docker -H "unix://$SSOCK" create --name "fs-$sfx-$i" bb true >/dev/null 2>&1
    done
    kill -TERM "$pid"
    _seal_wait_exit "$pid" 10
    out=$("$DOCKAUDIT" verify --journal "$SJ" --key "$SK0" --strict 2>&1)
    check_rc "the honest journal verifies with k0 (--strict) before the attack" $? "$out"
    nseals=$(printf '%s' "$out" | sed -n 's/^OK: .*, \([0-9]*\) seals,.*/\1/p' | head -n 1)
    check_true "it has several seals ($nseals) and segments" \
        "[ \$(ls '$SJ'/*.jsonl | wc -l) -ge 2 ] && [ '${nseals:-0}' -ge 4 ]" "$out"
    rm -rf "$SJ.fixed"
    cp -a "$SJ" "$SJ.fixed"

    # ...and later hides the privileged container: edit, re-chain, re-seal with what it holds
    info=$(_forge "$SJ" "$T/stolen-$sfx.key" "fs-priv-$sfx" evolve)
    fseq=$(printf '%s' "$info" | jq -r .forged_seq)
    sseq=$(printf '%s' "$info" | jq -r .first_seal_after)
    sepoch=$(printf '%s' "$info" | jq -r .first_seal_epoch)
    check_true "the forger rewrote the record and re-sealed the seals after it, from an epoch before the theft ($info)" \
        "[[ '$fseq' =~ ^[0-9]+$ ]] && [[ '$sseq' =~ ^[0-9]+$ ]] && [ '$sepoch' -lt '$(printf '%s' "$info" | jq .stolen_epoch)' ]" "$info"
    out=$(recs "$SJ" | jq -c "select(.seq==$fseq)")
    jq_check "the journal now says the container was not privileged" "$out" '.security.privileged == false'

    out=$("$DOCKAUDIT" verify --journal "$SJ" 2>&1)
    check_rc "verify without the key passes: the chain alone proves nothing against root" $? "$out"
    out=$("$DOCKAUDIT" verify --journal "$SJ" --key "$SK0" 2>&1)
    rc=$?
    check_eq "verify --key k0 exits 1 on the re-sealed journal" 1 "$rc"
    check_contains "it fails at the first seal over the forged record, seal MAC invalid" \
        "DAMAGED: seq $sseq: seal MAC invalid" "$out"
    check_contains "it says records from there on are unverified" \
        "unverified: seq $sseq and everything after it" "$out"
    check_contains "it says which records only chain (not vouched for), the forged one among them" \
        "not vouched for: seq " "$out"
    check_true "it does not call the records after the failure good" "[[ \$out != *'good records'* ]]" "$out"
    # the other variant: the stolen key as is for every seal, on a copy of the honest journal
    info=$(_forge "$SJ.fixed" "$T/stolen-$sfx.key" "fs-priv-$sfx" fixed)
    out=$("$DOCKAUDIT" verify --journal "$SJ.fixed" 2>&1)
    check_rc "(stolen key as is) verify without the key passes" $? "$out"
    out=$("$DOCKAUDIT" verify --journal "$SJ.fixed" --key "$SK0" 2>&1)
    check_contains "(stolen key as is) verify --key k0 fails at the same seal, seal MAC invalid" \
        "DAMAGED: seq $(printf '%s' "$info" | jq -r .first_seal_after): seal MAC invalid" "$out"
    rm -rf "$SJ.fixed"
    rm -f "$T/stolen-$sfx.key"
    # shellcheck disable=SC2046
    ddirect rm -f "fs-priv-$sfx" $(for ((i = 1; i <= 20; i++)); do echo "fs-$sfx-$i"; done) >/dev/null 2>&1
}

# _seal_load ROUND SOCK: docker CLI creates (and some rm), raw curl creates and lists, and a
# stream of reads, each loop ending on its first refused call; their pids go to LOADS
_seal_load() {
    local round=$1 sock=$2
    LOADS=()
    (
        for ((i = 1; i <= 400; i++)); do
            docker -H "unix://$sock" create --name "sc$round-d$i" bb true >/dev/null 2>&1 || exit 0
            if ((i % 3 == 0)); then
                docker -H "unix://$sock" rm "sc$round-d$i" >/dev/null 2>&1 || exit 0
            fi
        done
    ) >/dev/null 2>&1 &
    LOADS+=($!)
    (
        for ((i = 1; i <= 2000; i++)); do
            curl -sf -m 5 --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
                -d '{"Image":"bb","Cmd":["true"]}' \
                "http://d/v1.41/containers/create?name=sc$round-c$i" >/dev/null 2>&1 || exit 0
            curl -sf -m 5 --unix-socket "$sock" "http://d/v1.41/containers/json?all=1&limit=5" >/dev/null 2>&1 || exit 0
        done
    ) >/dev/null 2>&1 &
    LOADS+=($!)
    (   # many small records: reads are journaled too (lazily, group-committed)
        for ((i = 1; i <= 20000; i++)); do
            curl -sf -m 5 --unix-socket "$sock" "http://d/v1.41/version" >/dev/null 2>&1 || exit 0
        done
    ) >/dev/null 2>&1 &
    LOADS+=($!)
}

test_seal_crash_rounds_with_key() {
    local rounds=${E2E_SEAL_CRASH_ROUNDS:-8} round pid l ms seg torn=0 vfail=0 out names made missing r i
    _seal_instance crash 20 300ms 64KiB
    for ((round = 1; round <= rounds; round++)); do
        pid=$(_seal_start) || { fail "dockaudit restarts after kill -9 (round $round)" "$(tail -n 20 "$SLOG")"; break; }
        if ((round > 1)); then
            if ! out=$("$DOCKAUDIT" verify --journal "$SJ" --key "$SK0" 2>&1); then
                vfail=$((vfail + 1))
                fail "verify --key k0 passes after restart $((round - 1))" "$out"
            fi
        fi
        _seal_load "$round" "$SSOCK"
        ms=$((500 + RANDOM % 1000))
        sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        kill -KILL "$pid"
        _seal_wait_exit "$pid" 5
        for l in "${LOADS[@]}"; do
            for ((i = 0; i < 100; i++)); do kill -0 "$l" 2>/dev/null || break; sleep 0.1; done
            kill "$l" 2>/dev/null
            wait "$l" 2>/dev/null
        done
        seg=$(ls "$SJ"/*.jsonl 2>/dev/null | tail -n 1)
        if [ -n "$seg" ] && [ -s "$seg" ] && [ "$(tail -c 1 "$seg" | od -An -c | tr -d ' ')" != '\n' ]; then
            torn=$((torn + 1))
        elif ((round == 2)); then
            # kill -9 seldom tears a line: make sure one round has a torn tail to cut
            "$PY" "$E2E_DIR/helpers/journal_edit.py" torn "$SJ" >/dev/null
            torn=$((torn + 1))
        fi
    done
    [ $vfail -eq 0 ] && pass "verify --key k0 passed after each of $((rounds - 1)) restarts (live journal)"
    pid=$(_seal_start)
    check "dockaudit starts after $rounds kill -9 rounds" wait_ping "$SSOCK" "$pid" 1
    out=$("$DOCKAUDIT" verify --journal "$SJ" --key "$SK0" 2>&1)
    check_rc "verify --key k0 passes on the running journal after the last crash" $? "$out"
    kill -TERM "$pid"
    _seal_wait_exit "$pid" 10
    out=$("$DOCKAUDIT" verify --journal "$SJ" --key "$SK0" --strict 2>&1)
    check_rc "after a clean stop everything is sealed: verify --key k0 --strict passes" $? "$out"
    check_true "the journal has several segments" "[ \$(ls '$SJ'/*.jsonl | wc -l) -ge 2 ]"

    # write-ahead: every container dockerd has was recorded before it was created
    names=$(ddirect ps -a --filter name=sc --format '{{.Names}}' | grep -E '^sc[0-9]+-[cd][0-9]+$' | sort)
    made=$(printf '%s\n' "$names" | grep -c .)
    check_true "the load created containers (precondition, $made in dockerd)" "[ $made -ge $rounds ]"
    out=$(recs "$SJ" | jq -r 'select(.kind=="api" and .stage=="request" and .action=="container.create") | .request.query.name' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$out") | grep . | head -n 20)
    check_eq "every container dockerd has got a container.create request record" "" "$missing"

    # recovery records, and a seal before anything new after every restart
    r=$(recs "$SJ" | jq -c 'select(.kind=="audit" and .action=="journal.recovered")' | wc -l)
    echo "        ($rounds rounds, $(recs "$SJ" | wc -l) records, $made containers, torn tails seen: $torn, journal.recovered: $r)"
    check_true "a journal.recovered record for every torn tail seen ($torn, at least one)" "[ $torn -ge 1 ] && [ $r -ge $torn ]"
    out=$(recs "$SJ" | jq -s -r '
        [.[] | select(.kind != "audit" or .action != "journal.recovered")] as $a
        | [range(1; $a | length) | select($a[.].kind == "audit" and $a[.].action == "dockaudit.start")
           | select($a[. - 1].kind != "seal") | $a[.].seq] | map(tostring) | join(" ")')
    check_eq "every restart's dockaudit.start follows a seal (the recovered tail sealed first)" "" "$out"
    check_eq "one dockaudit.start per start ($((rounds + 1)))" "$((rounds + 1))" \
        "$(recs "$SJ" | jq -c 'select(.kind=="audit" and .action=="dockaudit.start")' | wc -l)"
    # shellcheck disable=SC2086
    [ -n "$names" ] && ddirect rm -f $names >/dev/null 2>&1
}
