# shellcheck shell=bash
# audit.rules: routine reads from a monitoring agent cut to nothing, the docker CLI still
# recorded, a stage omitted, the deciding rule named in the record; a rule that would drop
# a mutating call refused by `dockaudit run` and `dockaudit check`.

AP_SOCK=$T/ap.sock
AP_J=$T/ap-journal

# ap_start: a dockaudit with an audit policy in front of the suite's dockerd
ap_start() {
    local pid
    [ -f "$T/ap.pid" ] && kill -0 "$(cat "$T/ap.pid")" 2>/dev/null && return 0
    ensure_user da-monitor "" docker
    cat >"$T/ap.yaml" <<'YAML'
audit:
  level: request
  read_level: metadata
  rules:
    - name: quiet-agent
      users: da-monitor
      actions: [system.ping, container.list]
      level: none
    - name: quiet-curl-ping
      programs: curl
      actions: system.ping
      level: none
    - name: docker-list-no-response
      programs: docker
      actions: container.list
      level: metadata
      omit_stages: [response]
    - name: full-info
      actions: system.info
      level: request_response
YAML
    "$DOCKAUDIT" init --journal "$AP_J" >/dev/null 2>&1
    pid=$(da_launch "$AP_J" "$AP_SOCK" "$T/ap-dockaudit.log" --config "$T/ap.yaml" \
        --socket-mode 0660 --socket-group docker)
    echo "$pid" >"$T/ap.pid"
    wait_ping "$AP_SOCK" "$pid" 20
}

ap_recs() { J=$AP_J recs_since; }
ap_match() { ap_recs | jq -c "select($1)" 2>/dev/null; }

# ap_mark: remember the policy journal's position
ap_mark() {
    MARK=$(last_seq "$AP_J")
    [[ $MARK =~ ^[0-9]+$ ]] || MARK=0
}

