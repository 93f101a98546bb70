"""differential_gen.py: the request generator of the differential tests (differential.py).

Base requests (container create, exec create, update, commit, pull, import, old-API start, build,
volume create) and the mutation classes applied to them.  A variant is a function of the seed and
its id alone ("nesting-7"), so any one of them can be rebuilt and replayed.  JSON bodies are
written as text (class O) so that keys can repeat, be escaped or hold any Unicode.
"""
import io
import json
import random
import tarfile

V = "/v1.41"


# ---------------------------------------------------------------------------------------------
# JSON text with duplicate keys, raw keys and exact bytes


class O:
    """An object as an ordered list of (raw key text, value); keys may repeat."""

    def __init__(self, *pairs):
        self.pairs = list(pairs)


class Raw:
    def __init__(self, text):
        self.text = text


def dump(v):
    if isinstance(v, O):
        return "{" + ",".join('"%s":%s' % (k, dump(x)) for k, x in v.pairs) + "}"
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, dict):
        return dump(O(*v.items()))
    return json.dumps(v, ensure_ascii=False)


def esc_key(name, rng, all_letters=False):
    """Write some (or all) letters of a key as \\u00XX escapes (Go unescapes before matching)."""
    idx = [i for i, c in enumerate(name) if c.isalpha()]
    pick = set(idx) if all_letters else {rng.choice(idx)}
    return "".join("\\u%04x" % ord(c) if i in pick else c for i, c in enumerate(name))


def case_key(name, rng):
    """An ASCII case variant different from name."""
    for _ in range(20):
        k = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
        if k != name:
            return k
    return name.lower() if name.lower() != name else name.upper()


def gofold_key(name, rng):
    """Replace one k/K with U+212A KELVIN SIGN or s/S with U+017F LONG S (Go folds both)."""
    idx = [i for i, c in enumerate(name) if c in "kKsS"]
    if not idx:
        return None
    i = rng.choice(idx)
    return name[:i] + ("\u212a" if name[i] in "kK" else "\u017f") + name[i + 1:]


def nongo_key(name, rng):
    """Replace one i/I with U+0131 or U+0130 (Go does NOT fold these: an unknown key)."""
    idx = [i for i, c in enumerate(name) if c in "iI"]
    if not idx:
        return None
    i = rng.choice(idx)
    return name[:i] + rng.choice(["\u0131", "\u0130"]) + name[i + 1:]


# ---------------------------------------------------------------------------------------------
# the variant: one raw request and how to judge it


class Variant:
    def __init__(self, vid, cls, kind, method, path, body=None, ct="application/json",
                 headers=(), chunked=False, note="", target=None, ports=()):
        self.vid, self.cls, self.kind = vid, cls, kind
        self.method, self.path, self.body = method, path, body
        self.ct, self.headers, self.chunked, self.note = ct, list(headers), chunked, note
        self.target = target  # the base container's name (exec, update, commit, old start)
        self.ports = list(ports)  # pull: registry ports named anywhere in the request
        self.chunk_seed = 0
        self.ctx_tar = False
        self.link_web = None  # old start: the container whose link alias names the target

    def body_bytes(self):
        if self.body is None:
            return None
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return dump(self.body).encode("utf-8")

    def raw(self, ua, ctx_addr="127.0.0.1:9"):
        data = build_ctx(self.vid, ctx_addr) if self.ctx_tar else self.body_bytes()
        if data is not None:
            data = data.replace(b"@CTX@", ctx_addr.encode())
        path = self.path.replace("@CTX@", ctx_addr)
        h = ["%s %s HTTP/1.1" % (self.method, path), "Host: d", "User-Agent: " + ua,
             "Connection: close"]
        if self.ct is not None:
            h.append("Content-Type: " + self.ct)
        h += ["%s: %s" % kv for kv in self.headers]
        head = "\r\n".join(h).encode("utf-8")
        if data is None:
            if self.method == "POST":
                head += b"\r\nContent-Length: 0"
            return head + b"\r\n\r\n"
        if not self.chunked:
            return head + b"\r\nContent-Length: %d\r\n\r\n" % len(data) + data
        rng = random.Random(self.chunk_seed)
        out, p = b"", 0
        while p < len(data):
            n = rng.choice([1, 2, 3, 7, 16, 64, 1000])
            ext = b";x=y" if rng.random() < 0.2 else b""
            out += b"%x%s\r\n" % (min(n, len(data) - p), ext) + data[p:p + n] + b"\r\n"
            p += n
        return head + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + out + b"0\r\n\r\n"


