#!/usr/bin/env python3
"""mkcorpus.py -- writes the seed corpora of tests/fuzz/corpus/ (all but
journal/, which fuzz-journal writes itself: see README.md).

Seeds are small and realistic: bodies and requests as the docker CLI 20.10
sends them, with the variants dockerd decodes that a naive reader would
miss (duplicate keys, letter case, Kelvin sign), chunked bodies, queries
with repeated keys, the example config and the policy of docs/authz.md.
Run from the repository root: python3 tests/fuzz/mkcorpus.py"""
import json
import os
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

CREATE = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": True,
    "AttachStdout": True, "AttachStderr": True, "Tty": True,
    "OpenStdin": True, "StdinOnce": True, "Env": ["PATH=/bin", "TOKEN=s3cr3t"],
    "Cmd": ["sh"], "Image": "busybox", "Volumes": {}, "WorkingDir": "",
    "Entrypoint": None, "OnBuild": None, "Labels": {},
    "HostConfig": {
        "Binds": ["/:/host", "/var/run/docker.sock:/s:ro", "data:/d"],
        "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}},
        "NetworkMode": "default", "PortBindings": {"80/tcp": [{"HostIp": "",
                                                               "HostPort": "8080"}]},
        "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
        "AutoRemove": True, "VolumeDriver": "", "VolumesFrom": None,
        "CapAdd": ["SYS_ADMIN", "net_admin"], "CapDrop": None,
        "CgroupnsMode": "", "Dns": [], "DnsOptions": [], "DnsSearch": [],
        "ExtraHosts": None, "GroupAdd": None, "IpcMode": "", "Cgroup": "",
        "Links": None, "OomScoreAdj": 0, "PidMode": "host", "Privileged": True,
        "PublishAllPorts": False, "ReadonlyRootfs": False,
        "SecurityOpt": ["seccomp=unconfined", "apparmor=unconfined",
                        "no-new-privileges"],
        "UTSMode": "", "UsernsMode": "", "ShmSize": 0, "ConsoleSize": [0, 0],
        "Isolation": "", "CpuShares": 0, "Memory": 0, "CgroupParent": "",
        "Devices": [{"PathOnHost": "/dev/sda", "PathInContainer": "/dev/sda",
                     "CgroupPermissions": "rwm"}],
        "DeviceCgroupRules": ["c 1:3 mr"], "Mounts": [
            {"Type": "bind", "Source": "/etc", "Target": "/e", "ReadOnly": True},
            {"Type": "volume", "Source": "v", "Target": "/v", "VolumeOptions": {
                "DriverConfig": {"Name": "local", "Options": {
                    "type": "none", "o": "bind", "device": "/root"}}}}],
        "MaskedPaths": None, "ReadonlyPaths": None, "Sysctls": {"net.ipv4.ip_forward": "1"},
    },
    "NetworkingConfig": {"EndpointsConfig": {}},
}