test_auditpolicy_monitor_reads_not_recorded() {
    local tag=ap$(rand_hex) muid mgid out n
    check "dockaudit with audit.rules starts" ap_start || {
        tail -n 20 "$T/ap-dockaudit.log"; return; }
    ap_mark
    muid=$(id -u da-monitor)
    mgid=$(id -g da-monitor)
    # the monitoring agent: user da-monitor, /_ping and GET /containers/json
    out=$(setpriv --reuid "$muid" --regid "$mgid" --init-groups \
        curl -sS --unix-socket "$AP_SOCK" "http://d/_ping" 2>&1)
    check_eq "da-monitor's /_ping answers OK" OK "$out"
    out=$(setpriv --reuid "$muid" --regid "$mgid" --init-groups \
        curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$AP_SOCK" \
        "http://d/containers/json?x=$tag" 2>&1)
    check_eq "da-monitor's GET /containers/json answers 200" 200 "$out"
    # root's curl: /_ping silenced by program, /containers/json recorded (no rule)
    curl -sS --unix-socket "$AP_SOCK" "http://d/_ping" >/dev/null 2>&1
    curl -sS -o /dev/null --unix-socket "$AP_SOCK" "http://d/containers/json?x=$tag" 2>&1
    # the docker CLI: /_ping and the list recorded
    docker -H "unix://$AP_SOCK" ps >/dev/null 2>&1
    check "root curl's list is recorded (no rule matches: read_level)" poll_rec "$AP_J" \
        ".kind==\"api\" and .stage==\"request\" and .action==\"container.list\" and
         .request.query.x==\"$tag\" and .audit_rule==null and .actor.comm==\"curl\""
    check "the docker CLI's list is recorded, naming its rule" poll_rec "$AP_J" \
        ".kind==\"api\" and .stage==\"request\" and .action==\"container.list\" and
         .actor.comm==\"docker\" and .audit_rule==\"docker-list-no-response\" and .seq > $MARK"
    check "the docker CLI's /_ping is recorded" poll_rec "$AP_J" \
        ".action==\"system.ping\" and .actor.comm==\"docker\" and .seq > $MARK"
    n=$(ap_match ".actor.comm==\"docker\" and .action==\"system.ping\"" | wc -l)
    check_true "control: the journal reader sees the CLI's /_ping ($n records)" "[ $n -gt 0 ]"
    n=$(ap_match ".actor.user==\"da-monitor\"" | wc -l)
    check_eq "no record of da-monitor's /_ping or list (level none)" 0 "$n"
    n=$(ap_match ".action==\"system.ping\" and .actor.comm==\"curl\"" | wc -l)
    check_eq "no record of curl's /_ping (level none by program)" 0 "$n"
    n=$(ap_match ".request.query.x==\"$tag\" and .actor.user==\"da-monitor\"" | wc -l)
    check_eq "no record carries the agent's query" 0 "$n"
}

test_auditpolicy_omit_response_and_rule_named() {
    local id r n
    check "dockaudit with audit.rules starts" ap_start || return
    ap_mark
    docker -H "unix://$AP_SOCK" ps >/dev/null 2>&1
    docker -H "unix://$AP_SOCK" info >/dev/null 2>&1
    r=$(poll_rec "$AP_J" ".stage==\"request\" and .action==\"container.list\" and
        .actor.comm==\"docker\" and .seq > $MARK")
    jq_check "docker ps: request record names rule docker-list-no-response" "$r" \
        '.audit_rule=="docker-list-no-response"'
    id=$(printf '%s' "$r" | jq -r '.request.id')
    # the info call's response record comes after the list's would have
    check "docker info: response record (full-info) written" poll_rec "$AP_J" \
        ".stage==\"response\" and .action==\"system.info\" and .audit_rule==\"full-info\" and .seq > $MARK"
    r=$(poll_rec "$AP_J" ".stage==\"response\" and .action==\"system.info\" and .seq > $MARK")
    jq_check "docker info at request_response: the reply body is in the record" "$r" \
        '(.response.body|type)=="object" and (.response.body.ID|type)=="string"'
    r=$(poll_rec "$AP_J" ".stage==\"response\" and .action==\"system.ping\" and .actor.comm==\"docker\" and .seq > $MARK")
    jq_check "docker's /_ping at metadata: no reply body" "$r" '.response.body==null and .audit_rule==null'
    n=$(ap_match ".request.id==\"$id\" and .stage==\"response\"" | wc -l)
    check_eq "docker ps: no response record (omit_stages: [response])" 0 "$n"
    # a mutating call is recorded whatever the rules (no rule here names it)
    local c=ap-create-$(rand_hex)
    docker -H "unix://$AP_SOCK" create --name "$c" bb true >/dev/null 2>&1
    check "a create through the policy proxy is recorded" poll_rec "$AP_J" \
        ".stage==\"request\" and .action==\"container.create\" and .request.query.name==\"$c\""
    ddirect rm -f "$c" >/dev/null 2>&1
}

test_auditpolicy_mutating_none_refused() {
    local out rc
    cat >"$T/ap-bad.yaml" <<'YAML'
audit:
  rules:
    - name: quiet-reads
      actions: [system.ping]
      level: none
    - name: too-quiet
      actions: 'container.*'
      level: none
YAML
    out=$("$DOCKAUDIT" run --listen "unix://$T/ap-bad.sock" --backend "unix://$DE_SOCK" \
        --journal "$T/ap-bad-j" --config "$T/ap-bad.yaml" 2>&1)
    rc=$?
    check_eq "dockaudit run refuses a rule giving mutating calls none: exit 2" 2 "$rc"
    check_contains "run names file, line, rule and fix" \
        "ap-bad.yaml line 6: audit rule 2 would drop mutating calls (container." "$out"
    check_contains "run says the fix" "give level metadata or narrow 'actions' to reads" "$out"
    check_true "run did not create its socket" "[ ! -e '$T/ap-bad.sock' ]"
    out=$("$DOCKAUDIT" check --config "$T/ap-bad.yaml" 2>&1)
    rc=$?
    check_eq "dockaudit check refuses it too: exit 1" 1 "$rc"
    check_contains "check names file, line and fix" \
        "ap-bad.yaml line 6: audit rule 2 would drop mutating calls" "$out"
    # last test of the file: stop the policy dockaudit
    [ -f "$T/ap.pid" ] && bg_stop "$(cat "$T/ap.pid")" && rm -f "$T/ap.pid"
}