def shell_replay(raw, sockvar="$AUDIT_SOCK"):
    """A printf | socat command line that sends exactly these bytes."""
    out = []
    for b in raw:
        c = chr(b)
        if c == "'":
            out.append("'\\''")
        elif c == "%":
            out.append("%%")
        elif c == "\\":
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return "printf '%s' | socat -t 30 - UNIX-CONNECT:%s" % ("".join(out), sockvar)


# ---------------------------------------------------------------------------------------------
# risky settings and the bases

# (HostConfig key, risky value, a harmless value of the same type)
RISKY = [
    ("Privileged", True, False),
    ("Binds", ["/:/host"], []),
    ("Binds", ["/etc:/hostetc:ro"], []),
    ("CapAdd", ["SYS_ADMIN"], []),
    ("CapAdd", ["sys_admin", "NET_ADMIN"], []),
    ("PidMode", "host", ""),
    ("IpcMode", "host", ""),
    ("UTSMode", "host", ""),
    ("NetworkMode", "host", ""),
    ("UsernsMode", "host", ""),
    ("Devices", [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/xnull",
                  "CgroupPermissions": "rwm"}], []),
    ("SecurityOpt", ["seccomp=unconfined"], []),
    ("SecurityOpt", ["apparmor=unconfined"], []),
    ("Sysctls", {"net.ipv4.ip_forward": "1"}, {}),
    ("Mounts", [{"Type": "bind", "Source": "/etc", "Target": "/m"}], []),
    ("Mounts", [{"Type": "bind", "Source": "/", "Target": "/m", "ReadOnly": True}], []),
    ("Mounts", [{"Type": "volume", "Target": "/v", "VolumeOptions": {"DriverConfig": {
        "Name": "local", "Options": {"type": "none", "o": "bind", "device": "/etc"}}}}], []),
    ("MaskedPaths", [], None),
    ("ReadonlyPaths", [], None),
]
CONFLICT = {("NetworkMode", "Sysctls"), ("Sysctls", "NetworkMode")}


def pick_risky(rng, n=None, must=None):
    """1-3 risky settings with distinct keys that dockerd accepts together."""
    n = n or rng.choice([1, 1, 2, 3])
    out = [] if must is None else [must]
    pool = RISKY[:]
    rng.shuffle(pool)
    for r in pool:
        if len(out) >= n:
            break
        if any(r[0] == o[0] or (r[0], o[0]) in CONFLICT for o in out):
            continue
        out.append(r)
    return out


def with_key(rng, pred):
    return rng.choice([r for r in RISKY if pred(r[0])])


def create(vid, cls, top_pairs, note, path=None, **kw):
    body = O(("Image", "bb"), ("Cmd", ["true"]), *top_pairs)
    return Variant(vid, cls, "create", "POST", path or "%s/containers/create?name=df-%s" % (V, vid),
                   body, note=note, **kw)


def create_hc(vid, cls, hc_pairs, note, hc_key="HostConfig", **kw):
    return create(vid, cls, [(hc_key, O(*hc_pairs))], note, **kw)


def exec_create(vid, cls, pairs, note, **kw):
    return Variant(vid, cls, "exec", "POST", kw.pop("path", "%s/containers/df-exec-base/exec" % V),
                   O(("Cmd", ["true"]), *pairs), note=note, target="df-exec-base", **kw)


def volume_create(vid, cls, pairs, note, **kw):
    return Variant(vid, cls, "volume", "POST", kw.pop("path", "%s/volumes/create" % V),
                   O(("Name", "dfv-" + vid), *pairs), note=note, **kw)


def network_create(vid, cls, pairs, note, **kw):
    return Variant(vid, cls, "network", "POST", kw.pop("path", "%s/networks/create" % V),
                   O(("Name", "dfn-" + vid), ("Driver", "bridge"), *pairs), note=note, **kw)


def bind_opts(dev="/etc"):
    return O(("type", "none"), ("o", "bind"), ("device", dev))


