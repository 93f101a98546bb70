# shellcheck shell=bash
# dockerd's own events (dockaudit run --events): daemon records with exit codes, signals, health
# and exec details, linked to the API call that caused them; resume after dockaudit or dockerd
# restarts without duplicates; gap records when dockerd's 256-event history was not enough.
# Each test runs its own dockaudit with --events on a journal of its own.

# _ev_instance NAME [run-options...]: init $T/j-ev-NAME and start dockaudit --events on
# $T/ev-NAME.sock in front of $DE_SOCK; sets EJ, ESOCK, ELOG, EPID, EPIDF
_ev_instance() {
    local name=$1
    shift
    EJ=$T/j-ev-$name
    ESOCK=$T/ev-$name.sock
    ELOG=$T/ev-$name.log
    EPIDF=$T/ev-$name.pid
    rm -rf "$EJ"
    "$DOCKAUDIT" init --journal "$EJ" >>"$ELOG" 2>&1
    _ev_start "$@"
}

_ev_start() { # start (again) on EJ/ESOCK; waits for the first events.connected after it
    local before
    before=$(_ev_count '.action=="events.connected"')
    EPID=$(da_launch "$EJ" "$ESOCK" "$ELOG" --events "$@")
    echo "$EPID" >"$EPIDF"
    wait_ping "$ESOCK" "$EPID" 30 || return 1
    _ev_wait_count '.action=="events.connected"' $((before + 1))
}

_ev_stop() { de_stop_pid "$EPID" 10; }

# _ev_count FILTER: records of EJ matching FILTER
_ev_count() { recs "$EJ" 2>/dev/null | jq -c "select($1)" 2>/dev/null | wc -l; }

# _ev_wait_count FILTER N: poll until at least N records of EJ match
_ev_wait_count() {
    local i
    for ((i = 0; i < E2E_WAIT * 4; i++)); do
        [ "$(_ev_count "$1")" -ge "$2" ] && return 0
        sleep 0.25
    done
    return 1
}

# _ev_die NAME: the container.die daemon record of container NAME (polled)
_ev_rec() { poll_rec "$EJ" ".kind==\"daemon\" and .action==\"$1\" and .object.name==\"$2\""; }

