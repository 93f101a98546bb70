#!/usr/bin/env python3
"""differential.py: differential tests of dockaudit's records against the real dockerd.

A seeded generator takes base requests (container create, exec create, container update, commit,
image pull and import, old-API start, build, volume and network create) and applies mutations
(key case and Unicode folding, escaped and duplicate keys, nulls, nesting moves, Content-Type
variants, form bodies, repeated and percent-encoded query parameters, percent-encoded paths,
chunked bodies, API version prefixes, trailing data).  Each variant is sent as raw HTTP through
dockaudit; then the oracle asks dockerd directly (inspect of what the call made, the pull it
attempted, the image it committed) and compares that with the record.  The rule: the record may
over-report, never under-report.  A record with security.uncertain is honest about its doubt
(counted, not failed).  In enforce mode the same variants go through a dockaudit with deny rules
and no container, exec or volume dockerd has afterwards may break a rule.

usage:
  differential.py observe --audit-sock S --direct-sock D --journal J --dockaudit BIN --out DIR
                          [--seed N] [--n N] [--jobs N]
  differential.py enforce --enforce-sock E --direct-sock D --out DIR [--seed N] [--n N]
  differential.py --replay ID [--seed N]    (sockets and journal from AUDIT_SOCK, DE_SOCK, J)
  differential.py --show ID [--seed N]      print the variant's raw request only
Defaults come from the environment: DIFF_SEED (1010), DIFF_N (360), DIFF_JOBS (3),
DIFF_DEADLINE (230 s per phase), DIFF_OUT, AUDIT_SOCK, DE_SOCK, ENFORCE_SOCK, J, DOCKAUDIT.

`observe` writes DIR/summary.tsv (class, variants, variants where dockerd did something risky,
under-reports, uncertain records), DIR/fail-CLASS.txt (the first failing variants of each class,
printed so that they can be replayed), controls.txt, leftovers.txt and results.json; `enforce`
writes DIR/enforce.tsv and enforce.txt.  Each prints a one-line total.  Standard library only.
"""
import argparse
import concurrent.futures
import http.server
import json
import os
import posixpath
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from differential_gen import (CLASSES, build_ctx, build_label, plan,  # noqa: E402
                              shell_replay, variant)

UA = "dockaudit-differential"

# ---------------------------------------------------------------------------------------------
# raw HTTP over a unix socket


