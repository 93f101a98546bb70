"""rawhttp.py MODE SOCK [ARGS...]: raw-socket HTTP clients for the e2e suite (normal and hostile).

Every mode prints one JSON object on stdout. Modes:
  keepalive SOCK UA        3 requests one after the other on one connection
  pipeline SOCK UA         3 requests written at once on one connection
  garbage SOCK             a line that is not HTTP
  badchunk SOCK NAME       POST /containers/create with an invalid chunk size
  bigheaders SOCK KIB      GET /_ping with KIB KiB of headers
  smuggle SOCK NAME        POST with both Content-Length and Transfer-Encoding: chunked
  slowloris SOCK MAXSECS   request headers one byte per second until an answer or MAXSECS
  midbody SOCK NAME        POST /containers/create, half the announced body, then close
  idle SOCK N HOLDSECS     N idle connections (a /_ping on the last), held HOLDSECS seconds
  bigbody SOCK NAME BYTES  POST /containers/create with a JSON body of about BYTES bytes
"""
import json
import os
import resource
import socket
import sys
import time


def connect(path, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Reader:
    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def response(self, head=False):
        """Read one response: (status, headers dict lower-case, body bytes)."""
        status_line = self.line().decode("latin-1")
        status = int(status_line.split(" ")[1])
        headers = {}
        while True:
            ln = self.line()
            if not ln:
                break
            k, _, v = ln.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if head or status in (101, 204, 304) or 100 <= status < 200:
            return status, headers, body
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self.line().split(b";")[0], 16)
                if size == 0:
                    while self.line():
                        pass
                    break
                body += self.exactly(size)
                self.exactly(2)
        elif "content-length" in headers:
            body = self.exactly(int(headers["content-length"]))
        else:
            try:
                while True:
                    self.fill()
            except (EOFError, OSError):
                pass
            body, self.buf = self.buf, b""
        return status, headers, body


def first_status(s, timeout=15):
    """Status code of the first response line, or None if the peer closed/timed out silently."""
    s.settimeout(timeout)
    r = Reader(s)
    try:
        st, h, b = r.response()
        return st, b.decode("latin-1")[:300]
    except (EOFError, socket.timeout, OSError, ValueError, IndexError) as e:
        return None, "no response: %r" % (e,)


def req(method, path, ua="rawhttp/1", body=b"", extra=""):
    h = "%s %s HTTP/1.1\r\nHost: d\r\nUser-Agent: %s\r\n%s" % (method, path, ua, extra)
    if body or method in ("POST", "PUT"):
        h += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + body


def mode_keepalive(sock, ua):
    s = connect(sock)
    r = Reader(s)
    out = []
    for p in ("/_ping", "/v1.41/version", "/v1.41/containers/json"):
        s.sendall(req("GET", p, ua))
        st, h, b = r.response()
        out.append(st)
    return {"statuses": out}


def mode_pipeline(sock, ua):
    s = connect(sock)
    r = Reader(s)
    paths = ("/_ping", "/v1.41/version", "/v1.41/info")
    s.sendall(b"".join(req("GET", p, ua) for p in paths))
    out = []
    for _ in paths:
        st, h, b = r.response()
        out.append(st)
    return {"statuses": out}


def mode_garbage(sock):
    s = connect(sock)
    s.sendall(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
    st, body = first_status(s)
    return {"status": st, "body": body}


def mode_badchunk(sock, name):
    s = connect(sock)
    s.sendall(("POST /v1.41/containers/create?name=%s HTTP/1.1\r\nHost: d\r\nUser-Agent: rawhttp-badchunk\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % name).encode()
              + b"zz\r\n{\"Image\":\"bb\"}\r\n0\r\n\r\n")
    st, body = first_status(s)
    return {"status": st, "body": body}


def mode_bigheaders(sock, kib):
    s = connect(sock)
    big = "".join("X-Filler-%04d: %s\r\n" % (i, "a" * 1000) for i in range(int(kib)))
    try:
        s.sendall(("GET /_ping HTTP/1.1\r\nHost: d\r\nUser-Agent: rawhttp-bigheaders\r\n%s\r\n" % big).encode())
    except OSError:
        pass
    st, body = first_status(s)
    return {"status": st, "body": body}


def mode_smuggle(sock, name):
    s = connect(sock)
    body = b"0\r\n\r\nGET /v1.41/containers/json?smuggled=1 HTTP/1.1\r\nHost: d\r\n\r\n"
    s.sendall(("POST /v1.41/containers/create?name=%s HTTP/1.1\r\nHost: d\r\nUser-Agent: rawhttp-smuggle\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
               % (name, len(body))).encode() + body)
    st, b = first_status(s)
    # anything after the first response would be the smuggled request being answered
    s.settimeout(2)
    extra = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            extra += d
    except (socket.timeout, OSError):
        pass
    return {"status": st, "body": b, "extra_response": extra.decode("latin-1")[:200]}


def mode_slowloris(sock, maxsecs):
    s = connect(sock)
    msg = b"GET /v1.41/version HTTP/1.1\r\nHost: d\r\nUser-Agent: rawhttp-slowloris\r\nX-Slow: " + b"s" * 4000
    t0 = time.time()
    s.settimeout(1.0)
    i = 0
    while time.time() - t0 < float(maxsecs):
        if i < len(msg):
            try:
                s.sendall(msg[i:i + 1])
            except OSError:
                break
            i += 1
        try:
            d = s.recv(65536, socket.MSG_PEEK)
            if d is not None:
                break  # answer or close
        except socket.timeout:
            continue
        except OSError:
            break
    st, body = first_status(s, timeout=5)
    return {"status": st, "elapsed": round(time.time() - t0, 1), "sent": i, "body": body}


def mode_midbody(sock, name):
    s = connect(sock)
    body = json.dumps({"Image": "bb", "Cmd": ["true"], "Labels": {"pad": "p" * 900}}).encode()
    s.sendall(("POST /v1.41/containers/create?name=%s HTTP/1.1\r\nHost: d\r\nUser-Agent: rawhttp-midbody\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (name, len(body))).encode()
              + body[: len(body) // 2])
    time.sleep(0.5)
    s.close()
    return {"sent": len(body) // 2, "announced": len(body)}


def mode_idle(sock, n, hold):
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    conns = []
    err = None
    for _ in range(n):
        try:
            conns.append(connect(sock, timeout=10))
        except OSError as e:
            err = repr(e)
            break
    ping = None
    if conns:
        try:
            conns[-1].sendall(req("GET", "/_ping", "rawhttp-idle"))
            st, body = first_status(conns[-1], timeout=15)
            ping = [st, body]
        except OSError as e:
            ping = repr(e)
    print(json.dumps({"connected": len(conns), "error": err, "last_ping": ping}), flush=True)
    t0 = time.time()
    while time.time() - t0 < float(hold):
        if os.path.exists(sock + ".idle-stop"):
            break
        time.sleep(0.2)
    for c in conns:
        c.close()
    return {"closed": len(conns)}


def mode_bigbody(sock, name, nbytes):
    body = json.dumps({"Image": "bb", "Cmd": ["true"], "Labels": {"big": "L" * int(nbytes)}}).encode()
    s = connect(sock, timeout=120)
    s.sendall(req("POST", "/v1.41/containers/create?name=%s" % name, "rawhttp-bigbody", body))
    r = Reader(s)
    st, h, b = r.response()
    return {"status": st, "body": b.decode("latin-1")[:300], "sent": len(body)}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    fn = globals()["mode_" + mode]
    print(json.dumps(fn(*args)), flush=True)


if __name__ == "__main__":
    main()