# _ev_req ACTION NAME-OR-ID: request.id of the request record of ACTION on that container
_ev_req() {
    recs "$EJ" | jq -r --arg a "$1" --arg o "$2" \
        'select(.kind=="api" and .stage=="request" and .action==$a and
          (.object.name==$o or .object.id==$o or ($o|startswith(.object.id // "-")))) | .request.id' |
        tail -n 1
}

# _ev_dups: daemon records sharing an event key (time, Type, Action, Actor.ID), one per line
_ev_dups() {
    recs "$EJ" | jq -r 'select(.kind=="daemon" and .source=="events") |
        [.daemon_event.time, .daemon_event.type, .daemon_event.action, .daemon_event.actor_id] | @json' |
        sort | uniq -d
}

test_events_die_exit_code_linked_to_start() {
    local n=ev7-$(rand_hex) r id start create rc
    _ev_instance die || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" run --name "$n" bb sh -c 'exit 7' >/dev/null 2>&1
    rc=$?
    check_eq "docker run ... exit 7 exits 7 through dockaudit" 7 "$rc"
    r=$(_ev_rec container.die "$n")
    jq_check "a container.die daemon record from the events source" "$r" \
        '.kind=="daemon" and .source=="events" and .object.type=="container"'
    jq_check "container.die carries exit code 7 (labels known, promoted)" "$r" \
        '.daemon_event.exit_code==7 and .daemon_event.labels_known==true and .daemon_event.type=="container" and .daemon_event.action=="die"'
    jq_check "container.die object: full id, name and image from trusted attributes" "$r" \
        "(.object.id|length)==64 and .object.image==\"bb\" and .daemon_event.actor_id==.object.id"
    id=$(printf '%s' "$r" | jq -r .object.id)
    start=$(_ev_req container.start "$id")
    check "the container.start request record exists" test -n "$start"
    jq_check "container.die is linked to the start call's request.id, with its user" "$r" \
        ".cause.request_id==\"$start\" and .cause.action==\"container.start\" and .cause.user==\"root\" and .cause.uid==0"
    create=$(_ev_req container.create "$n")
    r=$(_ev_rec container.create "$n")
    jq_check "container.create daemon record is linked to the create call" "$r" \
        ".cause.request_id==\"$create\" and .cause.action==\"container.create\""
    r=$(_ev_rec container.start "$n")
    jq_check "container.start daemon record is linked to the start call" "$r" \
        ".cause.request_id==\"$start\""
    docker -H "unix://$ESOCK" rm "$n" >/dev/null 2>&1
    r=$(_ev_rec container.destroy "$n")
    jq_check "container.destroy is linked to the container.delete call" "$r" \
        ".cause.action==\"container.delete\" and .cause.request_id==\"$(_ev_req container.delete "$n")\""
    # no --name: the create event may come before the create's answer (the id)
    rm -f "$T/ev-cid"
    docker -H "unix://$ESOCK" run --cidfile "$T/ev-cid" bb sh -c 'exit 8' >/dev/null 2>&1
    id=$(cat "$T/ev-cid" 2>/dev/null)
    r=$(poll_rec "$EJ" ".kind==\"daemon\" and .action==\"container.die\" and .object.id==\"$id\"")
    jq_check "an unnamed container's die: exit 8, caused by its start call" "$r" \
        ".daemon_event.exit_code==8 and .cause.action==\"container.start\" and .cause.request_id==\"$(_ev_req container.start "$id")\""
    r=$(poll_rec "$EJ" ".kind==\"daemon\" and .action==\"container.create\" and .object.id==\"$id\"")
    jq_check "an unnamed container's create event is linked to its create call (by id or pending)" "$r" \
        '.cause.action=="container.create" and (.cause.match=="id" or .cause.match=="pending")'
    docker -H "unix://$ESOCK" rm "$id" >/dev/null 2>&1
    check "the journal with daemon records verifies" "$DOCKAUDIT" verify --journal "$EJ"
    _ev_stop
}

test_events_kill_signal_and_oom() {
    local n=evk-$(rand_hex) o=evo-$(rand_hex) r kill oomk
    _ev_instance kill || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" run -d --name "$n" bb sleep 300 >/dev/null 2>&1
    docker -H "unix://$ESOCK" kill "$n" >/dev/null 2>&1
    kill=$(_ev_req container.kill "$n")
    r=$(_ev_rec container.kill "$n")
    jq_check "container.kill daemon record: signal 9, linked to the kill call" "$r" \
        ".daemon_event.signal==9 and .cause.request_id==\"$kill\" and .cause.match==\"name\""
    r=$(_ev_rec container.die "$n")
    jq_check "its container.die: exit code 137, caused by the kill call" "$r" \
        ".daemon_event.exit_code==137 and .cause.request_id==\"$kill\""
    # a memory limit the process exceeds (cgroup memory accounting)
    docker -H "unix://$ESOCK" run --memory 16m --memory-swap 16m --name "$o" bb \
        sh -c 'dd if=/dev/zero bs=1M count=64 2>/dev/null | sort >/dev/null' >/dev/null 2>&1
    oomk=$(ddirect inspect "$o" --format '{{.State.OOMKilled}}' 2>/dev/null)
    r=$(_ev_rec container.die "$o")
    if [ "$oomk" = true ]; then
        check "dockerd says OOMKilled: a container.oom daemon record exists" \
            test -n "$(_ev_rec container.oom "$o")"
        jq_check "the OOM-killed container's die record: exit code 137" "$r" '.daemon_event.exit_code==137'
    else
        jq_check "no OOM kill (memory limits not enforced here): die record, no container.oom" "$r" \
            '.daemon_event.exit_code!=null' && check_eq "no container.oom record" "" "$(_ev_count \
            ".action==\"container.oom\" and .object.name==\"$o\"" | grep -v '^0$')"
    fi
    docker -H "unix://$ESOCK" rm -f "$n" "$o" >/dev/null 2>&1
    _ev_stop
}

test_events_health_and_exec() {
    local n=evh-$(rand_hex) r execid start
    _ev_instance health || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" run -d --name "$n" --health-cmd 'exit 1' --health-interval 1s \
        --health-retries 1 bb sleep 300 >/dev/null 2>&1
    r=$(poll_rec "$EJ" ".action==\"container.health_status\" and .object.name==\"$n\" and .daemon_event.health_status==\"unhealthy\"")
    jq_check "container.health_status daemon record: unhealthy (from --health-cmd)" "$r" \
        '.daemon_event.health_status=="unhealthy" and (.daemon_event.action|startswith("health_status: "))'
    docker -H "unix://$ESOCK" exec "$n" sh -c 'exit 3' >/dev/null 2>&1
    r=$(_ev_rec container.exec_start "$n")
    jq_check "container.exec_start daemon record: command and exec id" "$r" \
        '.daemon_event.exec_cmd=="sh -c exit 3" and (.daemon_event.exec_id|length)==64'
    execid=$(printf '%s' "$r" | jq -r .daemon_event.exec_id)
    start=$(recs "$EJ" | jq -r --arg e "$execid" \
        'select(.stage=="request" and .action=="exec.start" and .object.id==$e) | .request.id' | tail -n 1)
    check "the exec.start request record names the exec id" test -n "$start"
    jq_check "container.exec_start is linked to the exec.start call" "$r" \
        ".cause.request_id==\"$start\" and .cause.action==\"exec.start\" and .cause.match==\"id\""
    r=$(_ev_rec container.exec_die "$n")
    jq_check "container.exec_die: exit code 3, same exec, same cause" "$r" \
        ".daemon_event.exit_code==3 and .daemon_event.exec_id==\"$execid\" and .cause.request_id==\"$start\""
    r=$(_ev_rec container.exec_create "$n")
    jq_check "container.exec_create is linked to the container.exec.create call" "$r" \
        '.cause.action=="container.exec.create"'
    docker -H "unix://$ESOCK" rm -f "$n" >/dev/null 2>&1
    _ev_stop
}

test_events_labels_do_not_spoof() {
    local n=evl-$(rand_hex) r
    _ev_instance labels || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" run --name "$n" --label exitCode=0 --label image=evil \
        --label name=evil --label signal=1 bb sh -c 'exit 9' >/dev/null 2>&1
    r=$(_ev_rec container.die "$n")
    jq_check "a label named exitCode does not become the exit code" "$r" \
        '.daemon_event.exit_code==null and (.daemon_event.unverified|index("exitCode"))!=null'
    jq_check "labels named image and name do not override the object" "$r" \
        ".object.image==\"bb\" and .object.name==\"$n\""
    jq_check "the labels are kept, marked untrusted" "$r" \
        '.daemon_event.attributes_untrusted.exitCode=="0" and .daemon_event.attributes_untrusted.signal=="1"'
    docker -H "unix://$ESOCK" rm "$n" >/dev/null 2>&1
    _ev_stop
}

test_events_resume_after_dockaudit_restart() {
    local a=evra-$(rand_hex) b=evrb-$(rand_hex) r dups c
    _ev_instance resume || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" run --name "$a" bb true >/dev/null 2>&1
    _ev_rec container.die "$a" >/dev/null
    _ev_stop
    # while dockaudit is stopped
    ddirect run --name "$b" bb sh -c 'exit 12' >/dev/null 2>&1
    ddirect rm "$a" >/dev/null 2>&1
    _ev_start || { fail "dockaudit --events restarts" "$(tail -n 20 "$ELOG")"; return; }
    r=$(_ev_rec container.die "$b")
    jq_check "after the restart the journal has the die (exit 12) that happened while stopped" "$r" \
        '.daemon_event.exit_code==12 and .cause==null'
    check "and the destroy of the container removed meanwhile" test -n "$(_ev_rec container.destroy "$a")"
    r=$(poll_rec "$EJ" '.action=="events.connected"')
    jq_check "events.connected: resumed from the journal, boundary event dropped as duplicate" "$r" \
        '.detail.resume_source=="journal" and .detail.replayed >= 4 and .detail.replayed_duplicates >= 1'
    dups=$(_ev_dups)
    check_eq "no event recorded twice (key: time, Type, Action, Actor.ID)" "" "$dups"
    c=$(_ev_count '.action=="events.gap"')
    check_eq "no gap record: dockerd still held every event" 0 "$c"
    # a second restart with nothing new: nothing recorded again
    _ev_stop
    _ev_start
    check_eq "still no duplicates after a second restart" "" "$(_ev_dups)"
    check "the resumed journal verifies" "$DOCKAUDIT" verify --journal "$EJ"
    _ev_stop
}

test_events_overflow_gap() {
    local i r c
    _ev_instance overflow || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" volume create "evov-first" >/dev/null 2>&1
    poll_rec "$EJ" '.action=="volume.create" and .object.name=="evov-first"' >/dev/null
    _ev_stop
    # 300 events while dockaudit is stopped: more than dockerd's 256
    for ((i = 0; i < 150; i++)); do
        ddirect volume create "evov-$i" >/dev/null 2>&1
        ddirect volume rm "evov-$i" >/dev/null 2>&1
    done
    ddirect volume rm evov-first >/dev/null 2>&1
    _ev_start || { fail "dockaudit --events restarts" "$(tail -n 20 "$ELOG")"; return; }
    r=$(poll_rec "$EJ" '.kind=="audit" and .action=="events.gap"')
    jq_check "an events.gap audit record: history overflow, window from our last event" "$r" \
        '.source=="events" and (.detail.reasons|index("history_overflow"))!=null and .detail.replayed>=256 and .detail.from_nano < .detail.to_nano'
    check "the events dockerd still held were recorded (the last destroy)" \
        _ev_wait_count '.kind=="daemon" and .action=="volume.destroy" and .object.name=="evov-first"' 1
    check "and the newest of the burst" \
        _ev_wait_count '.kind=="daemon" and .action=="volume.create" and .object.name=="evov-149"' 1
    c=$(_ev_count '.kind=="daemon" and .action=="volume.create" and .object.name=="evov-0"')
    check_eq "the oldest ones were pushed out of dockerd's history (hence the gap)" 0 "$c"
    _ev_stop
}

test_events_dockerd_restart() {
    local n=evd-$(rand_hex) r c ids
    # a dockerd of our own, so that restarting it disturbs no other test
    # shellcheck disable=SC2034 # set by de_start_dockerd, read by the de_* helpers
    local DE_PID DE_SOCK DE_HOST DE_DIR
    if ! de_start_dockerd "$T/evd"; then
        fail "a second private dockerd starts" "$(tail -n 20 "$T/evd/dockerd.log")"
        return
    fi
    echo "$DE_PID" >"$T/evd-dockerd.pid"
    de_build_image "$DE_SOCK" bb:latest || { fail "bb image imports into the second dockerd"; de_stop_dockerd; return; }
    _ev_instance restart || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; de_stop_dockerd; return; }
    docker -H "unix://$ESOCK" run --name "$n-a" bb true >/dev/null 2>&1
    _ev_rec container.die "$n-a" >/dev/null
    de_stop_dockerd
    if ! de_start_dockerd "$T/evd"; then
        fail "the second dockerd restarts" "$(tail -n 20 "$T/evd/dockerd.log")"
        _ev_stop
        return
    fi
    echo "$DE_PID" >"$T/evd-dockerd.pid"
    # made right after the restart, before dockaudit is back on the stream
    ddirect run --name "$n-b" bb sh -c 'exit 21' >/dev/null 2>&1
    r=$(_ev_rec container.die "$n-b")
    jq_check "after the dockerd restart the stream is back: die exit 21 recorded" "$r" \
        '.daemon_event.exit_code==21'
    ids=$(recs "$EJ" | jq -r "select(.kind==\"daemon\" and .object.name==\"$n-b\") | .daemon_event.action" | sort -u | tr '\n' ' ')
    check_eq "every event of the container made after the restart is there" \
        "attach create die start " "$ids"
    c=$(_ev_count '.action=="events.disconnected" and .detail.was_connected==true')
    check_eq "one events.disconnected record for the outage (not one per retry)" 1 "$c"
    r=$(poll_rec "$EJ" '.action=="events.gap"')
    jq_check "an events.gap record covers the restart window" "$r" \
        '(.detail.reasons|index("daemon_restarted"))!=null and .detail.from_nano < .detail.to_nano'
    c=$(_ev_count '.action=="events.connected"')
    check_eq "events.connected at start and after the restart" 2 "$c"
    check_eq "no duplicates across the dockerd restart" "" "$(_ev_dups)"
    _ev_stop
    de_stop_dockerd
    rm -f "$T/evd-dockerd.pid"
}

test_events_without_proxy() {
    local n=evn-$(rand_hex) j=$T/j-ev-noproxy log=$T/ev-noproxy.log pid r
    "$DOCKAUDIT" init --journal "$j" >>"$log" 2>&1
    setsid "$DOCKAUDIT" run --events --backend "unix://$DE_SOCK" --journal "$j" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$T/ev-noproxy.pid"
    check "events.connected without any --listen" test -n "$(poll_rec "$j" '.action=="events.connected"')"
    ddirect run --name "$n" bb sh -c 'exit 5' >/dev/null 2>&1
    r=$(poll_rec "$j" ".action==\"container.die\" and .object.name==\"$n\"")
    jq_check "events-only mode records a direct call's die (exit 5), with no cause" "$r" \
        '.daemon_event.exit_code==5 and .cause==null'
    check_not "run without --listen and without --events is refused" \
        "$DOCKAUDIT" run --backend "unix://$DE_SOCK" --journal "$j"
    de_stop_pid "$pid" 10
    ddirect rm "$n" >/dev/null 2>&1
}

test_events_backend_missing() {
    local j=$T/j-ev-missing log=$T/ev-missing.log pid c
    "$DOCKAUDIT" init --journal "$j" >>"$log" 2>&1
    setsid "$DOCKAUDIT" run --events --backend "unix://$T/no-dockerd-here.sock" --journal "$j" \
        >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$T/ev-missing.pid"
    check "an events.disconnected record says dockerd cannot be reached" \
        test -n "$(poll_rec "$j" '.action=="events.disconnected" and .detail.was_connected==false and (.detail.reason|startswith("connect:"))')"
    sleep 2 # several retries (0.2 s, 0.4 s, 0.8 s, ...)
    check "dockaudit keeps running while dockerd is missing" kill -0 "$pid"
    check_contains "the retries are logged" "retrying" "$(cat "$log")"
    c=$(recs "$j" | jq -c 'select(.action=="events.disconnected")' | wc -l)
    check_eq "one record for the outage, not one per retry" 1 "$c"
    de_stop_pid "$pid" 10
}

test_events_labels_looked_up() {
    local a=evq-$(rand_hex) b=evqx-$(rand_hex) r
    # made before this dockaudit watches: none of their events will be seen
    ddirect run -d --name "$a" bb sleep 300 >/dev/null 2>&1
    ddirect run -d --name "$b" --label exitCode=0 bb sleep 300 >/dev/null 2>&1
    _ev_instance lookup || { fail "dockaudit --events starts" "$(tail -n 20 "$ELOG")"; return; }
    docker -H "unix://$ESOCK" kill "$a" "$b" >/dev/null 2>&1
    r=$(_ev_rec container.die "$a")
    jq_check "a container first seen at its death: labels asked of dockerd, exit code 137 promoted" "$r" \
        '.daemon_event.labels_known==true and .daemon_event.exit_code==137'
    r=$(_ev_rec container.kill "$a")
    jq_check "and its kill record's signal" "$r" '.daemon_event.signal==9'
    r=$(_ev_rec container.die "$b")
    jq_check "the same with a label named exitCode: looked up, not promoted" "$r" \
        '.daemon_event.labels_known==true and .daemon_event.exit_code==null and (.daemon_event.unverified|index("exitCode"))!=null'
    ddirect rm -f "$a" "$b" >/dev/null 2>&1
    _ev_stop
}
