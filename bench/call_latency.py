#!/usr/bin/env python3
"""bench/call_latency.py -- one API call's latency on unix sockets, no CLI.

usage: call_latency.py [-n N] [-r ROUNDS] [--path P] LABEL=SOCKET ...

For each socket: N requests `GET P` (default /v1.41/containers/json) on one
keep-alive connection, the sockets taken in turn for ROUNDS rounds (so a
noisy moment hits them all).  Prints a markdown table of p50/p90 in
microseconds over all rounds, with each row's p50 over the first row's.
"""
import argparse
import socket
import time


def one_round(path, target, n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    req = ("GET %s HTTP/1.1\r\nHost: d\r\n\r\n" % target).encode()
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        s.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("%s: connection closed" % path)
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit("%s: %s" % (path, head.split(b"\r\n")[0].decode()))
        cl = [h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
        if cl:
            need = int(cl[0].split(b":", 1)[1])
            while len(body) < need:
                body += s.recv(65536)
        else:
            while not body.endswith(b"0\r\n\r\n"):
                body += s.recv(65536)
        out.append(time.perf_counter_ns() - t0)
    s.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("--path", default="/v1.41/containers/json")
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    targets = [t.split("=", 1) for t in a.targets]
    samples = {label: [] for label, _ in targets}
    for _ in range(a.r):
        for label, sock in targets:
            samples[label] += one_round(sock, a.path, a.n)
    print("| target | p50 us | p90 us | p50 / first row |")
    print("|---|---:|---:|---:|")
    base = None
    for label, _ in targets:
        v = sorted(samples[label])
        p50, p90 = v[len(v) // 2] / 1e3, v[len(v) * 9 // 10] / 1e3
        base = base or p50
        print("| %s | %.1f | %.1f | %.2f |" % (label, p50, p90, p50 / base))


if __name__ == "__main__":
    main()