def commit(vid, cls, query, body, note, **kw):
    q = "container=df-commit-base&repo=dfimg&tag=" + vid + ("&" + query if query else "")
    return Variant(vid, cls, "commit", "POST", kw.pop("path", "%s/commit" % V) + "?" + q, body,
                   note=note, target="df-commit-base", **kw)


def pull(vid, cls, query, note, ports, **kw):
    return Variant(vid, cls, "pull", "POST", kw.pop("path", "%s/images/create" % V) + "?" + query,
                   kw.pop("body", None), ct=kw.pop("ct", None), note=note, ports=ports, **kw)


def tar_bytes(files):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o755, 0
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


IMPORT_TAR = tar_bytes({"bin/true-x": b"#!/bin/sh\n"})


def build_label(vid):
    return "v=" + vid.replace("-", "_")


def build_ctx(vid, addr):
    """The build context of variant vid: its images carry LABEL v=..., build arg A shows as
    label a, and the RUN step reaches the driver's server on the host's loopback only when it
    runs in the host's network namespace (the server notes /netns/VID)."""
    df = ("FROM bb\nLABEL %s\nARG A\nLABEL a=\"$A\"\n"
          "RUN printf 'GET /netns/%s HTTP/1.0\\r\\n\\r\\n' | nc -w 3 %s %s || true\n"
          % (build_label(vid), vid, addr.split(":")[0], addr.split(":")[1]))
    return tar_bytes({"Dockerfile": df.encode()})


def build(vid, cls, query, note, **kw):
    v = Variant(vid, cls, "build", "POST", kw.pop("path", "%s/build" % V) + "?" + query,
                b"", ct="application/x-tar", note=note, **kw)
    v.ctx_tar = True  # the body is build_ctx(vid, the server's address), made at send time
    return v


def multipart(fields, boundary="dfBOUNDARY7"):
    """A multipart/form-data body.  Its first 5000 bytes are preamble: dockerd 20.10's /build
    peeks at the body through a 4096-byte bufio.Reader before FormValue parses it, so those bytes
    never reach the multipart parser (which skips a preamble anyway)."""
    out = b"x" * 5000 + b"\r\n"
    for k, val in fields:
        out += b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
            boundary.encode(), k.encode(), val.encode())
    return out + b"--%s--\r\n" % boundary.encode(), "multipart/form-data; boundary=" + boundary


def g_build_multipart(vid, rng):
    """/build reads its parameters with FormValue, which parses a multipart body and appends its
    values after the query's: the context comes from `remote` (a tar dockerd downloads from the
    driver's loopback server, @CTX@ is its address) and the body may carry networkmode, t,
    buildargs."""
    c = "build-multipart"
    remote = "http://@CTX@/ctx/%s.tar" % vid
    k = rng.randrange(4)
    if k == 0:
        q, f, note = "remote=" + remote, [("networkmode", "host")], "networkmode=host in the body"
    elif k == 1:
        q, f, note = "", [("remote", remote), ("networkmode", "host"), ("t", "dfb-" + vid)], \
            "remote, networkmode, t all in the body"
    elif k == 2:
        q, f, note = "remote=%s&t=dfb-%s" % (remote, vid), [("t", "dfb2-" + vid)], \
            "a second t in the body"
    else:
        q, f, note = "remote=" + remote, [("buildargs", '{"A":"z"}')], "buildargs in the body"
    body, ct = multipart(f)
    return Variant(vid, c, "build", "POST", "%s/build?%s" % (V, q), body, ct=ct, note=note)


def oldstart(vid, cls, pairs, note, ver="/v1.23", **kw):
    name = "df-os-" + vid
    return Variant(vid, cls, "oldstart", "POST", "%s/containers/%s/start" % (ver, name), O(*pairs),
                   note=note, target=name, **kw)


# ---------------------------------------------------------------------------------------------
# the mutation classes: each takes (vid, rng) and returns one Variant

