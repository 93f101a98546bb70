# shellcheck shell=bash
# Differential tests against the real dockerd (issue 10, "the record never lies").
# helpers/differential.py sends hundreds of seeded variants of security-relevant calls as raw
# HTTP through dockaudit and compares what dockerd did (docker inspect, the image config, the
# pull it attempted) with what the record says: the record may over-report, never under-report.
# One check per mutation class; a class whose variants never made dockerd do anything risky is
# a failure too (a check that cannot fail is no check).  Then the same variants go through a
# dockaudit in policy.mode enforce: no container, exec or volume dockerd has may break a rule.
#
#   DIFF_SEED (default 1010), DIFF_N (about how many variants, 360), DIFF_JOBS (3 at a time),
#   DIFF_DEADLINE (seconds per phase, 230: past it the rest is skipped and the count check fails)
#   A failing variant is printed with its raw request; replay it with E2E_KEEP=1 and
#   AUDIT_SOCK=... DE_SOCK=... J=... python3 tests/e2e/helpers/differential.py --replay ID

DF_PY=$E2E_DIR/helpers/differential.py
# every class the generator has (a class that vanished would otherwise pass unseen)
DF_CLASSES="control key-case key-fold-go key-fold-nongo escaped-keys duplicates nesting
content-type form-body query-repeat query-pctenc path-pctenc chunked api-version old-start
trailing route-slashes build-multipart link-alias secrets"
# the risky things the plain controls must have made dockerd do
DF_CONTROLS="privileged bind cap_add pid_mode exec_privileged image_user pull volume_bind"
DF_CONTROLS+=" build_network tag restart_policy network_option"

_df_args() {
    printf '%s\n' --seed "${DIFF_SEED:-1010}" --n "${DIFF_N:-360}" --jobs "${DIFF_JOBS:-3}"
}

test_differential_judge() {
    # the judge itself: a record that shows a fact passes, one that omits it fails
    check "differential: the judge tells a record that shows what dockerd did from one that omits it" \
        "$PY" "$DF_PY" selftest
}

test_differential_observe() {
    local out rc cls n risky under unc seen=0 total=0 tunder=0 tunc=0 fails=0 c k args
    local dir=$T/differential
    mapfile -t args < <(_df_args)
    out=$("$PY" "$DF_PY" observe --audit-sock "$AUDIT_SOCK" --direct-sock "$DE_SOCK" --journal "$J" \
        --dockaudit "$DOCKAUDIT" --out "$dir" "${args[@]}" 2>&1)
    rc=$?
    echo "    $out" | tail -n 3
    check_rc "differential observe run completes" $rc "$out"
    [ -s "$dir/summary.tsv" ] || { fail "differential wrote a summary" "$out"; return; }
    while IFS=$'\t' read -r cls n risky under unc; do
        seen=$((seen + 1))
        total=$((total + n))
        tunder=$((tunder + under))
        tunc=$((tunc + unc))
        local desc="differential: $cls ($n variants, $risky where dockerd did something risky, $unc uncertain): no under-report"
        [ "$cls" = secrets ] && desc="differential: secrets ($n variants, $risky reached dockerd): no secret value in the journal"
        if [ "$n" -eq 0 ] || [ "$risky" -eq 0 ]; then
            fail "$desc" "vacuous: $n variants, $risky made dockerd do anything risky"
            fails=$((fails + 1))
        elif [ "$under" -gt 0 ]; then
            fail "$desc" "$under of $n variants under-report; the first ones:
$(cat "$dir/fail-$cls.txt")"
            fails=$((fails + 1))
        else
            pass "$desc"
        fi
    done <"$dir/summary.tsv"
    for c in $DF_CLASSES; do
        grep -q "^$c	" "$dir/summary.tsv" || fail "differential: class $c ran" "not in $dir/summary.tsv"
    done
    check_eq "differential: positive controls made dockerd do each of: $DF_CONTROLS (missing:)" "" \
        "$(for k in $DF_CONTROLS; do grep -qw "$k" "$dir/controls.txt" || printf '%s ' "$k"; done)"
    check_eq "differential: every object dockerd made is attributed to its variant" "" \
        "$(cat "$dir/leftovers.txt")"
    echo "    differential: $seen classes, $total variants (seed ${DIFF_SEED:-1010}), $tunder under-reports in $fails classes, $tunc uncertain records"
    check_true "differential: hundreds of variants ran ($total)" "[ $total -ge $((${DIFF_N:-360} * 9 / 10)) ]"
}

test_differential_enforce() {
    local sock=$T/df-enf.sock ej=$T/df-enf-journal cfg=$T/df-enf.yaml pid out rc
    local dir=$T/differential sent allowed viol st_deny st_ok args cls n nok bad
    cat >"$cfg" <<'YAML'
policy:
  mode: enforce
  deny:
    - name: no-privileged
      privileged: true
    - name: no-host-root
      bind_source: ["/", "/etc"]
    - name: no-sys-admin
      cap_add: [SYS_ADMIN]
    - name: no-pid-host
      pid_mode: host
YAML
    check "dockaudit init for the enforcing journal" "$DOCKAUDIT" init --journal "$ej"
    pid=$(da_launch "$ej" "$sock" "$T/df-enf-dockaudit.log" --config "$cfg")
    echo "$pid" >"$T/df-enf.pid"
    check "a dockaudit with policy.mode enforce starts" wait_ping "$sock" "$pid" 20 || return
    mapfile -t args < <(_df_args)
    out=$("$PY" "$DF_PY" enforce --enforce-sock "$sock" --direct-sock "$DE_SOCK" --out "$dir" \
        "${args[@]}" 2>&1)
    rc=$?
    echo "    $out" | tail -n 3
    check_rc "differential enforce run completes" $rc "$out"
    [ -s "$dir/enforce.tsv" ] || { fail "differential enforce wrote a summary" "$out"; return; }
    IFS=$'\t' read -r _ sent allowed viol st_deny st_ok < <(grep '^total' "$dir/enforce.tsv")
    check_true "differential enforce: variants sent (${sent:-0}), some allowed (${allowed:-0}), some refused" \
        "[ ${sent:-0} -gt 0 ] && [ ${allowed:-0} -gt 0 ] && [ ${allowed:-0} -lt ${sent:-0} ]"
    check_eq "differential enforce: a plain privileged create is refused" 403 "$st_deny"
    check_eq "differential enforce: a harmless create is allowed" 201 "$st_ok"
    # one check per class: no container, exec or volume a variant left breaks a deny rule
    while IFS=$'\t' read -r cls n nok bad; do
        [ "$cls" = total ] && continue
        local desc="differential enforce: $cls ($n variants, $nok allowed): dockerd has nothing a deny rule forbids"
        [ "$cls" = sweep ] && desc="differential enforce: the final sweep finds nothing else a deny rule forbids"
        if [ "$bad" -eq 0 ]; then
            pass "$desc"
        else
            fail "$desc" "$bad violations; the first ones:
$(cat "$dir/enforce-$cls.txt" 2>/dev/null)"
        fi
    done <"$dir/enforce.tsv"
    grep -q '^sweep' "$dir/enforce.tsv" || pass "differential enforce: the final sweep finds nothing else a deny rule forbids"
    echo "    differential enforce: $sent variants, $allowed allowed, $viol violations"
    de_stop_pid "$pid" 10
    rm -f "$T/df-enf.pid"
}
