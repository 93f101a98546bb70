#!/usr/bin/env python3
"""slowbodies.py SOCK N BYTES PIECE PAUSE: N clients at once, each POSTing a JSON
container create of about BYTES bytes through SOCK in PIECE-byte writes with
PAUSE seconds between them (so all bodies are held by the proxy at the same
time).  The image does not exist, so dockerd answers 404 without creating
anything.  Prints one line per client: "<status> <message>" ("reset" if the
connection broke with no answer).  Stops by itself (socket timeouts)."""
import json
import socket
import sys
import threading
import time

sock_path, n, size, piece, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5])
results = [None] * n


def client(i):
    pad = "x" * (size - 200)
    body = json.dumps({"Image": "no-such-image-slowbody:%d" % i,
                       "Labels": {"pad": pad}}).encode()
    head = ("POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(body)).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    try:
        s.connect(sock_path)
        s.sendall(head)
        for off in range(0, len(body), piece):
            s.sendall(body[off:off + piece])
            time.sleep(pause)
    except OSError:
        pass  # refused mid-body: the answer is already queued for us
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data) < 4096:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            h, sep, rest = data.partition(b"\r\n\r\n")
            if sep and b"Content-Length:" in h:
                cl = int(h.split(b"Content-Length:")[1].split(b"\r\n")[0])
                if len(rest) >= cl:
                    break
    except OSError:
        pass
    s.close()
    if not data.startswith(b"HTTP/1."):
        results[i] = "reset"
        return
    status = data.split(b" ", 2)[1].decode()
    msg = data.partition(b"\r\n\r\n")[2].decode(errors="replace").strip()
    try:
        msg = json.loads(msg).get("message", msg)
    except ValueError:
        pass
    results[i] = "%s %s" % (status, msg)


threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for r in results:
    print(r)