def g_control(vid, rng):
    """Plain requests, one of each kind in turn: what dockerd must be seen doing."""
    k = int(vid.rsplit("-", 1)[1]) % 11
    if k == 10:
        return build(vid, "control", "t=dfb-%s&networkmode=host" % vid, "build, networkmode=host")
    if k == 9:
        return network_create(vid, "control", [("Internal", False), ("Options", O(
            ("com.docker.network.driver.mtu", "1400")))], "network create")
    if k <= 2:
        rs = pick_risky(rng)
        return create_hc(vid, "control", [(r[0], r[1]) for r in rs], "plain create with " +
                         ",".join(r[0] for r in rs))
    if k == 3:
        return exec_create(vid, "control", [("Privileged", True), ("User", "0")], "privileged exec")
    if k == 4:
        return commit(vid, "control", "changes=USER%200", O(("Env", ["DFX=1"])), "commit USER 0")
    if k == 5:
        return pull(vid, "control", "fromImage=localhost:21/df", "pull", [21])
    if k == 6:
        return volume_create(vid, "control", [("Driver", "local"), ("DriverOpts", bind_opts())],
                             "bind volume of /etc")
    if k == 7:
        return create_hc(vid, "control", [("Mounts", [{"Type": "bind", "Source": "/", "Target": "/r"}]),
                                          ("PidMode", "host"), ("CapAdd", ["SYS_ADMIN"])],
                         "plain create with Mounts, PidMode, CapAdd")
    return Variant(vid, "control", "update", "POST", "%s/containers/df-upd-base/update" % V,
                   O(("RestartPolicy", O(("Name", "always")))), note="update restart always",
                   target="df-upd-base")


def keyed(vid, rng, cls, keyfn, note):
    """A base whose one security key is rewritten by keyfn (None: key not applicable)."""
    k = rng.randrange(8)
    if k == 7:
        kk = keyfn("Options", rng) or "Options"
        return network_create(vid, cls, [(kk, O(("com.docker.network.driver.mtu", "1400")))],
                              note + ": network %r" % kk)
    if k <= 2:
        r = pick_risky(rng, 1)[0]
        kk = keyfn(r[0], rng)
        if kk is None:
            r = with_key(rng, lambda n: keyfn(n, random.Random(0)) is not None)
            kk = keyfn(r[0], rng)
        return create_hc(vid, cls, [(kk, r[1])], note + ": HostConfig.%s as %r" % (r[0], kk))
    if k == 3:
        kk = keyfn("HostConfig", rng) or "HostConfig"
        r = pick_risky(rng, 1)[0]
        return create_hc(vid, cls, [(r[0], r[1])], note + ": HostConfig as %r" % kk, hc_key=kk)
    if k == 4:
        kk, val = keyfn("Privileged", rng), True
        if kk is None:
            kk, val = keyfn("User", rng) or "User", "0"
        return exec_create(vid, cls, [(kk, val)], note + ": exec %r" % kk)
    if k == 5:
        kk = keyfn("DriverOpts", rng) or case_key("DriverOpts", rng)
        return volume_create(vid, cls, [("Driver", "local"), (kk, bind_opts())],
                             note + ": volume %r" % kk)
    kk = keyfn("User", rng) or "User"
    return commit(vid, cls, "", O((kk, "0")), note + ": commit body %r" % kk)


def g_key_case(vid, rng):
    return keyed(vid, rng, "key-case", case_key, "ASCII case variant")


def g_key_fold_go(vid, rng):
    return keyed(vid, rng, "key-fold-go", gofold_key, "U+212A/U+017F (Go folds)")


def g_escaped(vid, rng):
    allp = rng.random() < 0.4
    v = keyed(vid, rng, "escaped-keys", lambda n, r: esc_key(n, r, allp), "escaped key")
    return v


def g_key_fold_nongo(vid, rng):
    """U+0130/U+0131: Go does not fold them, so such a key is unknown to dockerd. As a decoy after
    the real key it must not erase the real value in the record."""
    k = rng.randrange(6)
    if k == 5:
        d = nongo_key("Internal", rng)
        return network_create(vid, "key-fold-nongo", [("Internal", False), (d, True)],
                              "network Internal:false then %r:true" % d)
    if k <= 1:
        r = with_key(rng, lambda n: "i" in n.lower())
        d = nongo_key(r[0], rng)
        return create_hc(vid, "key-fold-nongo", [(r[0], r[1]), (d, r[2])],
                         "real %s then decoy %r with a harmless value" % (r[0], d))
    if k == 2:
        r = pick_risky(rng, 1)[0]
        d = nongo_key("HostConfig", rng)
        return create(vid, "key-fold-nongo", [("HostConfig", O((r[0], r[1]))), (d, None)],
                      "HostConfig{%s} then %r:null" % (r[0], d))
    if k == 3:
        d = nongo_key("Privileged", rng)
        return exec_create(vid, "key-fold-nongo", [("Privileged", True), (d, False)],
                           "exec Privileged:true then %r:false" % d)
    r = with_key(rng, lambda n: "i" in n.lower())
    d = nongo_key(r[0], rng)
    return create_hc(vid, "key-fold-nongo", [(d, r[1])],
                     "only the decoy %r with the risky value (dockerd ignores it)" % d)


