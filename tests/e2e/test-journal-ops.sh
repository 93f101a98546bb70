# shellcheck shell=bash
# Journal operations against the real dockerd: small segments rotate, closed ones are compressed
# with zstd and still read by search and verify --key; retention prunes by size and by age,
# never below a consumer cursor unless over the hard cap (then an alert record), each prune
# leaves a journal.pruned record and an anchor that the remaining journal verifies from;
# `journal status`, `journal prune` (refused while the daemon runs) and `verify --from-seal
# --format json`; and kill -9 rounds during rotation, compression and pruning lose no
# acknowledged record.  Each test has its own journal and dockaudit.

# _jo_instance NAME CONFIG-YAML: init $T/jo-NAME (k0 in $JOK0) and write its config; sets JOJ
# JOSOCK JOLOG JOCFG JOK0
_jo_instance() {
    JOJ=$T/jo-$1
    JOSOCK=$T/jo-$1.sock
    JOLOG=$T/jo-$1.log
    JOCFG=$T/jo-$1.yaml
    JOK0=$T/jo-$1.k0
    rm -rf "$JOJ" "$JOK0"
    "$DOCKAUDIT" init --journal "$JOJ" --verification-key-out "$JOK0" >>"$JOLOG" 2>&1
    printf '%s\n' "$2" >"$JOCFG"
}

_jo_start() { # prints the pid; returns 1 when it does not answer
    local pid
    # no daemon events: the sizes below (segments, retention keeping about the last crash
    # round) were chosen for the calls' records alone
    pid=$(da_launch "$JOJ" "$JOSOCK" "$JOLOG" --config "$JOCFG" --no-events)
    wait_ping "$JOSOCK" "$pid" 30 || { echo "$pid"; return 1; }
    echo "$pid"
}

_jo_wait_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

_jo_stop() {
    kill -TERM "$1" 2>/dev/null
    _jo_wait_exit "$1" 15 || kill -KILL "$1" 2>/dev/null
}

# _jo_load PREFIX N: N container create+rm calls through the instance
_jo_load() {
    local i
    for ((i = 1; i <= $2; i++)); do
        docker -H "unix://$JOSOCK" create --name "$1-$i" bb true >/dev/null 2>&1
        docker -H "unix://$JOSOCK" rm "$1-$i" >/dev/null 2>&1
    done
}

_jo_status() { "$DOCKAUDIT" journal status --journal "$JOJ" --format json 2>/dev/null; }

# _jo_poll SECS JQ-BOOLEAN: until the status JSON satisfies it
_jo_poll() {
    local i
    for ((i = 0; i < $1 * 4; i++)); do
        _jo_status | jq -e "$2" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    return 1
}

# _jo_first_rec FILTER: the first record of the instance's journal matching FILTER, polled
_jo_first_rec() {
    local i out
    for ((i = 0; i < E2E_WAIT * 4; i++)); do
        out=$(recs "$JOJ" | jq -c "select($1)" 2>/dev/null | head -n 1)
        [ -n "$out" ] && { printf '%s\n' "$out"; return 0; }
        sleep 0.25
    done
    return 1
}

_jo_verify_key() { # prints verify's output; returns its status
    "$DOCKAUDIT" verify --journal "$JOJ" --key "$JOK0" "$@" 2>&1
}

