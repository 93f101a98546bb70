"""journal_edit.py MODE JOURNAL-DIR [SEQ]: damage a copy of a journal for verify tests.

Modes (the segment holding SEQ is edited in place; prints what was done as JSON):
  flip SEQ      change one hex digit of the record's "id" value (still valid JSON)
  garble SEQ    replace the record's first byte with '#' (no longer JSON)
  delete SEQ    remove the record's line
  swap SEQ      swap the record with the next one
  torn          append half a record (no newline) to the last segment
  lines         print {"lines": N, "first": seq, "last": seq} over all segments
"""
import glob
import json
import os
import sys


def segments(d):
    return sorted(glob.glob(os.path.join(d, "*.jsonl")))


def find(d, seq):
    key = ('"seq":%d,' % seq).encode()
    for path in segments(d):
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        for i, ln in enumerate(lines):
            if key in ln:
                try:
                    if json.loads(ln).get("seq") == seq:
                        return path, lines, i
                except ValueError:
                    pass
    raise SystemExit("seq %d not found" % seq)


def write(path, lines):
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))


def main():
    mode, d = sys.argv[1], sys.argv[2]
    if mode == "lines":
        seqs = []
        for path in segments(d):
            with open(path, "rb") as f:
                for ln in f.read().split(b"\n"):
                    if ln.strip():
                        seqs.append(json.loads(ln)["seq"])
        print(json.dumps({"lines": len(seqs), "first": seqs[0] if seqs else None,
                          "last": seqs[-1] if seqs else None}))
        return
    if mode == "torn":
        path = segments(d)[-1]
        torn = b'{"v":1,"seq":999999999,"id":"torn-tail","kind":"api","sta'
        with open(path, "ab") as f:
            f.write(torn)
        print(json.dumps({"file": os.path.basename(path), "appended": len(torn)}))
        return
    seq = int(sys.argv[3])
    path, lines, i = find(d, seq)
    ln = lines[i]
    if mode == "flip":
        p = ln.index(b'"id":"') + 6
        c = ln[p:p + 1]
        new = b"0" if c != b"0" else b"1"
        lines[i] = ln[:p] + new + ln[p + 1:]
        json.loads(lines[i])
    elif mode == "garble":
        lines[i] = b"#" + ln[1:]
    elif mode == "delete":
        del lines[i]
    elif mode == "swap":
        j = i + 1 if i + 1 < len(lines) and lines[i + 1].strip() else i - 1
        lines[i], lines[j] = lines[j], lines[i]
    write(path, lines)
    print(json.dumps({"file": os.path.basename(path), "line": i + 1, "seq": seq, "mode": mode}))


if __name__ == "__main__":
    main()
