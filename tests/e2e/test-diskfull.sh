# shellcheck shell=bash
# A full journal disk.  With on_failure block, a mutating call gets a clear
# 503 naming the journal and dockerd never sees it, while reads keep working;
# with allow it passes and is counted.  Both record the outage and the
# recovery, and nothing queued is lost once space returns.  The journal lives
# on a 2 MiB tmpfs that a filler file fills.

# _fs_journal NAME: mount a tmpfs at $T/fs-NAME and init a journal in it;
# sets FMNT FJ FSOCK FLOG
_fs_journal() {
    FMNT=$T/fs-$1
    FJ=$FMNT/journal
    FSOCK=$T/$1.sock
    FLOG=$T/$1.log
    mkdir -p "$FMNT"
    mount -t tmpfs -o size=2m tmpfs "$FMNT" || return 1
    "$DOCKAUDIT" init --journal "$FJ" >>"$FLOG" 2>&1
}

# _fs_fill: fill the tmpfs, then make the writer hit ENOSPC with a few reads
_fs_fill() {
    dd if=/dev/zero of="$FMNT/filler" bs=64k >/dev/null 2>&1
    local i
    for i in 1 2 3 4 5 6; do
        docker -H "unix://$FSOCK" ps >/dev/null 2>&1
    done
    sleep 0.5
}

# _fs_stop PID: stop that dockaudit
_fs_stop() {
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    sleep 0.2
}

_fs_umount() { umount "$FMNT" 2>/dev/null || umount -l "$FMNT"; }

test_journal_full_block() {
    local pid out r name
    name=dfull-$(rand_hex)
    if ! _fs_journal full-block; then
        fail "mount a 2 MiB tmpfs for the journal"
        return
    fi
    pid=$(da_launch "$FJ" "$FSOCK" "$FLOG")
    check "dockaudit starts on the small journal" wait_ping "$FSOCK" "$pid" 30
    _fs_fill
    out=$(docker -H "unix://$FSOCK" create --name "$name" bb true 2>&1)
    check_contains "a mutating call is refused with 503 and the reason" \
        "audit journal unavailable" "$out"
    check_not "dockerd never saw the refused call" ddirect inspect "$name"
    check "reads keep working while the journal is full" docker -H "unix://$FSOCK" ps
    rm -f "$FMNT/filler"
    for _ in $(seq 50); do
        docker -H "unix://$FSOCK" create --name "$name" bb true >/dev/null 2>&1 && break
        sleep 0.2
    done
    check "once space returns the same call goes through" ddirect inspect "$name"
    r=$(poll_rec "$FJ" '.kind=="audit" and .action=="journal.failed"')
    jq_check "a journal.failed audit record marks the outage" "$r" '.outcome=="failure"'
    r=$(poll_rec "$FJ" '.kind=="audit" and .action=="journal.resumed"')
    jq_check "a journal.resumed audit record counts the refused calls" "$r" \
        '.outcome=="success" and .detail.denied_journal >= 1'
    r=$(poll_rec "$FJ" ".action==\"container.create\" and .stage==\"response\" and .outcome==\"denied\" and .request.query.name==\"$name\"")
    jq_check "the refused create is recorded as denied, 503" "$r" \
        '.response.status==503 and (.response.error | test("journal"))'
    r=$(poll_rec "$FJ" ".action==\"container.create\" and .stage==\"response\" and .outcome==\"success\" and .request.query.name==\"$name\"")
    jq_check "the later create is recorded as a success" "$r" '.response.status==201'
    _fs_stop "$pid"
    check "the journal verifies after the outage" "$DOCKAUDIT" verify --journal "$FJ"
    _fs_umount
    ddirect rm -f "$name" >/dev/null 2>&1
    return 0
}

test_journal_full_allow() {
    local pid r name
    name=dallow-$(rand_hex)
    if ! _fs_journal full-allow; then
        fail "mount a 2 MiB tmpfs for the journal"
        return
    fi
    pid=$(da_launch "$FJ" "$FSOCK" "$FLOG" --on-failure allow)
    check "dockaudit (on_failure allow) starts" wait_ping "$FSOCK" "$pid" 30
    _fs_fill
    check "with allow, a mutating call passes while the journal is full" \
        docker -H "unix://$FSOCK" create --name "$name" bb true
    check "dockerd has the container" ddirect inspect "$name"
    rm -f "$FMNT/filler"
    r=$(poll_rec "$FJ" '.kind=="audit" and .action=="journal.resumed"')
    jq_check "journal.resumed counts the calls forwarded before their record was durable" "$r" \
        '.detail.forwarded_unrecorded >= 1'
    r=$(poll_rec "$FJ" ".action==\"container.create\" and .stage==\"request\" and .request.query.name==\"$name\"")
    jq_check "the queued request record still reaches the journal" "$r" '.outcome=="pending"'
    _fs_stop "$pid"
    check "the journal verifies" "$DOCKAUDIT" verify --journal "$FJ"
    _fs_umount
    ddirect rm -f "$name" >/dev/null 2>&1
    return 0
}