JSON_SEEDS = {
    "create-privileged.json": json.dumps(CREATE),
    "create-minimal.json": json.dumps({"Image": "busybox", "Cmd": ["true"],
                                       "HostConfig": {}}),
    # Go merges repeated objects; the last scalar wins; keys fold case
    "create-duplicates.json": '{"Image":"a","HostConfig":{"Privileged":true},'
    '"HostConfig":{"Binds":["/:/h"]},"hostconfig":{"capadd":["ALL"]},'
    '"HostConfig":{"Binds":[null]},"image":"b","HostConfig":null}',
    # U+212A Kelvin sign folds onto K in Go's field matching
    "create-kelvin.json": '{"HostConfig":{"NetworKMode":"host",'
    '"\u017fecurityOpt":["seccomp=unconfined"]}}'.replace(
        "NetworKMode", "Networ\u212aMode"),
    "create-seccomp-json.json": json.dumps({"HostConfig": {"SecurityOpt": [
        'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'], "Privileged": False,
        "UsernsMode": "host", "IpcMode": "container:x", "CgroupnsMode": "host"}}),
    "exec-create.json": json.dumps({"User": "root", "Privileged": True,
                                    "Tty": True, "AttachStdin": True,
                                    "Env": ["A=b"], "Cmd": ["sh", "-c", "id"],
                                    "WorkingDir": "/"}),
    "exec-start.json": '{"Detach":false,"Tty":true}',
    "update.json": json.dumps({"Devices": [{"PathOnHost": "/dev/kmsg"}],
                               "RestartPolicy": {"Name": "always"},
                               "Memory": 1048576}),
    "volume-create.json": json.dumps({"Name": "bindvol", "Driver": "local",
                                      "DriverOpts": {"type": "none", "o": "bind",
                                                     "device": "/etc"}, "Labels": {}}),
    "network-create.json": json.dumps({"Name": "n", "Driver": "macvlan",
                                       "Internal": False, "Attachable": True,
                                       "Options": {"parent": "eth0"},
                                       "CheckDuplicate": True}),
    "network-connect.json": '{"Container":"c1","EndpointConfig":{}}',
    "plugin-privileges.json": json.dumps([
        {"Name": "network", "Description": "", "Value": ["host"]},
        {"Name": "mount", "Value": ["/var/lib/docker/plugins/"]},
        {"Name": "capabilities", "Value": ["CAP_SYS_ADMIN"]}]),
    "plugin-set.json": '["DEBUG=1","password=hunter2"]',
    "service-create.json": json.dumps({"Name": "web", "TaskTemplate": {
        "ContainerSpec": {"Image": "nginx", "Args": ["-g"], "Env": ["K=v"],
                          "Privileges": {"SELinuxContext": None,
                                         "Seccomp": {"Mode": "unconfined"},
                                         "AppArmor": {"Mode": "unconfined"},
                                         "NoNewPrivileges": False},
                          "CapabilityAdd": ["CAP_NET_RAW"],
                          "Mounts": [{"Type": "bind", "Source": "/",
                                      "Target": "/h"}],
                          "Sysctls": {"a": "b"}, "User": "0"}},
        "Mode": {"Replicated": {"Replicas": 1}}}),
    "swarm-init.json": json.dumps({"ListenAddr": "0.0.0.0:2377",
                                   "AdvertiseAddr": "10.0.0.1",
                                   "ForceNewCluster": False,
                                   "Spec": {"EncryptionConfig": {"AutoLockManagers": True}}}),
    "swarm-join.json": json.dumps({"ListenAddr": "0.0.0.0:2377",
                                   "RemoteAddrs": ["10.0.0.2:2377"],
                                   "JoinToken": "SWMTKN-1-secret"}),
    "auth.json": '{"username":"u","password":"p@ss","serveraddress":'
    '"https://u:tok@registry.example/v2/","identitytoken":"x"}',
    "secret-create.json": '{"Name":"s","Data":"c2VjcmV0","Labels":{}}',
    "commit.json": '{"Cmd":["sh"],"Env":["A=1"],"User":"root","Entrypoint":null}',
    "numbers.json": '[0,-0,1e10,-1.5E-3,123456789012345678901234567890,"\\ud800",'
    '"\\u00e9\\n\\"",true,false,null,{},[]]',
    "query-object.json": '{"name":"web","fromImage":"busybox","tag":"1.36",'
    '"t":["a:1","b:2"],"buildargs":"{\\"A\\":\\"s\\"}",'
    '"remote":"https://u:p@git.example/r.git","networkmode":"host"}',
}


def crlf(lines):
    return "\r\n".join(lines).encode() + b"\r\n\r\n"


def chunked(body, sizes):
    out, i = b"", 0
    for s in sizes:
        out += b"%x\r\n" % s + body[i:i + s] + b"\r\n"
        i += s
    if i < len(body):
        out += b"%x;ext=1\r\n" % (len(body) - i) + body[i:] + b"\r\n"
    return out + b"0\r\nX-Trailer: 1\r\n\r\n"


def http_seeds():
    body = json.dumps(CREATE).encode()
    small = b'{"Image":"busybox","HostConfig":{"Privileged":true}}'
    return {
        "create-length.http": crlf([
            "POST /v1.41/containers/create?name=web HTTP/1.1",
            "Host: api.moby.localhost", "User-Agent: Docker-Client/20.10.24 (linux)",
            "Content-Length: %d" % len(body), "Content-Type: application/json"]) + body,
        "create-chunked.http": crlf([
            "POST /v1.41/containers/create HTTP/1.1", "Host: docker",
            "Transfer-Encoding: chunked", "Content-Type: application/json"]) +
        chunked(small, [5, 17]),
        "create-expect.http": crlf([
            "POST /containers/create HTTP/1.1", "Host: docker",
            "Expect: 100-continue", "Content-Type: application/json; charset=utf-8",
            "Content-Length: %d" % len(small)]) + small,
        "pull-auth.http": crlf([
            "POST /v1.41/images/create?fromImage=busybox&tag=latest&tag=evil HTTP/1.1",
            "Host: docker", "X-Registry-Auth: eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAifQ==",
            "Content-Length: 0"]),
        "exec-upgrade.http": crlf([
            "POST /v1.41/exec/4f1c2a/start HTTP/1.1", "Host: docker",
            "Connection: Upgrade", "Upgrade: tcp", "Content-Type: application/json",
            "Content-Length: 27"]) + b'{"Detach":false,"Tty":true}',
        "get-http10.http": b"GET /v1.24/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%22%5D%7D HTTP/1.0\r\n\r\n",
        "absolute-lf.http": b"DELETE http://docker/v1.41/containers/web?force=1&v=1 HTTP/1.1\nHost: docker\n\n",
        "pipelined.http": crlf(["GET /_ping HTTP/1.1", "Host: docker"]) +
        crlf(["HEAD /_ping HTTP/1.1", "Host: docker"]),
        "response-chunked.http": crlf(["HTTP/1.1 200 OK", "Transfer-Encoding: chunked",
                                       "Content-Type: application/json"]) +
        chunked(b'{"status":"Pulling"}\n', [7]),
        "build-query.http": crlf([
            "POST /v1.41/build?t=app%3A1&t=app%3A2&buildargs=%7B%22TOKEN%22%3A%22s%22%7D"
            "&networkmode=host&remote=https%3A%2F%2Fu%3Ap%40git.example%2Fr.git HTTP/1.1",
            "Host: docker", "Content-Type: application/x-tar", "Content-Length: 0"]),
    }


