"""seal_forge.py JOURNAL-DIR STOLEN-KEY-FILE NAME [fixed|evolve]: what an intruder who is root
and has copied seal.key does to hide a privileged container.

Finds the container.create request record for container NAME, turns its "privileged":true
(security field) and "Privileged":true (request body) into false, recomputes the whole hash
chain from the genesis in journal.meta, and re-seals every seal from the forged record on with
the stolen key: "fixed" uses it as is for every seal, "evolve" (default) evolves it forward
(k_{e+1} = HMAC-SHA256(k_e, "evolve")) for the seals whose epoch is at or past the stolen
key's, which is all an intruder can do. The segments are rewritten in place (same names).
Prints JSON: forged_seq, stolen_epoch, first_seal_after (seq), its epoch, resealed count.
"""
import glob
import hashlib
import hmac
import json
import os
import re
import sys

SEAL_RE = re.compile(rb',"seal":\{"epoch":(\d+),"seq":(\d+),"head":"([0-9a-f]{64})","mac":"([0-9a-f]{64})"\}$')


def evolve(k):
    return hmac.new(k, b"evolve", hashlib.sha256).digest()


def seal_mac(k, epoch, seq, head):
    msg = b"dockaudit-seal-v1" + epoch.to_bytes(8, "big") + seq.to_bytes(8, "big") + head
    return hmac.new(k, msg, hashlib.sha256).digest()


def main():
    d, keyfile, name = sys.argv[1], sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else "evolve"
    with open(keyfile) as f:
        kf = json.load(f)
    stolen, stolen_epoch = bytes.fromhex(kf["key"]), kf["epoch"]
    with open(os.path.join(d, "journal.meta")) as f:
        h = bytes.fromhex(json.load(f)["genesis"])
    segs = sorted(glob.glob(os.path.join(d, "*.jsonl")))
    files = []
    for path in segs:
        with open(path, "rb") as f:
            data = f.read()
        assert data.endswith(b"\n") or not data, path + ": torn tail; stop dockaudit first"
        files.append((path, data.split(b"\n")[:-1]))

    forged = None
    first_seal = None
    resealed = 0
    for path, lines in files:
        for i, ln in enumerate(lines):
            rec = json.loads(ln)
            if forged is None and rec.get("kind") == "api" and rec.get("stage") == "request" \
                    and rec.get("action") == "container.create" \
                    and (rec.get("request", {}).get("query") or {}).get("name") == name:
                assert b'"privileged":true' in ln, "record of %s is not privileged" % name
                ln = ln.replace(b'"privileged":true', b'"privileged":false')
                ln = ln.replace(b'"Privileged":true', b'"Privileged":false')
                forged = rec["seq"]
            body = ln[:-66]  # up to and including ,"prev":"
            m = SEAL_RE.search(body[:-len(b',"prev":"')])
            if forged is not None and rec.get("kind") == "seal" and m:
                epoch, seq = int(m.group(1)), rec["seq"] - 1
                if mode == "evolve" and epoch >= stolen_epoch:
                    k = stolen
                    for _ in range(epoch - stolen_epoch):
                        k = evolve(k)
                else:
                    k = stolen
                mac = seal_mac(k, epoch, seq, h)
                start = len(body) - len(b',"prev":"') - len(m.group(0))
                body = body[:start] + (b',"seal":{"epoch":%d,"seq":%d,"head":"%s","mac":"%s"}' % (
                    epoch, seq, h.hex().encode(), mac.hex().encode())) + b',"prev":"'
                resealed += 1
                if first_seal is None:
                    first_seal = (rec["seq"], epoch)
            ln = body + h.hex().encode() + b'"}'
            lines[i] = ln
            h = hashlib.sha256(h + ln + b"\n").digest()
    if forged is None:
        raise SystemExit("no container.create request record for %s" % name)
    for path, lines in files:
        with open(path, "wb") as f:
            f.write(b"".join(ln + b"\n" for ln in lines))
    print(json.dumps({"forged_seq": forged, "stolen_epoch": stolen_epoch,
                      "first_seal_after": first_seal[0] if first_seal else None,
                      "first_seal_epoch": first_seal[1] if first_seal else None,
                      "resealed": resealed}))


if __name__ == "__main__":
    main()