def g_duplicates(vid, rng):
    k = rng.randrange(13)
    c = "duplicates"
    if k == 10:
        return create(vid, c, [("User", "1000:1000"), (rng.choice(["user", "U\u017fer"]), "")],
                      "User 1000:1000, then a folded duplicate empty (root)")
    if k == 11:
        return exec_create(vid, c, [("User", "1000"), (rng.choice(["USER", "u\u017fer"]), "0")],
                           "exec User 1000, then a folded duplicate 0")
    if k == 12:
        return create_hc(vid, c, [("ReadonlyRootfs", True), ("ReadonlyRootf\u017f", False)],
                         "ReadonlyRootfs true, then a folded duplicate false")
    if k == 0:
        return create_hc(vid, c, [("Privileged", False), ("Privileged", True)], "Privileged false, true")
    if k == 1:
        return create_hc(vid, c, [("Privileged", True), ("privileged", False), ("PRIVILEGED", True)],
                         "case-folded duplicates, last true")
    if k == 2:
        rs = pick_risky(rng, 2)
        return create(vid, c, [("HostConfig", O((rs[0][0], rs[0][1]))),
                               ("HostConfig", O(*[(r[0], r[1]) for r in rs[1:]]))],
                      "two HostConfig objects merge")
    if k == 3:
        return create_hc(vid, c, [("Mounts", [{"Type": "bind", "Source": "/", "Target": "/h"}]),
                                  ("Mounts", [{"Target": "/x"}])],
                         "Mounts arrays merge per index: bind / -> /x")
    if k == 4:
        return create_hc(vid, c, [("Privileged", True), ("Privileged", None)],
                         "null on a bool keeps true")
    if k == 5:
        return create_hc(vid, c, [("CapAdd", []), ("capadd", ["SYS_ADMIN"])],
                         "CapAdd empty, then a case variant with SYS_ADMIN")
    if k == 6:
        return create_hc(vid, c, [("Sysctls", {"net.ipv4.ip_forward": "1"}),
                                  ("Sysctls", {"net.ipv4.conf.all.forwarding": "1"})],
                         "Sysctls maps merge")
    if k == 7:
        return create_hc(vid, c, [("CapAdd", None), ("CapAdd", "SYS_ADMIN")],
                         "CapAdd null then a bare string")
    if k == 8:
        return exec_create(vid, c, [("Privileged", False), ("privileged", True)],
                           "exec privileged false, then case variant true")
    return create(vid, c, [("HostConfig", O(("Binds", ["/:/h"]))),
                           ("HostConfig", O(("Privileged", True), ("Binds", None)))],
                  "merged HostConfig, Binds nulled by the second")


def g_nesting(vid, rng):
    c = "nesting"
    rs = pick_risky(rng)
    pairs = [(r[0], r[1]) for r in rs]
    k = rng.randrange(7)
    if k == 6:
        return create(vid, c, [("HostConfig", O(("Memory", 0))), ("HostConfig", None)] + pairs,
                      "HostConfig, then HostConfig null; the fields at top level")
    if k == 0:
        return create(vid, c, pairs, "HostConfig fields at the top level, no HostConfig key")
    if k == 1:
        return create(vid, c, [("HostConfig", None)] + pairs, "HostConfig null, then top-level fields")
    if k == 2:
        return create(vid, c, pairs + [("hostconfig", None)], "top-level fields, then hostconfig:null")
    if k == 3:
        return create(vid, c, pairs + [("HostConfig", O())],
                      "top-level fields with an empty HostConfig (dockerd drops them)")
    if k == 4:
        return create(vid, c, [("HostConfig", O(*pairs)), ("HostConfig", None)] + pairs,
                      "HostConfig erased by null; the same fields at top level")
    return create(vid, c, [("HostConfig", O(("Memory", 0)))] +
                  [("Privileged", True), ("Binds", ["/:/h"])],
                  "top-level fields with a non-empty HostConfig (dropped by dockerd)")