def http_raw(sock, raw, timeout=90):
    """Send raw bytes, read one response: (status, headers {lower: value}, body bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock)
        s.sendall(raw)
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                return 0, {}, buf
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        hdr = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdr[k.strip().lower()] = v.strip()
        if status in (101, 204, 304) or 100 <= status < 200:
            return status, hdr, b""
        if "content-length" in hdr:
            n = int(hdr["content-length"])
            while len(rest) < n:
                d = s.recv(65536)
                if not d:
                    break
                rest += d
            return status, hdr, rest[:n]
        while True:  # chunked or until close (Connection: close)
            if hdr.get("transfer-encoding", "").lower() == "chunked" and rest.endswith(b"0\r\n\r\n"):
                break
            d = s.recv(65536)
            if not d:
                break
            rest += d
        if hdr.get("transfer-encoding", "").lower() == "chunked":
            out, p = b"", 0
            while True:
                e = rest.find(b"\r\n", p)
                if e < 0:
                    break
                n = int(rest[p:e].split(b";")[0] or b"0", 16)
                if n == 0:
                    break
                out += rest[e + 2:e + 2 + n]
                p = e + 2 + n + 2
            rest = out
        return status, hdr, rest
    except (OSError, ValueError, IndexError) as e:
        return 0, {}, ("client error: %s" % e).encode()
    finally:
        s.close()


def api(sock, method, path, body=None, ct="application/json", raw_body=None):
    """A plain call (the oracle's and setup's): (status, parsed JSON or text)."""
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
    h = "%s %s HTTP/1.1\r\nHost: d\r\nUser-Agent: %s-oracle\r\nConnection: close\r\n" % (method, path, UA)
    if data or method in ("POST", "PUT"):
        h += "Content-Type: %s\r\nContent-Length: %d\r\n" % (ct, len(data))
    st, _, b = http_raw(sock, h.encode() + b"\r\n" + data)
    try:
        return st, json.loads(b)
    except ValueError:
        return st, b.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# the oracle: what dockerd did


def volume_bind_device(m):
    """A Mounts entry of type volume whose local driver options bind a host path: the path."""
    if m.get("Type") != "volume":
        return None
    o = ((m.get("VolumeOptions") or {}).get("DriverConfig") or {}).get("Options") or {}
    if "bind" in (o.get("o") or "").split(",") and o.get("device"):
        return npath(o["device"])
    return None


def norm_cap(c):
    c = str(c).upper()  # Python and Go both upper-case U+0131 to I and U+017F to S
    return c[4:] if c.startswith("CAP_") else c


def npath(p):
    """Lexically clean, and "//x" is "/x" too (normpath keeps two leading slashes)."""
    if not p:
        return p
    p = posixpath.normpath(p)
    return "/" + p.lstrip("/") if p.startswith("//") else p


def rootish(u):
    u = (u or "").split(":")[0]
    return u in ("", "0", "root")


CTX_ADDR = ["127.0.0.1:9"]  # the build-context server's address, once started
NETNS_HITS = set()  # variants whose build RUN step reached the server: host network


class CtxHandler(http.server.BaseHTTPRequestHandler):
    """Serves /ctx/ID.tar, the build context of variant ID (for /build?remote=...), and notes
    GET /netns/ID (a RUN step of ID's build in the host's network namespace)."""

    def do_GET(self):
        m = re.fullmatch(r"/ctx/([a-z0-9-]+)\.tar", self.path)
        n = re.fullmatch(r"/netns/([a-z0-9-]+)", self.path)
        if n:
            NETNS_HITS.add(n.group(1))
        data = build_ctx(m.group(1), CTX_ADDR[0]) if m else b""
        self.send_response(200 if m or n else 404)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def start_ctx_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CtxHandler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    CTX_ADDR[0] = "127.0.0.1:%d" % srv.server_address[1]


class Ctx:
    def __init__(self, direct, audit):
        self.d, self.a = direct, audit
        if CTX_ADDR[0].endswith(":9"):
            start_ctx_server()

    def ids(self, kind):
        if kind == "containers":
            st, j = api(self.d, "GET", "/containers/json?all=1")
            return {c["Id"] for c in j} if st == 200 else set()
        if kind == "images":
            st, j = api(self.d, "GET", "/images/json?all=1")
            return {c["Id"] for c in j} if st == 200 else set()
        if kind == "volumes":
            st, j = api(self.d, "GET", "/volumes")
            return {v["Name"] for v in (j.get("Volumes") or [])} if st == 200 else set()
        if kind == "networks":
            st, j = api(self.d, "GET", "/networks")
            return {n["Id"] for n in j} if st == 200 else set()
        return set()

    def setup(self):
        for name, body, start in [
                ("df-exec-base", {"Image": "bb", "Cmd": ["sleep", "3600"]}, True),
                ("df-commit-base", {"Image": "bb", "Cmd": ["sleep", "3600"], "User": "1000:1000",
                                    "Env": ["BASE=1"]}, False),
                ("df-upd-base", {"Image": "bb", "Cmd": ["sleep", "3600"]}, False),
                # a legacy link: /containers/df-link-web/al/... names df-exec-base
                ("df-link-web", {"Image": "bb", "Cmd": ["true"],
                                 "HostConfig": {"Links": ["df-exec-base:al"]}}, False)]:
            st, _ = api(self.d, "GET", "/containers/%s/json" % name)
            if st != 200:
                st, j = api(self.d, "POST", "/containers/create?name=" + name, body)
                if st != 201:
                    raise SystemExit("differential: setup create %s: %s %s" % (name, st, j))
            if start:
                api(self.d, "POST", "/containers/%s/start" % name)
        self.base = {k: self.ids(k) for k in ("containers", "images", "volumes", "networks")}
        hc = api(self.d, "GET", "/containers/df-exec-base/json")[1].get("HostConfig") or {}
        self.defaults = {f: len(hc.get(f) or []) for f in ("MaskedPaths", "ReadonlyPaths")}

    def prepare(self, v):
        if v.kind == "oldstart":
            api(self.d, "DELETE", "/containers/%s?force=1" % v.target)
            st, j = api(self.d, "POST", "/containers/create?name=" + v.target,
                        {"Image": "bb", "Cmd": ["true"]})
            if v.link_web:  # the target is reached through a link alias: web/al
                api(self.d, "DELETE", "/containers/%s?force=1" % v.link_web)
                api(self.d, "POST", "/containers/create?name=" + v.link_web,
                    {"Image": "bb", "Cmd": ["true"], "HostConfig": {"Links": [v.target + ":al"]}})
        if v.kind == "update":
            api(self.d, "POST", "/containers/df-upd-base/update", {"RestartPolicy": {"Name": "no"}})
        if v.kind in ("push", "tag"):
            api(self.d, "POST", "/images/bb/tag?repo=%s&tag=latest" % v.target)

    def container_facts(self, cid, facts):
        st, c = api(self.d, "GET", "/containers/%s/json" % cid)
        if st != 200:
            return
        hc, cfg = c.get("HostConfig") or {}, c.get("Config") or {}
        if hc.get("Privileged"):
            facts.append(("privileged", True))
        for b in hc.get("Binds") or []:
            src = b.split(":")[0]
            if src.startswith("/"):
                facts.append(("bind", npath(src)))
        for m in hc.get("Mounts") or []:
            if m.get("Type") == "bind":
                facts.append(("bind", npath(m.get("Source"))))
            dev = volume_bind_device(m)
            if dev:
                facts.append(("bind", dev))
        for f, key in [("MaskedPaths", "masked_paths"), ("ReadonlyPaths", "readonly_paths")]:
            got = hc.get(f)
            if not hc.get("Privileged") and got is not None and len(got) < self.defaults[f]:
                facts.append((key, len(got)))
        for cap in hc.get("CapAdd") or []:
            facts.append(("cap_add", norm_cap(cap)))
        for f, key in [("PidMode", "pid_mode"), ("IpcMode", "ipc_mode"), ("UTSMode", "uts_mode"),
                       ("NetworkMode", "network_mode"), ("UsernsMode", "userns_mode")]:
            val = hc.get(f) or ""
            if val == "host" or val.startswith("container:"):
                facts.append((key, val))
        for d in hc.get("Devices") or []:
            facts.append(("device", d.get("PathOnHost")))
        for o in hc.get("SecurityOpt") or []:
            # label=disable is dockerd's own addition for privileged and host-namespace containers
            if "unconfined" in o or ("disable" in o and o != "label=disable"):
                facts.append(("security_opt", o))
        for k in (hc.get("Sysctls") or {}):
            facts.append(("sysctl", k))
        if not hc.get("ReadonlyRootfs"):
            facts.append(("readonly_rootfs", False))
        facts.append(("user", cfg.get("User") or ""))
        lc = hc.get("LogConfig") or {}
        if lc.get("Type") not in (None, "", "json-file"):
            facts.append(("log_driver", lc.get("Type")))
        return c

    def observe(self, v, status, body):
        """What dockerd did: a list of (fact, value); the objects to remove afterwards.  Objects
        are found from dockerd's answer (ids), so variants can run side by side."""
        facts, junk = [], []
        text = body.decode("utf-8", "replace")
        try:
            j = json.loads(body) if body[:1] == b"{" else {}
        except ValueError:
            j = {}
        made = j.get("Id") if status == 201 and isinstance(j, dict) else None
        if v.kind == "create" and made:
            self.container_facts(made, facts)
            junk.append(("containers", made))
        if v.kind == "oldstart":
            self.container_facts(v.target, facts)
            junk += [("containers", x) for x in (v.link_web, v.target) if x]
        if v.kind == "exec" and made:
            st, e = api(self.d, "GET", "/exec/%s/json" % made)
            if st == 200:
                pc = e.get("ProcessConfig") or {}
                if pc.get("privileged"):
                    facts.append(("exec_privileged", True))
                facts.append(("exec_user", pc.get("user") or ""))
        if v.kind == "update":
            st, c = api(self.d, "GET", "/containers/df-upd-base/json")
            rp = ((c.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") if st == 200 else ""
            if rp not in ("", "no", None):
                facts.append(("restart_policy", rp))
        images = [made] if v.kind == "commit" and made else []
        images += re.findall(r'"status":"(sha256:[0-9a-f]{64})"', text)
        if v.kind == "build":  # by label: dockerd may send no output at all (multipart bodies)
            flt = urllib.parse.quote(json.dumps({"label": [build_label(v.vid)]}))
            st, ims = api(self.d, "GET", "/images/json?all=1&filters=" + flt)
            ims = sorted(ims if st == 200 else [], key=lambda x: -x.get("Created", 0))
            images += [x["Id"] for x in ims if x.get("RepoTags") and x["RepoTags"] != ["<none>:<none>"]]
            images += [x["Id"] for x in ims if x["Id"] not in images]
        for iid in images:
            st, im = api(self.d, "GET", "/images/%s/json" % iid)
            junk.append(("images", iid))
            if st != 200:
                continue
            cfg = im.get("Config") or {}
            if v.kind == "commit":
                facts.append(("image_user", cfg.get("User") or ""))
                if (cfg.get("Cmd") or []) != ["sleep", "3600"]:
                    facts.append(("image_cmd", cfg.get("Cmd")))
                if cfg.get("Entrypoint"):
                    facts.append(("image_entrypoint", cfg.get("Entrypoint")))
                for e in cfg.get("Env") or []:
                    n = e.split("=")[0]
                    if n not in ("PATH", "BASE"):
                        facts.append(("image_env", n))
            elif v.kind == "build":
                for t in im.get("RepoTags") or []:
                    if t.startswith("dfb"):
                        facts.append(("tag", t.split(":")[0]))
                if (cfg.get("Labels") or {}).get("a"):
                    facts.append(("buildarg", "A"))
            else:  # import (also from a pull-looking call)
                facts.append(("imported", True))
                if cfg.get("User"):
                    facts.append(("import_user", cfg.get("User")))
        if v.kind == "build" and v.vid in NETNS_HITS:
            facts.append(("build_network", "host"))
        if v.kind in ("push", "tag"):
            junk.append(("images", v.target + ":latest"))
        if v.kind == "push" and re.search(r"localhost:%d" % v.ports[0], text):
            facts.append(("push", v.target))
        if v.kind == "tag":
            ref = "dftag/%s:t" % v.vid
            if api(self.d, "GET", "/images/%s/json" % ref)[0] == 200:
                facts.append(("tagged", "dftag/" + v.vid))
                junk.append(("images", ref))
        if v.kind == "pull":
            for p in v.ports:
                if re.search(r"localhost:%d/" % p, text):
                    facts.append(("pull", "localhost:%d" % p))
        if v.kind == "network" and made:
            st, n = api(self.d, "GET", "/networks/" + made)
            junk.append(("networks", made))
            if st == 200:
                facts.append(("network_driver", n.get("Driver")))
                if not n.get("Internal"):
                    facts.append(("network_internal", False))
                for key, val in (n.get("Options") or {}).items():
                    facts.append(("network_option", "%s=%s" % (key, val)))
        if v.kind in ("volume", "secretvol") and made is None and status == 201:
            made = j.get("Name")
        if v.kind in ("volume", "secretvol") and made:
            st, vo = api(self.d, "GET", "/volumes/" + made)
            junk.append(("volumes", made))
            o = (vo.get("Options") or {}) if st == 200 else {}
            if "bind" in (o.get("o") or "").split(",") and o.get("device"):
                facts.append(("volume_bind", npath(o.get("device"))))
        return facts, junk, text

    def leftovers(self):
        """Objects dockerd has that no variant accounted for (then removed)."""
        out = []
        for kind in ("containers", "images", "volumes", "networks"):
            for ident in self.ids(kind) - self.base[kind]:
                facts = []
                if kind == "containers":
                    c = self.container_facts(ident, facts) or {}
                    if (c.get("Name") or "").startswith(("/df-exec-base", "/df-commit-base",
                                                         "/df-upd-base", "/df-link-web")):
                        continue
                out.append((kind, ident[:24], [f for f in facts if is_risky(*f)]))
                self.cleanup([(kind, ident)])
        return out

    def secret_start(self, v):
        """secrets: start a container on the tmpfs volume whose o= carries the secret, through
        dockaudit, so that dockerd's mount error (data: ...) reaches the record."""
        name = "dfs-" + v.vid
        api(self.d, "DELETE", "/containers/%s?force=1" % name)
        api(self.d, "POST", "/containers/create?name=" + name,
            {"Image": "bb", "Cmd": ["true"], "HostConfig": {"Binds": ["dfv-%s:/v" % v.vid]}})
        st, j = api(self.a, "POST", "/v1.41/containers/%s/start" % name)
        api(self.d, "DELETE", "/containers/%s?force=1" % name)
        return st, json.dumps(j)

    def cleanup(self, junk):
        for kind, ident in junk:
            if kind == "containers":
                api(self.d, "DELETE", "/containers/%s?force=1&v=1" % ident)
            elif kind == "images":
                byid = re.fullmatch(r"(sha256:)?[0-9a-f]{12,64}", ident) is not None
                api(self.d, "DELETE", "/images/%s?force=%d" % (ident, byid))
            elif kind == "volumes":
                api(self.d, "DELETE", "/volumes/%s?force=1" % ident)
            elif kind == "networks":
                api(self.d, "DELETE", "/networks/%s" % ident)


# ---------------------------------------------------------------------------------------------
# judging the record


def strings(x):
    """Every string (and key) inside a JSON value, flattened."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)
    elif x is not None:
        yield str(x)


def change_lines(sec, rec=None):
    """The Dockerfile lines the record says were applied (commit/import `changes`)."""
    c = (sec.get("commit") or {}).get("changes") or []
    c = [c] if isinstance(c, str) else list(c)
    q = ((rec or {}).get("request") or {}).get("query") or {}
    qc = q.get("changes") if isinstance(q, dict) else None
    c += [qc] if isinstance(qc, str) else list(qc or [])
    out = []
    for e in c:
        out += str(e).split("\n")
    return out


def explains(fact, val, rec, sec):
    """Does the record show this thing dockerd did?"""
    everything = urllib.parse.unquote(" ".join(strings(sec)) + " " + " ".join(
        strings(rec.get("object"))) + " " + " ".join(strings((rec.get("request") or {}).get("query"))))
    ex = sec.get("exec") or {}
    if fact == "privileged":
        return sec.get("privileged") is True
    if fact == "exec_privileged":
        return ex.get("privileged") is True
    if fact == "bind":
        for m in sec.get("mounts") or []:
            for k in ("source", "device"):
                if isinstance(m, dict) and m.get(k) and npath(str(m.get(k))) == val:
                    return True
        return False
    if fact == "cap_add":
        caps = {norm_cap(c) for c in (sec.get("cap_add") or [])}
        return val in caps or "ALL" in caps
    if fact in ("pid_mode", "ipc_mode", "uts_mode", "network_mode", "userns_mode"):
        return sec.get(fact) == val
    if fact == "device":
        return val in " ".join(strings(sec.get("devices")))
    if fact == "security_opt":
        what, _, how = val.replace(":", "=", 1).partition("=")
        if sec.get(what) == how:
            return True
        return val in list(strings(sec.get("security_opt")))
    if fact == "sysctl":
        return val in " ".join(strings(sec.get("sysctls")))
    if fact in ("masked_paths", "readonly_paths"):
        got = sec.get(fact)
        return isinstance(got, list) and len(got) <= val
    if fact == "readonly_rootfs":
        return sec.get("readonly_rootfs") is not True
    if fact in ("user", "exec_user"):
        said = (ex if fact == "exec_user" else sec).get("user")
        return not rootish(val) or said is None or rootish(str(said))
    if fact == "log_driver":
        return sec.get("log_driver") == val
    if fact == "restart_policy":
        return val in everything
    if fact == "import_user":
        return any(ln.strip().upper().startswith("USER ") and ln.split(None, 1)[1].strip() == val
                   for ln in change_lines(sec, rec))
    if fact == "image_user":
        users = [ln.split(None, 1)[1].strip() for ln in change_lines(sec, rec)
                 if ln.strip().upper().startswith("USER ") and len(ln.split(None, 1)) > 1]
        if users:
            return users[-1] == val or (rootish(users[-1]) == rootish(val))
        said = sec.get("user")
        if said not in (None, ""):
            return said == val or rootish(str(said)) == rootish(val)
        return val == "1000:1000" or (rec.get("action") == "image.import" and not val)
    if fact in ("image_cmd", "image_entrypoint"):
        key = fact[6:]
        if sec.get(key) == val or any(ln.strip().upper().startswith(key.upper())
                                      for ln in change_lines(sec, rec)):
            return True
        return False
    if fact == "image_env":
        return val in " ".join(strings(sec.get("env_names"))) or any(
            ln.strip().upper().startswith("ENV") and val in ln for ln in change_lines(sec, rec))
    if fact == "pull":
        return rec.get("action") == "image.pull" and val in everything
    net = sec.get("network") or {}
    if fact == "network_driver":
        return net.get("driver") == val or (val == "bridge" and net.get("driver") in (None, ""))
    if fact == "network_internal":
        return net.get("internal") is not True
    if fact == "network_option":
        k, _, x = val.partition("=")
        opts = net.get("options")
        return isinstance(opts, dict) and str(opts.get(k)) == x
    if fact == "push":
        return rec.get("action") == "image.push" and val in everything
    if fact == "tagged":
        return rec.get("action") == "image.tag" and val in everything
    if fact == "imported":
        return rec.get("action") == "image.import"
    query = (rec.get("request") or {}).get("query") or {}
    if fact == "tag":
        return val in " ".join(strings((sec.get("build") or {}).get("tags"))) or \
            val in " ".join(strings(query.get("t")))
    if fact == "buildarg":
        return val in list(strings((sec.get("build") or {}).get("buildarg_names"))) or \
            val in list(strings(query.get("buildargs")))
    if fact == "build_network":
        return sec.get("network_mode") == "host"
    if fact == "volume_bind":
        vol = sec.get("volume") or {}
        if vol.get("device") and npath(vol.get("device")) == val:
            return True
        return explains("bind", val, rec, sec)
    return False


RISKY_FACTS = {"privileged", "exec_privileged", "bind", "cap_add", "pid_mode", "ipc_mode", "uts_mode",
               "network_mode", "userns_mode", "device", "security_opt", "sysctl", "restart_policy",
               "pull", "imported", "tag", "buildarg", "build_network", "volume_bind", "image_cmd",
               "image_env", "image_entrypoint", "log_driver", "import_user", "push", "tagged",
               "masked_paths", "readonly_paths", "network_option"}


def is_risky(fact, val):
    if fact in RISKY_FACTS:
        return True
    if fact in ("user", "exec_user"):
        return False
    if fact == "image_user":
        return rootish(val)
    return False


def last_seq(dockaudit, journal):
    out = subprocess.run([dockaudit, "search", "--journal", journal], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False).stdout
    seqs = [int(m) for m in re.findall(rb'^\{"v":1,"seq":(\d+)', out, re.M)]
    return max(seqs) if seqs else 0


def load_records(dockaudit, journal):
    out = subprocess.run([dockaudit, "search", "--journal", journal], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False).stdout
    recs = {}
    for ln in out.splitlines():
        try:
            r = json.loads(ln)
        except ValueError:
            continue
        ua = (r.get("request") or {}).get("user_agent") or ""
        if r.get("kind") == "api" and ua.startswith(UA + "/"):
            recs.setdefault(ua, []).append(r)
    return recs


def judge(res, recs):
    """Fill res['verdict']: ok, uncertain, or under (with the facts the record misses)."""
    rl = recs.get(res["ua"], [])
    req = next((r for r in rl if r.get("stage") == "request"), None)
    resp = next((r for r in rl if r.get("stage") == "response"), None)
    res["record"] = req
    res["response_record"] = {k: resp.get(k) for k in ("outcome", "response")} if resp else None
    facts = res["facts"]
    res["risky"] = any(is_risky(f, v) for f, v in facts)
    did = res["status"] and res["status"] < 400 or res["risky"]
    if req is None:
        res["missed"] = [["no request record", None]] if did else []
    else:
        sec = req.get("security") or {}
        res["missed"] = [[f, v] for f, v in facts if not explains(f, v, req, sec)]
    unc = req is not None and bool((req.get("security") or {}).get("uncertain"))
    res["uncertain"] = unc
    res["verdict"] = "ok" if not res["missed"] else ("uncertain" if unc else "under")


# ---------------------------------------------------------------------------------------------
# enforce mode: no object dockerd has may break a deny rule


def violations_container(ctx, cid):
    st, c = api(ctx.d, "GET", "/containers/%s/json" % cid)
    if st != 200:
        return []
    hc, out = c.get("HostConfig") or {}, []
    if hc.get("Privileged"):
        out.append("privileged")
    srcs = [b.split(":")[0] for b in hc.get("Binds") or []] + \
        [m.get("Source") for m in hc.get("Mounts") or [] if m.get("Type") == "bind"] + \
        [volume_bind_device(m) for m in hc.get("Mounts") or [] if volume_bind_device(m)]
    for s in srcs:
        s = npath(s or "")
        if s == "/" or s == "/etc" or s.startswith("/etc/"):
            out.append("bind " + s)
    if any(norm_cap(x) in ("SYS_ADMIN", "ALL") for x in hc.get("CapAdd") or []):
        out.append("cap_add SYS_ADMIN")
    if hc.get("PidMode") == "host":
        out.append("pid host")
    for eid in c.get("ExecIDs") or []:
        st, e = api(ctx.d, "GET", "/exec/%s/json" % eid)
        if st == 200 and (e.get("ProcessConfig") or {}).get("privileged"):
            out.append("privileged exec " + eid[:12])
    return ["%s: %s" % ((c.get("Name") or cid)[:40], x) for x in out]


def violations_volume(ctx, name):
    st, vo = api(ctx.d, "GET", "/volumes/" + name)
    o = (vo.get("Options") or {}) if st == 200 else {}
    d = npath(o.get("device") or "")
    if "bind" in (o.get("o") or "").split(",") and (d == "/" or d == "/etc" or d.startswith("/etc/")):
        return ["volume %s binds %s" % (name, d)]
    return []


# ---------------------------------------------------------------------------------------------
# driving


UPDATE_LOCK = threading.Lock()


def send(ctx, v, sock, ua):
    ctx.prepare(v)
    st, _, body = http_raw(sock, v.raw(ua, CTX_ADDR[0]))
    return st, body


def run_one(ctx, seed, v, sock, tag):
    ua = "%s/%s/%s/%s" % (UA, seed, tag, v.vid)
    if v.kind == "update":  # one shared base container: one update at a time
        with UPDATE_LOCK:
            st, body = send(ctx, v, sock, ua)
            facts, junk, text = ctx.observe(v, st, body)
    else:
        st, body = send(ctx, v, sock, ua)
        facts, junk, text = ctx.observe(v, st, body)
    res = {"id": v.vid, "class": v.cls, "kind": v.kind, "note": v.note, "ua": ua, "status": st,
           "facts": facts, "dockerd_said": text[:400]}
    if v.kind == "secretvol" and st < 300:
        res["start_status"], said = ctx.secret_start(v)
        res["dockerd_said"] += " | start: " + said[:300]
    # secrets: dockerd took the secret (accepted it, or echoed it in an error)
    res["secret_reached_dockerd"] = v.cls == "secrets" and (
        st in (200, 201) or "DFSECRET" in res["dockerd_said"])
    return res, junk


def run_all(ctx, a, variants, sock, tag, after):
    """Send every variant (a.jobs at a time), judge with after(v, res, junk), then clean up.
    Past a.deadline seconds the rest are skipped (reported, never passed silently)."""
    end = time.time() + a.deadline

    def one(v):
        if time.time() > end:
            return None
        res, junk = run_one(ctx, a.seed, v, sock, tag)
        after(v, res, junk)
        ctx.cleanup(junk)
        return res
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        done = list(ex.map(one, variants))
    skipped = sum(1 for r in done if r is None)
    if skipped:
        print("differential: deadline of %ds reached, %d variants skipped" % (a.deadline, skipped))
    return [r for r in done if r is not None]


def describe(v, res, sockvar="$AUDIT_SOCK"):
    raw = v.raw(res["ua"], CTX_ADDR[0])
    rec = res.get("record") or {}
    brief = {k: rec.get(k) for k in ("action", "outcome", "object", "security")} if rec else None
    if rec:
        brief["request"] = {k: (rec.get("request") or {}).get(k) for k in ("path", "query", "headers")}
    return "\n".join([
        "variant %s (%s): %s" % (v.vid, v.kind, v.note),
        "  raw request: %r" % raw[:1500],
        "  replay: python3 tests/e2e/helpers/differential.py --replay %s --seed %s" % (
            v.vid, res["ua"].split("/")[1]),
        "  or:     %s" % shell_replay(raw, sockvar)[:2500],
        "  dockerd: status %s, did %s" % (res["status"], json.dumps(res["facts"])),
        "  dockerd said: %s" % res["dockerd_said"][:300].replace("\n", " "),
    ] + ([] if "missed" not in res else [
        "  record misses: %s" % json.dumps(res.get("missed")),
        "  record said: %s" % json.dumps(brief, ensure_ascii=False)[:1500],
        "  response record: %s" % json.dumps(res.get("response_record"))[:300],
    ]))


def paths_of(x, needle, at=""):
    """The JSON paths inside x whose key or string value holds needle."""
    out = []
    if isinstance(x, dict):
        for k, v in x.items():
            p = "%s.%s" % (at, k)
            out += [p + " (key)"] if needle in str(k) else []
            out += paths_of(v, needle, p)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += paths_of(v, needle, "%s[%d]" % (at, i))
    elif isinstance(x, str) and needle in x:
        out.append(at)
    return out


def journal_leaks(journal, after_seq=0):
    """secrets: where the DFSECRET markers are in the journal, in records after after_seq (a
    journal used by an earlier run holds that run's): (marker, where)."""
    leaks = []
    for root, _, files in os.walk(journal):
        for f in files:
            try:
                with open(os.path.join(root, f), "rb") as fh:
                    lines = fh.read().split(b"\n")
            except OSError:
                continue
            for ln in lines:
                for m in set(re.findall(rb"DFSECRET[a-z0-9]+", ln)):
                    try:
                        rec = json.loads(ln)
                        where = "%s seq %s %s at %s" % (f, rec.get("seq"), rec.get("action"),
                                                        ", ".join(paths_of(rec, m.decode())))
                        if (rec.get("seq") or 0) <= after_seq:
                            continue
                    except ValueError:
                        where = f
                    leaks.append((m.decode(), where))
    return leaks


def cmd_observe(a):
    """Every variant through the observing dockaudit; judge each record against dockerd."""
    ctx = Ctx(a.direct_sock, a.audit_sock)
    ctx.setup()
    t0 = time.time()
    start_seq = last_seq(a.dockaudit, a.journal)
    variants = {vid: variant(a.seed, vid) for vid in plan(a.seed, a.n)}
    results = run_all(ctx, a, list(variants.values()), a.audit_sock, "o%x" % os.getpid(),
                      lambda v, r, j: None)
    left = ctx.leftovers()
    time.sleep(0.5)
    recs = load_records(a.dockaudit, a.journal)
    for res in results:
        judge(res, recs)
    leaks = journal_leaks(a.journal, start_seq)
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for c, _, _ in CLASSES:
        rs = [r for r in results if r["class"] == c]
        if c == "secrets":
            for r in rs:
                mark = "DFSECRET" + r["id"].replace("-", "")
                r["missed"] = [["secret in the journal", f] for m, f in leaks if m == mark]
                r["verdict"] = "under" if r["missed"] else "ok"
            risky = sum(1 for r in rs if r.get("secret_reached_dockerd"))
        else:
            risky = sum(1 for r in rs if r["risky"])
        under = [r for r in rs if r["verdict"] == "under"]
        unc = sum(1 for r in rs if r["uncertain"])
        rows.append((c, len(rs), risky, len(under), unc))
        with open(os.path.join(a.out, "fail-%s.txt" % c), "w") as fh:
            for r in under[:3]:
                fh.write(describe(variants[r["id"]], r) + "\n\n")
    with open(os.path.join(a.out, "summary.tsv"), "w") as fh:
        for row in rows:
            fh.write("%s\t%d\t%d\t%d\t%d\n" % row)
    with open(os.path.join(a.out, "leftovers.txt"), "w") as fh:
        for x in left:
            fh.write(json.dumps(x) + "\n")
    with open(os.path.join(a.out, "results.json"), "w") as fh:
        json.dump(results, fh, ensure_ascii=False, default=str)
    kinds = {}
    for r in results:
        if r["class"] == "control":
            for f, val in r["facts"]:
                if is_risky(f, val):
                    kinds[f] = kinds.get(f, 0) + 1
    with open(os.path.join(a.out, "controls.txt"), "w") as fh:
        fh.write(" ".join(sorted(kinds)) + "\n")
    print("differential: seed %s, %d variants in %.0fs: %d under-reports in %d classes, %d "
          "uncertain, %d objects not attributed" % (
              a.seed, len(results), time.time() - t0, sum(r[3] for r in rows),
              sum(1 for r in rows if r[3]), sum(r[4] for r in rows), len(left)))
    return 0


def cmd_enforce(a):
    """The variants that can break a deny rule, through the enforcing dockaudit: afterwards no
    container, exec or volume dockerd has may break one."""
    ctx = Ctx(a.direct_sock, a.enforce_sock)
    for name in ("df-link-web", "df-exec-base"):  # no execs from earlier phases
        api(ctx.d, "DELETE", "/containers/%s?force=1" % name)
    ctx.setup()
    t0 = time.time()
    variants = {vid: variant(a.seed, vid) for vid in plan(a.seed, a.n)}
    todo = [v for v in variants.values() if v.kind in ("create", "exec", "oldstart", "volume")]
    viol, seen = [], set()
    lock = threading.Lock()

    def add(vid, found):
        with lock:
            for x in found:
                if x not in seen:
                    seen.add(x)
                    viol.append((vid, x))

    def after(v, res, junk):
        for kind, ident in junk:
            if kind == "containers":
                add(v.vid, violations_container(ctx, ident))
            elif kind == "volumes":
                add(v.vid, violations_volume(ctx, ident))
        if ("exec_privileged", True) in res["facts"]:
            eid = re.search(r'"Id":"([0-9a-f]{12})', res["dockerd_said"])
            add(v.vid, ["/df-exec-base: privileged exec " + (eid.group(1) if eid else "?")])
    tag = "e%x" % os.getpid()
    results = run_all(ctx, a, todo, a.enforce_sock, tag, after)
    for cid in ctx.ids("containers"):  # and a sweep of everything dockerd has now
        add("sweep", violations_container(ctx, cid))
    for name in ctx.ids("volumes"):
        add("sweep", violations_volume(ctx, name))
    # controls: a plain privileged create is refused, a harmless one is allowed
    st_deny, _ = api(a.enforce_sock, "POST", "/v1.41/containers/create",
                     {"Image": "bb", "HostConfig": {"Privileged": True}})
    st_ok, j = api(a.enforce_sock, "POST", "/v1.41/containers/create", {"Image": "bb"})
    if st_ok == 201:
        api(ctx.d, "DELETE", "/containers/%s?force=1" % j["Id"])
    os.makedirs(a.out, exist_ok=True)
    allowed = sum(1 for r in results if r["status"] and r["status"] < 400)
    with open(os.path.join(a.out, "enforce.tsv"), "w") as fh:
        fh.write("total\t%d\t%d\t%d\t%d\t%d\n" % (len(results), allowed, len(viol), st_deny, st_ok))
        for c, _, _ in CLASSES + [("sweep", None, 0)]:
            rs = [r for r in results if r["class"] == c]
            n_ok = sum(1 for r in rs if r["status"] and r["status"] < 400)
            bad = [x for vid, x in viol if (variants[vid].cls if vid in variants else vid) == c]
            if rs or bad:
                fh.write("%s\t%d\t%d\t%d\n" % (c, len(rs), n_ok, len(bad)))
            with open(os.path.join(a.out, "enforce-%s.txt" % c), "w") as fc:
                shown = 0
                for vid, x in viol:
                    if vid not in variants:
                        if c == "sweep":
                            fc.write("left on dockerd: %s\n" % x)
                        continue
                    if variants[vid].cls != c or shown >= 3:
                        continue
                    shown += 1
                    r = {"ua": "%s/%s/%s/%s" % (UA, a.seed, tag, vid), "status": next(
                        (q["status"] for q in results if q["id"] == vid), "?"), "facts": [x],
                        "dockerd_said": ""}
                    fc.write("dockerd has: %s\n%s\n\n" % (x, describe(variants[vid], r,
                                                                        "$ENFORCE_SOCK")))
    print("differential enforce: %d variants in %.0fs: %d allowed, %d refused, %d violations" % (
        len(results), time.time() - t0, allowed, len(results) - allowed, len(viol)))
    return 0


def cmd_selftest(_a):
    """The judge against made-up records: each fact kind is explained by a record that shows
    it and NOT by one that does not (so a check cannot pass because the judge says yes)."""
    cases = [  # fact, value, security that shows it, security that does not
        ("privileged", True, {"privileged": True}, {"privileged": False}),
        ("exec_privileged", True, {"exec": {"privileged": True}}, {"exec": {"privileged": None}}),
        ("bind", "/etc", {"mounts": [{"type": "bind", "source": "//etc/"}]},
         {"mounts": [{"type": "bind", "source": "/tmp"}]}),
        ("bind", "/etc", {"mounts": [{"type": "volume", "device": "/etc", "bind": True}]}, {}),
        ("cap_add", "SYS_ADMIN", {"cap_add": ["CAP_SYS_ADMIN"]}, {"cap_add": ["CAP_NET_ADMIN"]}),
        ("cap_add", "SYS_ADMIN", {"cap_add": ["ALL"]}, {"cap_add": None}),
        ("pid_mode", "host", {"pid_mode": "host"}, {"pid_mode": None}),
        ("device", "/dev/null", {"devices": [{"path_on_host": "/dev/null"}]}, {"devices": []}),
        ("security_opt", "seccomp=unconfined", {"seccomp": "unconfined"}, {"seccomp": None}),
        ("sysctl", "net.ipv4.ip_forward", {"sysctls": {"net.ipv4.ip_forward": "1"}}, {}),
        ("readonly_rootfs", False, {"readonly_rootfs": None}, {"readonly_rootfs": True}),
        ("user", "", {"user": "0"}, {"user": "1000"}),
        ("exec_user", "0", {"exec": {"user": None}}, {"exec": {"user": "1000"}}),
        ("masked_paths", 0, {"masked_paths": []}, {"masked_paths": None}),
        ("image_user", "0", {"commit": {"changes": ["LABEL a=b", "USER 0"]}},
         {"commit": {"changes": ["LABEL a=b"]}}),
        ("image_env", "DFQ", {"commit": {"changes": ["ENV DFQ=1"]}}, {"env_names": ["X"]}),
        ("tag", "dfb2-x", {"build": {"tags": ["dfb-x:a", "dfb2-x:b"]}}, {"build": {"tags": ["dfb-x:a"]}}),
        ("buildarg", "A", {"build": {"buildarg_names": ["A"]}}, {"build": {}}),
        ("build_network", "host", {"network_mode": "host"}, {"network_mode": None}),
        ("volume_bind", "/etc", {"volume": {"device": "/etc"}}, {"volume": {"device": None}}),
        ("network_internal", False, {"network": {"internal": False}}, {"network": {"internal": True}}),
        ("network_option", "k=v", {"network": {"options": {"k": "v"}}}, {"network": {"options": {}}}),
    ]
    bad = 0
    for fact, val, good, wrong in cases:
        for sec, want in ((good, True), (wrong, False)):
            got = explains(fact, val, {"action": "x", "security": sec}, sec)
            if got != want:
                bad += 1
                print("selftest: %s %r with security %s: explains says %s" % (fact, val, sec, got))
    acts = [("pull", "localhost:33", "image.pull", "image.import"),
            ("imported", True, "image.import", "image.pull"),
            ("push", "localhost:81/x", "image.push", "unknown")]
    for fact, val, good, wrong in acts:
        for act, want in ((good, True), (wrong, False)):
            rec = {"action": act, "object": {"name": str(val)}, "security": {}}
            if explains(fact, val, rec, {}) != want:
                bad += 1
                print("selftest: %s %r with action %s: wrong verdict" % (fact, val, act))
    res = {"ua": "x", "status": 201, "facts": [("privileged", True)]}
    judge(res, {})
    if res["verdict"] != "under":
        bad += 1
        print("selftest: a call dockerd executed with no record at all was not an under-report")
    print("differential selftest: %d cases, %d wrong" % (2 * (len(cases) + len(acts)) + 1, bad))
    return 1 if bad else 0


def cmd_replay(a):
    v = variant(a.seed, a.replay)
    raw = v.raw("%s/%s/r%d/%s" % (UA, a.seed, int(time.time()), v.vid))
    print("variant %s (%s): %s" % (v.vid, v.kind, v.note))
    print("raw request: %r" % raw)
    print("shell: " + shell_replay(raw))
    if a.show:
        return 0
    ctx = Ctx(a.direct_sock, a.audit_sock)
    ctx.setup()
    ua = raw.split(b"User-Agent: ", 1)[1].split(b"\r\n", 1)[0].decode()
    st, body = send(ctx, v, a.audit_sock, ua)
    facts, junk, text = ctx.observe(v, st, body)
    res = {"id": v.vid, "ua": ua, "status": st, "facts": facts, "dockerd_said": text[:400]}
    time.sleep(0.5)
    judge(res, load_records(a.dockaudit, a.journal))
    print(describe(v, res))
    print("verdict: %s" % res["verdict"])
    ctx.cleanup(junk)
    return 0 if res["verdict"] != "under" else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", nargs="?", default="observe", choices=["observe", "enforce", "selftest"])
    p.add_argument("--audit-sock", default=os.environ.get("AUDIT_SOCK"))
    p.add_argument("--direct-sock", default=os.environ.get("DE_SOCK"))
    p.add_argument("--enforce-sock", default=os.environ.get("ENFORCE_SOCK"))
    p.add_argument("--journal", default=os.environ.get("J"))
    p.add_argument("--dockaudit", default=os.environ.get("DOCKAUDIT", "build/dockaudit"))
    p.add_argument("--out", default=os.environ.get("DIFF_OUT", "/tmp/differential"))
    p.add_argument("--seed", default=os.environ.get("DIFF_SEED", "1010"))
    p.add_argument("--n", type=int, default=int(os.environ.get("DIFF_N", "360")))
    p.add_argument("--jobs", type=int, default=int(os.environ.get("DIFF_JOBS", "3")))
    p.add_argument("--deadline", type=int, default=int(os.environ.get("DIFF_DEADLINE", "230")))
    p.add_argument("--replay")
    p.add_argument("--show")
    a = p.parse_args()
    if a.show:
        a.replay = a.show
    if a.replay:
        return cmd_replay(a)
    if a.cmd == "selftest":
        return cmd_selftest(a)
    need = ("enforce_sock", "direct_sock") if a.cmd == "enforce" else ("audit_sock", "direct_sock",
                                                                        "journal")
    for k in need:
        if not getattr(a, k):
            p.error("--%s (or its environment variable) is needed" % k.replace("_", "-"))
    return cmd_enforce(a) if a.cmd == "enforce" else cmd_observe(a)


if __name__ == "__main__":
    sys.exit(main())
