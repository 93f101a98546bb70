"""sdk.py BASE_URL PREFIX: a fixed session with the Docker SDK for Python (python3-docker).

Prints one JSON object with the normalised results, so that a run against dockerd directly and a
run through dockaudit can be compared byte for byte.
"""
import io
import json
import sys
import tarfile

import docker

base_url, prefix = sys.argv[1], sys.argv[2]
c = docker.DockerClient(base_url=base_url, version="1.41", timeout=120)
res = {}
res["ping"] = c.ping()
res["api_version"] = c.version()["ApiVersion"]

ct = c.containers.run("bb", ["sh", "-c", "echo sdk-hello; sleep 0.2; echo sdk-err >&2; exit 7"],
                      detach=True, name=prefix + "-run")
res["wait"] = ct.wait(timeout=60)["StatusCode"]
res["logs_both"] = ct.logs(stdout=True, stderr=True).decode()
res["logs_stdout"] = ct.logs(stdout=True, stderr=False).decode()
ct.remove()

s = c.containers.run("bb", ["sleep", "600"], detach=True, name=prefix + "-exec")
er = s.exec_run(["sh", "-c", "echo exec-out; exit 5"])
res["exec"] = [er.exit_code, er.output.decode()]
er = s.exec_run(["sh", "-c", "echo a; echo b >&2"], demux=True)
res["exec_demux"] = [x.decode() if x is not None else None for x in er.output]
er = s.exec_run(["sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' y"], stream=False)
res["exec_big_len"] = len(er.output)
# archive round trip
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as tf:
    data = b"archive-payload\n" * 1000
    ti = tarfile.TarInfo("payload.txt")
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))
res["put_archive"] = s.put_archive("/tmp", buf.getvalue())
stream, stat = s.get_archive("/tmp/payload.txt")
raw = b"".join(stream)
with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
    res["get_archive"] = len(tf.extractfile("payload.txt").read())
res["get_archive_stat"] = [stat["name"], stat["size"]]
# streaming logs: read a few lines from a follow stream, then close it
t = c.containers.run("bb", ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; sleep 0.2; done; sleep 600"],
                     detach=True, name=prefix + "-follow")
lines = []
gen = t.logs(stream=True, follow=True)
buf = b""
for chunk in gen:
    buf += chunk
    if buf.count(b"\n") >= 3:
        break
gen.close()
res["follow_first3"] = buf.decode().splitlines()[:3]
t.remove(force=True)
s.remove(force=True)

res["images"] = sorted(tag for i in c.images.list() for tag in i.tags if tag.split(":")[0] in ("bb", "bbcli"))
res["leftovers"] = sorted(x.name for x in c.containers.list(all=True) if x.name.startswith(prefix))
c.close()
print(json.dumps(res, sort_keys=True))