test_jops_compression_search_verify() {
    local pid out rc st names zst
    _jo_instance comp 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20'
    pid=$(_jo_start) || { fail "dockaudit starts with journal.compress: zstd" "$(tail -n 20 "$JOLOG")"; return; }
    _jo_load jocomp 20
    check "segments rotate (more than 3) and every closed one gets compressed" \
        _jo_poll 20 '.segments.count > 3 and .segments.compressed == .segments.count - 1'
    st=$(_jo_status)
    names=$(ls "$JOJ")
    zst=$(printf '%s\n' "$names" | grep -c '\.jsonl\.zst$')
    check_eq "the files on disk: all but one segment are .jsonl.zst" \
        "$(printf '%s' "$st" | jq '.segments.count - 1')" "$zst"
    check_true "the newest segment is the only .jsonl" \
        "[ \"\$(printf '%s\n' \"$names\" | grep -c '\.jsonl\$')\" = 1 ]" "$names"
    out=$(recs "$JOJ" | jq -r 'select(.kind=="api" and .stage=="request" and .action=="container.create") | .request.query.name' | sort -u | grep -c '^jocomp-')
    check_eq "search reads through compressed segments: all 20 container.create records" 20 "$out"
    out=$("$DOCKAUDIT" search --journal "$JOJ" --action container.create --format ndjson 2>&1 | grep -c '"jocomp-1"')
    check_true "search --action finds the first call, in a compressed segment" "[ $out -ge 1 ]"
    out=$("$DOCKAUDIT" tail --journal "$JOJ" -n 100 2>&1 | jq -s -c '[length, (map(.seq) | . == [range(.[0]; .[0] + 100)]), .[-1].seq]')
    jq_check "tail -n 100 counts through compressed segments: 100 consecutive seqs up to the head" "$out" \
        ".[0] == 100 and .[1] and .[2] >= $(printf '%s' "$st" | jq .head.seq)"
    out=$(_jo_verify_key)
    check_rc "verify --key passes over compressed segments" $? "$out"
    check_contains "verify prints the OK line" "OK: " "$out"
    out=$("$DOCKAUDIT" verify --journal "$JOJ" --key "$JOK0" --format json 2>/dev/null)
    jq_check "verify --format json: ok, records from seq 1, seals" "$out" \
        '.ok == true and .first_seq == 1 and .records > 100 and .seals > 3 and .key_checked'
    out=$("$DOCKAUDIT" journal status --journal "$JOJ" 2>&1)
    check_contains "journal status (text) counts compressed segments" "compressed)" "$out"
    jq_check "journal status: head, oldest, seals and key epoch" "$st" \
        '.head.seq > 100 and (.head.hash | length) == 64 and .oldest.seq == 1 and .seals.last_seq > 0 and .seals.key_epoch > 0'
    _jo_stop "$pid"
    out=$(_jo_verify_key --strict)
    check_rc "after a clean stop verify --key --strict passes (tail sealed)" $? "$out"
    # a damaged compressed segment: reported as damage at a seq, exit 1, not a crash
    local seg
    seg=$(ls "$JOJ"/*.jsonl.zst | sed -n 2p)
    cp -a "$JOJ" "$T/jo-comp-damaged"
    printf 'garbage' | dd of="$T/jo-comp-damaged/$(basename "$seg")" bs=1 seek=200 conv=notrunc 2>/dev/null
    out=$("$DOCKAUDIT" verify --journal "$T/jo-comp-damaged" 2>&1)
    rc=$?
    check_eq "verify exits 1 on a damaged .zst" 1 "$rc"
    check_contains "verify names the damaged compressed segment" "$(basename "$seg")" "$out"
    check_contains "verify says offsets are in the decompressed stream" "decompressed stream" "$out"
    check_contains "verify says later records are unverified" "on are unverified" "$out"
}

test_jops_retention_size_cursor_hardcap() {
    local pid out r head oldest cur
    _jo_instance size 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20
  retention:
    max_bytes: 24KiB
    check_interval: 1s'
    mkdir -p "$JOJ/cursors"
    echo 5 >"$JOJ/cursors/e2e.out"
    pid=$(_jo_start) || { fail "dockaudit starts with journal.retention" "$(tail -n 20 "$JOLOG")"; return; }
    _jo_load josize 18
    sleep 2.5
    check "a cursor at seq 5 holds retention back: seq 6 is still there" _jo_poll 1 '.oldest.seq <= 6'
    check_eq "no journal.pruned record removed anything past the cursor" "" \
        "$(recs "$JOJ" | jq -c 'select(.action=="journal.pruned" and .detail.removed.last_seq > 5)')"
    head=$(_jo_status | jq .head.seq)
    cur=$((head - 30))
    echo "$cur" >"$JOJ/cursors/e2e.out"
    r=$(_jo_first_rec '.kind=="audit" and .action=="journal.pruned" and .detail.removed.last_seq > 5')
    jq_check "a journal.pruned audit record: range, segments, anchor" "$r" \
        '.outcome=="success" and .detail.removed.first_seq <= 6 and (.detail.removed.segments|length) > 0 and .detail.anchor.seq == .detail.removed.last_seq and (.detail.anchor.head|length)==64 and (.detail.anchor.epoch|type)=="number" and .detail.reason=="max_bytes"'
    check "the oldest record is now past seq 1" _jo_poll 10 '.oldest.seq > 1 and .anchor.seq > 0'
    oldest=$(_jo_status | jq .oldest.seq)
    check_true "never pruned past the cursor (oldest $oldest <= cursor $cur + 1)" "[ $oldest -le $((cur + 1)) ]"
    out=$(_jo_verify_key)
    check_rc "the remaining journal verifies with the key (from the anchor)" $? "$out"
    check_contains "verify says it started from journal.anchor" "from journal.anchor" "$out"
    _jo_stop "$pid"
    # over the hard cap the cursor no longer protects: pruned with an alert
    echo "$oldest" >"$JOJ/cursors/e2e.out"
    printf '%s\n' 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20
  retention:
    max_bytes: 24KiB
    hard_max_bytes: 40KiB
    check_interval: 1s' >"$JOCFG"
    pid=$(_jo_start) || { fail "dockaudit restarts with hard_max_bytes" "$(tail -n 20 "$JOLOG")"; return; }
    _jo_load johard 20
    r=$(_jo_first_rec '.kind=="audit" and .action=="journal.pruned" and .detail.level=="alert"')
    echo "        (cursor $oldest; prunes: $(recs "$JOJ" | jq -c 'select(.action=="journal.pruned") | [.seq, .detail.reason, .detail.removed.first_seq, .detail.removed.last_seq]' | tr '\n' ' '))"
    echo "        (alert record detail: $(printf '%s' "$r" | jq -c .detail | cut -c1-400))"
    jq_check "over hard_max_bytes: an alert journal.pruned record names the cursor and the lost range" "$r" \
        ".outcome==\"failure\" and .detail.reason==\"hard_max_bytes\" and .detail.undelivered[0].cursor==\"e2e.out\" and .detail.undelivered[0].cursor_seq==$oldest and .detail.undelivered[0].lost_last_seq==.detail.removed.last_seq"
    check "the journal shrinks below the hard cap" _jo_poll 10 '.bytes <= 40960 + 8192'
    _jo_stop "$pid"
    out=$(_jo_verify_key --strict)
    check_rc "after hard-cap pruning the journal verifies with the key, --strict" $? "$out"
}

test_jops_retention_age() {
    local pid out r
    _jo_instance age 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20
  retention:
    max_age: 3s
    check_interval: 1s'
    pid=$(_jo_start) || { fail "dockaudit starts with retention.max_age" "$(tail -n 20 "$JOLOG")"; return; }
    _jo_load joage 15
    r=$(_jo_first_rec '.kind=="audit" and .action=="journal.pruned" and .detail.reason=="max_age"')
    echo "        (prunes: $(recs "$JOJ" | jq -c 'select(.action=="journal.pruned") | [.seq, .detail.reason, .detail.removed.first_seq, .detail.removed.last_seq]' | tr '\n' ' '))"
    jq_check "segments older than max_age are pruned (reason max_age)" "$r" \
        '.detail.removed.first_seq >= 1 and .detail.anchor.seq == .detail.removed.last_seq'
    check "the newest segment stays: the journal still has records" _jo_poll 5 '.segments.count >= 1 and .head.seq > .anchor.seq'
    out=$(_jo_verify_key)
    check_rc "after age pruning the journal verifies with the key" $? "$out"
    _jo_stop "$pid"
}

test_jops_prune_cli_and_from_seal() {
    local pid out rc
    _jo_instance cli 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20'
    pid=$(_jo_start) || { fail "dockaudit starts" "$(tail -n 20 "$JOLOG")"; return; }
    _jo_load jocli 20
    out=$("$DOCKAUDIT" journal prune --journal "$JOJ" --max-bytes 20KiB 2>&1)
    rc=$?
    check_eq "journal prune is refused while the daemon holds the journal" 2 "$rc"
    check_contains "and says why" "applies journal.retention itself" "$out"
    out=$("$DOCKAUDIT" journal prune --journal "$JOJ" --max-bytes 20KiB --dry-run 2>&1)
    check_contains "journal prune --dry-run shows the plan while the daemon runs" "would prune" "$out"
    out=$(_jo_verify_key --from-seal)
    check_rc "verify --from-seal without a checkpoint verifies everything" $? "$out"
    check_contains "and says there was no checkpoint" "none yet" "$out"
    _jo_load jocli2 5
    out=$(_jo_verify_key --from-seal --format json 2>/dev/null)
    jq_check "verify --from-seal --format json resumes from the checkpoint" "$out" \
        '.ok and .started=="checkpoint" and .first_seq > 1 and .checkpoint=="resumed"'
    _jo_stop "$pid"
    out=$("$DOCKAUDIT" journal prune --journal "$JOJ" --max-bytes 20KiB 2>&1)
    check_rc "journal prune runs once the daemon is stopped" $? "$out"
    check_contains "and reports what it removed" "pruned " "$out"
    r=$(recs "$JOJ" | jq -c 'select(.action=="journal.pruned")' | tail -n 1)
    jq_check "the CLI prune appended a journal.pruned record (actor: the CLI)" "$r" \
        '.kind=="audit" and .detail.removed.first_seq==1 and .actor != null'
    out=$(_jo_verify_key --strict)
    check_rc "after the CLI prune verify --key --strict passes from the anchor" $? "$out"
    out=$(_jo_verify_key --from-seal)
    check_rc "verify --from-seal after the prune still verifies" $? "$out"
    # a forged anchor is caught
    cp -a "$JOJ" "$T/jo-cli-forged"
    jq -c '.head = ("0" * 64)' "$JOJ/journal.anchor" >"$T/jo-cli-forged/journal.anchor"
    out=$("$DOCKAUDIT" verify --journal "$T/jo-cli-forged" 2>&1)
    rc=$?
    check_eq "verify exits 1 on a forged journal.anchor" 1 "$rc"
    check_contains "verify blames the anchor" "journal.anchor" "$out"
}

test_jops_crash_rounds() {
    local rounds=${E2E_JOPS_ROUNDS:-8} round pid loop i ms out names missing oldest_t made
    _jo_instance crash 'journal:
  segment_size: 8KiB
  compress: zstd
  seal_every: 20
  retention:
    max_bytes: 96KiB
    check_interval: 1s'
    for ((round = 1; round <= rounds; round++)); do
        pid=$(_jo_start) || { fail "dockaudit restarts after kill -9 (round $round)" "$(tail -n 20 "$JOLOG")"; break; }
        (
            for ((i = 1; i <= 300; i++)); do
                docker -H "unix://$JOSOCK" create --name "jocrash$round-$i" bb true >/dev/null 2>&1 || exit 0
            done
        ) &
        loop=$!
        ms=$((500 + RANDOM % 1500))
        sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        kill -KILL "$pid"
        _jo_wait_exit "$pid" 5
        for ((i = 0; i < 100; i++)); do kill -0 "$loop" 2>/dev/null || break; sleep 0.1; done
        kill "$loop" 2>/dev/null
        wait "$loop" 2>/dev/null
        out=$(_jo_verify_key)
        if ! printf '%s' "$out" | grep -q '^OK: '; then
            fail "verify --key after kill -9 round $round" "$out"
        fi
    done
    pid=$(_jo_start)
    check "dockaudit starts after $rounds kill -9 rounds during rotation, compression and pruning" wait_ping "$JOSOCK" "$pid" 1
    _jo_stop "$pid"
    out=$(_jo_verify_key --strict)
    check_rc "verify --key --strict passes after the crash rounds and a clean stop" $? "$out"
    check_eq "no compression leftovers (.tmp) after a restart" "" "$(ls "$JOJ" | grep '\.tmp$')"
    jq_check "retention pruned during the rounds" "$(_jo_status)" '.anchor != null and .oldest.seq > 1 and .segments.compressed > 0'
    # write-ahead: every container dockerd made after the oldest remaining record has its
    # container.create request record
    oldest_t=$(_jo_status | jq -r .oldest.time)
    names=$(ddirect ps -a --filter name=jocrash --format '{{.Names}} {{.CreatedAt}}' |
        while read -r n d t z _; do
            # CreatedAt is "2026-12-02 07:10:11 +0000 UTC" (whole seconds): keep those created
            # in a later second than the oldest record's (96 KiB keeps about the last round)
            if [ "$(date -d "$d $t $z" +%s)" -gt "$(($(date -d "$oldest_t" +%s) + 1))" ]; then echo "$n"; fi
        done | sort)
    made=$(printf '%s\n' "$names" | grep -c .)
    check_true "the crash loop created containers after the oldest kept record (precondition, $made)" "[ $made -ge 1 ]"
    out=$(recs "$JOJ" | jq -r 'select(.kind=="api" and .stage=="request" and .action=="container.create") | .request.query.name' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$out") | grep . | head -n 20)
    check_eq "every such container has its container.create request record (write-ahead)" "" "$missing"
    # shellcheck disable=SC2046
    ddirect rm -f $(ddirect ps -aq --filter name=jocrash) >/dev/null 2>&1
}
