# shellcheck shell=bash
# The Docker SDK for Python gets the same results through dockaudit as directly.

test_python_sdk_same_results() {
    local p=sdk-$(rand_hex) direct proxied
    direct=$(timeout 200 "$PY" "$E2E_DIR/helpers/sdk.py" "unix://$DE_SOCK" "$p-d" 2>&1)
    check_rc "python SDK session directly against dockerd" $? "$direct"
    proxied=$(timeout 200 "$PY" "$E2E_DIR/helpers/sdk.py" "unix://$AUDIT_SOCK" "$p-p" 2>&1)
    check_rc "python SDK session through dockaudit" $? "$proxied"
    check_eq "python SDK results through dockaudit equal the direct ones" "$direct" "$proxied"
    expect_rec "SDK calls are recorded with the SDK's user agent" \
        '.stage=="request" and (.request.user_agent|tostring|test("docker-sdk-python"))'
    expect_rec "the SDK's exec_run is recorded (exec.create with its cmd)" \
        "$(req_filter container.exec.create '.security.exec.cmd==["sh","-c","echo exec-out; exit 5"]') and (.request.user_agent|tostring|test(\"docker-sdk-python\"))"
    local r
    r=$(rec1 "$(req_filter container.logs '(.request.query.follow=="1" or .request.query.follow==true) and (.request.user_agent|tostring|test("docker-sdk-python"))')")
    check "the SDK's follow stream has a container.logs request record" test -n "$r"
    expect_rec "the SDK's follow stream (closed by the client) got a session record" \
        "$(stage_of "$(printf '%s' "$r" | jq -r .request.id)" session)"
}
