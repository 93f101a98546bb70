# shellcheck shell=bash
# dockaudit verify: OK on the session's journal; names the damaged seq after tampering.

_jedit() { "$PY" "$E2E_DIR/helpers/journal_edit.py" "$@" 2>&1; }

# _snapshot DIR: copy the live journal to DIR; retries until the copy verifies (no torn copy)
_snapshot() {
    local dst=$1 i
    for ((i = 0; i < 10; i++)); do
        rm -rf "$dst"
        cp -a "$J" "$dst"
        "$DOCKAUDIT" verify --journal "$dst" >/dev/null 2>&1 && return 0
        sleep 0.3
    done
    return 1
}

test_verify_session_journal() {
    local out rc
    out=$("$DOCKAUDIT" verify --journal "$J" 2>&1)
    rc=$?
    check_rc "dockaudit verify exits 0 on the session's journal" $rc "$out"
    check_true "verify prints OK: ..." '[[ $out == OK:* ]]' "$out"
}

# _tamper MODE: damage a snapshot's middle record; verify must exit 1 naming the seq
_tamper() {
    local mode=$1 dst=$T/jv-$1 info mid out rc want
    if ! _snapshot "$dst"; then
        fail "a verifiable snapshot of the journal ($mode)" "$("$DOCKAUDIT" verify --journal "$dst" 2>&1)"
        return
    fi
    info=$(_jedit lines "$dst")
    mid=$(printf '%s' "$info" | jq '(.first + .last) / 2 | floor')
    out=$(_jedit "$mode" "$dst" "$mid")
    out=$("$DOCKAUDIT" verify --journal "$dst" 2>&1)
    rc=$?
    check_eq "verify exits 1 after '$mode' of seq $mid" 1 "$rc"
    check_true "verify prints DAMAGED: seq N ... ($mode)" '[[ $out == DAMAGED:\ seq\ * ]]' "$out"
    case $mode in
        delete) want="seq ($mid|$((mid + 1)))[^0-9]" ;;
        swap) want="seq ($((mid - 1))|$mid|$((mid + 1)))[^0-9]" ;;
        *) want="seq ${mid}[^0-9]" ;;
    esac
    check_true "verify names the damaged seq ($mode of $mid)" '[[ "$out " =~ $want ]]' "$out"
    rm -rf "$dst"
}

test_verify_detects_flipped_byte() { _tamper flip; }
test_verify_detects_garbled_record() { _tamper garble; }
test_verify_detects_deleted_record() { _tamper delete; }
test_verify_detects_reordered_records() { _tamper swap; }