CTS = ["application/json", "application/json; charset=utf-8", "application/json\t;",
       "APPLICATION/JSON", "appl\u0130cation/json", "application/json\u00a0", "\u2003application/json",
       "application/json;charset=utf-8;charset=utf-8", "application/json; foo", None,
       "text/plain", "application/json;", " application/json ", "application/JSON; charset=\"a;b\"",
       "application/\u212ason", "application/x-json", "application/json\u3000; q=1"]


def g_content_type(vid, rng):
    i = int(vid.rsplit("-", 1)[1])
    ct = CTS[i % len(CTS)]
    if (i // len(CTS)) % 2 == 0:
        rs = pick_risky(rng)
        v = create_hc(vid, "content-type", [(r[0], r[1]) for r in rs], "create")
    else:
        v = exec_create(vid, "content-type", [("Privileged", True)], "exec privileged")
    v.ct = ct
    v.note += ", Content-Type %r" % ct
    if rng.random() < 0.2 and ct is not None:
        v.headers.append(("Content-Type", "text/plain"))
        v.note += " (then a second Content-Type text/plain)"
    return v


def g_form_body(vid, rng):
    c = "form-body"
    fct = rng.choice(["application/x-www-form-urlencoded", "APPLICATION/X-WWW-FORM-URLENCODED",
                      "application/x-www-form-urlencoded; charset=utf-8"])
    k = rng.randrange(5)
    if k == 0:
        return pull(vid, c, "fromSrc=-", "import query, form body names a pull", [31],
                    body="fromImage=localhost:31/formevil", ct=fct)
    if k == 1:
        return pull(vid, c, "fromImage=localhost:32/benign", "form body's fromImage wins",
                    [32, 33], body="fromImage=localhost:33/evil", ct=fct)
    if k == 2:
        return pull(vid, c, "fromImage=localhost:34/benign&tag=x", "form body, tag",
                    [34, 35], body="tag=y&fromImage=localhost%3A35%2Fevil", ct=fct)
    if k == 3:
        v = commit(vid, c, "changes=LABEL%20a%3Db", "changes=USER%200", "commit, form body changes")
        v.ct = fct
        return v
    v = Variant(vid, c, "import", "POST", "%s/images/create?fromSrc=-&repo=dfimp&tag=%s" % (V, vid),
                "changes=USER%200&fromSrc=-", ct=fct, note="import, form body changes")
    return v


def g_query_repeat(vid, rng):
    c = "query-repeat"
    k = rng.randrange(6)
    if k == 0:
        return commit(vid, c, "changes=LABEL%20a%3Db&changes=USER%200&changes=ENV%20DFQ%3D1", None,
                      "repeated changes")
    if k == 1:
        return commit(vid, c, "changes=LABEL%20a%3Db%0AUSER%200", None, "one changes value, two lines")
    if k == 2:
        return build(vid, c, "t=dfb-%s:a&t=dfb2-%s:b&nocache=1" % (vid, vid), "repeated t")
    if k == 3:
        return pull(vid, c, "fromImage=localhost:41/a&fromImage=localhost:42/b", "repeated fromImage",
                    [41, 42])
    if k == 4:
        return Variant(vid, c, "import", "POST",
                       "%s/images/create?fromSrc=-&repo=dfimp&tag=%s&changes=LABEL%%20a%%3Db&changes=USER%%200"
                       % (V, vid), IMPORT_TAR, ct="application/x-tar", note="import, repeated changes")
    return build(vid, c, "t=dfb-%s&buildargs=%%7B%%22A%%22%%3A%%22x%%22%%7D&buildargs=%%7B%%7D" % vid,
                 "repeated buildargs (first wins)")


def g_query_pctenc(vid, rng):
    c = "query-pctenc"
    k = rng.randrange(6)
    if k == 0:
        return pull(vid, c, "%66romImage=localhost:51/x", "percent-encoded key", [51])
    if k == 1:
        return pull(vid, c, "fromImage=localhost%3A52%2Fx", "percent-encoded value", [52])
    if k == 2:
        return commit(vid, c, "chan%67es=USER+0", None, "encoded key, + for space")
    if k == 3:
        return build(vid, c, "t=dfb-%s&networkmode=%%68ost&nocache=1" % vid, "networkmode %68ost")
    if k == 4:
        return build(vid, c, "t=dfb-%s&networkmode=host" % vid, "networkmode host (control)")
    return build(vid, c, "t=dfb-%s&build%%61rgs=%%7B%%22A%%22%%3A%%22y%%22%%7D" % vid,
                 "encoded buildargs key")


def g_path_pctenc(vid, rng):
    c = "path-pctenc"
    k = rng.randrange(6)
    if k <= 1:
        rs = pick_risky(rng)
        p = rng.choice(["%s/%%63ontainers/create" % V, "%s/containers%%2Fcreate" % V,
                        "%s/containers/cr%%65ate" % V, "/v1.41/%%63ontainers/create"])
        return create_hc(vid, c, [(r[0], r[1]) for r in rs], "path " + p, path=p + "?name=df-" + vid)
    if k == 2:
        return exec_create(vid, c, [("Privileged", True)], "exec, encoded name",
                           path="%s/containers/df%%2Dexec%%2Dbase/exec" % V)
    if k == 3:
        return commit(vid, c, "changes=USER%200", None, "encoded /commit", path="%s/%%63ommit" % V)
    if k == 4:
        return pull(vid, c, "fromImage=localhost:61/x", "encoded /images/create", [61],
                    path="%s/images/%%63reate" % V)
    return volume_create(vid, c, [("Driver", "local"), ("DriverOpts", bind_opts("/"))],
                         "encoded /volumes/create", path="%s/volumes%%2Fcreate" % V)


def g_chunked(vid, rng):
    k = rng.randrange(4)
    if k <= 1:
        rs = pick_risky(rng)
        v = create_hc(vid, "chunked", [(r[0], r[1]) for r in rs], "create")
    elif k == 2:
        v = exec_create(vid, "chunked", [("Privileged", True)], "exec")
    else:
        v = volume_create(vid, "chunked", [("Driver", "local"), ("DriverOpts", bind_opts())], "volume")
    v.chunked, v.chunk_seed = True, rng.randrange(1 << 30)
    v.note += ", chunked body"
    return v


VERSIONS = ["", "/v1.41", "/v1.041", "/v1.40", "/v1.24", "/v1.12", "/v01.41", "/v1.41.0", "/v1.042",
            "/v1.25"]


def g_api_version(vid, rng):
    ver = VERSIONS[int(vid.rsplit("-", 1)[1]) % len(VERSIONS)]
    k = rng.randrange(3)
    if k <= 1:
        rs = pick_risky(rng)
        v = create_hc(vid, "api-version", [(r[0], r[1]) for r in rs], "create",
                      path="%s/containers/create?name=df-%s" % (ver, vid))
    else:
        v = exec_create(vid, "api-version", [("Privileged", True)], "exec",
                        path="%s/containers/df-exec-base/exec" % ver)
    v.note += ", version prefix %r" % ver
    return v


def g_oldstart(vid, rng):
    ver = rng.choice(["/v1.23", "/v1.023", "/v1.12", "/v1.20", "/v1.23.0"])
    rs = pick_risky(rng, rng.choice([1, 2, 3]))
    pairs = [(r[0], r[1]) for r in rs]
    k = rng.randrange(3)
    if k == 1:
        pairs = [("HostConfig", O(*pairs))]  # the wrapper's inner HostConfig: read too
    v = oldstart(vid, "old-start", pairs, "start %s with %s%s" % (
        ver, ",".join(r[0] for r in rs), " inside a HostConfig key" if k == 1 else ""), ver=ver)
    if k == 2:
        v.chunked, v.chunk_seed = True, rng.randrange(1 << 30)
        v.note += ", chunked"
    if rng.random() < 0.3:
        v.ct = rng.choice(["application/json; charset=utf-8", "APPLICATION/JSON"])
        v.note += ", Content-Type %r" % v.ct
    return v


def g_trailing(vid, rng):
    rs = pick_risky(rng)
    v = create_hc(vid, "trailing", [(r[0], r[1]) for r in rs], "create")
    tail = rng.choice(['{"HostConfig":{"Privileged":false}}', "}", "]", " garbage", "\n\n",
                      '{"Image":"bb"}', "\x00"])
    v.body = dump(v.body) + tail
    v.note += ", then %r after the JSON" % tail
    return v


def g_secrets(vid, rng):
    i = int(vid.rsplit("-", 1)[1])
    mark = "DFSECRET%s" % vid.replace("-", "")
    k = i % 3
    if k == 0:
        return create_hc(vid, "secrets", [("LogConfig", O(("Type", "splunk"), ("Config", O(
            ("splunk-token", mark), ("splunk-url", "http://localhost:71")))))], "splunk-token")
    if k == 1:
        return create_hc(vid, "secrets", [("LogConfig", O(("Type", "logentries"), ("Config", O(
            ("logentries-token", mark)))))], "logentries-token")
    v = volume_create(vid, "secrets", [("Driver", "local"), ("DriverOpts", O(
        ("type", "tmpfs"), ("device", "tmpfs"), ("o", "size=1m,password=" + mark + ",bogus")))],
        "volume with password= in o, then a start that fails on it")
    v.kind = "secretvol"
    return v


def g_route_slashes(vid, rng):
    """Image routes whose {name:.*} holds slashes: a push to a registry, a tag."""
    i = int(vid.rsplit("-", 1)[1])
    port = 80 + i % 10
    name = "localhost:%d/df-%s" % (port, vid)
    k = rng.randrange(4)
    enc = name.replace("/", "%2F") if k % 2 else name
    if k <= 1:
        v = Variant(vid, "route-slashes", "push", "POST", "%s/images/%s/push?tag=latest" % (V, enc),
                    None, ct=None, note="push %s%s" % (name, " (slash as %2F)" if k else ""),
                    target=name, ports=[port])
    else:
        v = Variant(vid, "route-slashes", "tag", "POST",
                    "%s/images/%s/tag?repo=dftag/%s&tag=t" % (V, enc, vid), None, ct=None,
                    note="tag %s as dftag/%s:t%s" % (name, vid, " (slash as %2F)" if k == 3 else ""),
                    target=name)
    return v


def g_link_alias(vid, rng):
    """{name:.*} routes reach a container through a legacy link alias, web/alias."""
    if rng.random() < 0.5:
        return exec_create(vid, "link-alias", [("Privileged", True)],
                           "privileged exec through the link alias df-link-web/al",
                           path="%s/containers/df-link-web/al/exec" % V)
    rs = pick_risky(rng)
    v = oldstart(vid, "link-alias", [(r[0], r[1]) for r in rs],
                 "old start of a link alias with " + ",".join(r[0] for r in rs))
    v.link_web = "df-lw-" + vid
    v.path = "/v1.23/containers/%s/al/start" % v.link_web
    return v


CLASSES = [
    ("control", g_control, 8), ("key-case", g_key_case, 8), ("key-fold-go", g_key_fold_go, 8),
    ("key-fold-nongo", g_key_fold_nongo, 8), ("escaped-keys", g_escaped, 6),
    ("duplicates", g_duplicates, 10), ("nesting", g_nesting, 8), ("content-type", g_content_type, 10),
    ("form-body", g_form_body, 5), ("query-repeat", g_query_repeat, 6),
    ("query-pctenc", g_query_pctenc, 4), ("path-pctenc", g_path_pctenc, 5),
    ("chunked", g_chunked, 6), ("api-version", g_api_version, 6), ("old-start", g_oldstart, 6),
    ("trailing", g_trailing, 5), ("route-slashes", g_route_slashes, 3),
    ("build-multipart", g_build_multipart, 2), ("link-alias", g_link_alias, 3),
    ("secrets", g_secrets, 2),
]
GEN = {c: g for c, g, _ in CLASSES}


def variant(seed, vid):
    cls, _, i = vid.rpartition("-")
    rng = random.Random("%s:%s" % (seed, vid))
    v = GEN[cls](vid, rng)
    return v


def plan(seed, n):
    """Variant ids: every class gets its weight's share of n, at least its minimum; classes
    interleaved, so that a run cut short by its deadline still covers every class."""
    total = sum(w for _, _, w in CLASSES)
    ids = []
    for c, _, w in CLASSES:
        k = max({"secrets": 3, "control": 11}.get(c, 6), round(n * w / total))
        ids += [(i / k, "%s-%d" % (c, i)) for i in range(k)]
    return [vid for _, vid in sorted(ids)]