QUERY_SEEDS = {
    # first byte: the method (index into fuzz-query.c's methods[])
    "create.q": b"\x01/v1.41/containers/create?name=web&name=other",
    "pull.q": b"\x01/v1.41/images/create?fromImage=registry.example%2Fns%2Fimg&tag=1.0&tag=x",
    "build.q": b"\x01/build?t=a&buildargs=%7B%22A%22%3A%22b%22%7D&remote=https://u:p@h/&networkmode=host",
    "json-list.q": b"\x00/containers/json?all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D",
    "exec-start.q": b"\x01/v1.41/exec/0123456789abcdef/start",
    "image-name.q": b"\x03/v1.41/images/registry.example:5000/ns/img:tag?force=1",
    "plugin.q": b"\x01/v1.41/plugins/pull?remote=vieux%2Fsshfs&name=sshfs",
    "commit.q": b"\x01/commit?container=web&repo=img&tag=t&changes=USER%20root&changes=CMD%20sh",
    "decoded.q": b"\x01/v1.41/containers/a%2Fb/exec?x=%zz&+=+&%00=1&a=1&a=2",
    "swarm.q": b"\x01/v1.41/swarm/join",
    "secret.q": b"\x02/v1.41/secrets/abc/update?version=12",
    "dotdot.q": b"\x00/v1.41/../containers/./web/json",
}


def policy_block():
    with open(os.path.join(os.path.dirname(ROOT), "..", "..", "docs", "authz.md")) as f:
        text = f.read()
    start = text.index("```yaml\npolicy:\n") + len("```yaml\n")
    return text[start:text.index("```", start)]


def write(sub, name, data):
    d = os.path.join(ROOT, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    for sub in ("http", "json", "query", "config", "policy"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    for k, v in JSON_SEEDS.items():
        write("json", k, v)
    for k, v in http_seeds().items():
        write("http", k, v)
    for k, v in QUERY_SEEDS.items():
        write("query", k, v)
    repo = os.path.join(os.path.dirname(ROOT), "..", "..")
    with open(os.path.join(repo, "etc", "dockaudit.yaml")) as f:
        example = f.read()
    write("config", "example.yaml", example)
    pol = policy_block()
    write("config", "with-policy.yaml", example + "\nauthz:\n  socket: unix:///run/p.sock\n" + pol)
    write("config", "flow.yaml", '{listen: ["unix:///tmp/a.sock"], backend: "/b.sock", '
          'journal: {dir: /j, segment_size: 1KiB, retention: {max_age: 1h}}, '
          'policy: {mode: observe, deny: [{cap_add: [ALL]}]}}\n')
    # policy_yaml reads the mapping under `policy:`
    body = "\n".join(l[2:] for l in pol.splitlines()[1:]) + "\n"
    write("policy", "authz-md.yaml", body)
    write("policy", "all-fields.yaml",
          "mode: observe\ndeny:\n  - name: all\n    action: [\"container.*\", exec.start]\n"
          "    privileged: true\n    bind_source: [\"/etc\", \"/var/*/docker.sock\"]\n"
          "    cap_add: [sys_admin, ALL]\n    devices: [\"/dev/sd*\"]\n"
          "    pid_mode: host\n    network_mode: [host, \"container:*\"]\n"
          "    ipc_mode: host\n    userns_mode: host\n    uts_mode: host\n"
          "    seccomp_unconfined: true\n    apparmor_unconfined: true\n"
          "    message: \"no\"\nallow_users: [root, \"alice\"]\n")
    write("policy", "anchors.yaml", "deny:\n  - &r {name: a, pid_mode: host}\n  - *r\n")
    write("policy", "paths.yaml", "//etc/./x/../shadow/")


if __name__ == "__main__":
    main()
