#!/usr/bin/env bash
# bench/authz.sh -- what the AuthZ plugin costs, side by side in one run.
#
# Starts two private dockerds, A with --authorization-plugin=<unique name>
# and B without, and a dockaudit in front of each (A's also serves the
# plugin, policy enforce with three deny rules; B's is a plain proxy), then:
#   1. `docker ps` and `docker create` + `docker rm` loops through each
#      proxy, interleaved iteration by iteration: wall time per iteration,
#      median and p90, with the ratio A/B (goal: <= 1.05);
#   2. the plugin's answer time: bench/authz_rt sends AuthZReq round trips
#      on one keep-alive connection with realistic bodies (a marked ping, a
#      marked 1.7 KB container create, an unmarked read that is recorded
#      as a bypass): p50/p90/p99 (goal: p99 <= 200 us).
# Prints markdown.  Assumes `make` ran.  Stops what it started, by pid.
#   BENCH_AUTHZ_N=N     iterations of each loop (40)
#   BENCH_AUTHZ_RT=N    round trips per kind (5000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DA=${DOCKAUDIT:-$ROOT/build/dockaudit}
N=${BENCH_AUTHZ_N:-40}
NRT=${BENCH_AUTHZ_RT:-5000}
# shellcheck source=../scripts/docker-env.sh
. scripts/docker-env.sh

log() { printf '[bench authz] %s\n' "$*" >&2; }
T=$(mktemp -d /tmp/dabz.XXXXXX)
NAME=dockaudit-bench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
PSOCK=/run/docker/plugins/$NAME.sock
PIDS=()
cleanup() {
	set +e
	local p
	for ((p = ${#PIDS[@]} - 1; p >= 0; p--)); do de_stop_pid "${PIDS[p]}" 20; done
	rm -f "$PSOCK"
	de_umount_under "$T"
	rm -rf "$T"
}
trap cleanup EXIT

gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc -o "$T/authz_rt" bench/authz_rt.c \
	build/obj/capture/callmark.o build/obj/base/err.o $(pkg-config --libs openssl)
cat >"$T/policy.yaml" <<'YAML'
policy:
  mode: enforce
  deny:
    - name: no-privileged
      privileged: true
    - name: no-host-root
      bind_source: ["/", "/etc"]
    - name: no-sys-admin
      cap_add: [SYS_ADMIN]
YAML
for x in a b; do "$DA" init --journal "$T/j$x" >/dev/null; done

# A: plugin first (dockerd refuses to start without it), then dockerd
setsid "$DA" run --listen "unix://$T/pa.sock" --backend "unix://$T/da/docker.sock" \
	--journal "$T/ja" --config "$T/policy.yaml" --authz-socket "unix://$PSOCK" \
	>"$T/da-a.log" 2>&1 </dev/null &
PIDS+=($!)
DA_A_PID=$!
for ((i = 0; i < 100; i++)); do [ -S "$PSOCK" ] && break; sleep 0.1; done
de_start_dockerd "$T/da" --authorization-plugin="$NAME" >/dev/null || { log "dockerd A failed"; exit 1; }
PIDS+=("$DE_PID")
de_build_image "$T/da/docker.sock" bb:latest >/dev/null
de_start_dockerd "$T/db" >/dev/null || { log "dockerd B failed"; exit 1; }
PIDS+=("$DE_PID")
de_build_image "$T/db/docker.sock" bb:latest >/dev/null
setsid "$DA" run --listen "unix://$T/pb.sock" --backend "unix://$T/db/docker.sock" \
	--journal "$T/jb" >"$T/da-b.log" 2>&1 </dev/null &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -S "$T/pb.sock" ] && break; sleep 0.1; done

ms() { date +%s%N; }
run_loop() { # KIND SOCK -> prints ms of one iteration
	local t0 t1 id
	t0=$(ms)
	case $1 in
	ps) docker -H "unix://$2" ps >/dev/null ;;
	create) id=$(docker -H "unix://$2" create bb true) && docker -H "unix://$2" rm "$id" >/dev/null ;;
	esac
	t1=$(ms)
	echo $(((t1 - t0) / 1000))
}
stats() { # FILE -> "median p90" in ms
	sort -n "$1" | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.9+0.5)]; printf "%.1f %.1f", m/1000, p/1000}'
}
for kind in ps create; do
	log "$kind loop, $N iterations each, interleaved"
	: >"$T/$kind.a"
	: >"$T/$kind.b"
	for i in 1 2 3; do run_loop "$kind" "$T/pa.sock" >/dev/null; run_loop "$kind" "$T/pb.sock" >/dev/null; done
	for ((i = 0; i < N; i++)); do
		if ((i % 2)); then
			run_loop "$kind" "$T/pa.sock" >>"$T/$kind.a"
			run_loop "$kind" "$T/pb.sock" >>"$T/$kind.b"
		else
			run_loop "$kind" "$T/pb.sock" >>"$T/$kind.b"
			run_loop "$kind" "$T/pa.sock" >>"$T/$kind.a"
		fi
	done
done

echo "### AuthZ plugin"
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg). Two private dockerds (vfs): A with \`--authorization-plugin\` served by its dockaudit (proxy + plugin in one process, policy \`enforce\`, 3 deny rules), B without a plugin behind a plain dockaudit proxy. Loops run the docker CLI through each proxy, interleaved, $N iterations; times are wall clock per iteration (CLI start-up included)."
echo
echo "| loop | with plugin median / p90 ms | without median / p90 ms | ratio (median) |"
echo "|---|---|---|---|"
for kind in ps create; do
	read -r am ap <<<"$(stats "$T/$kind.a")"
	read -r bm bp <<<"$(stats "$T/$kind.b")"
	label="\`docker ps\`"
	[ "$kind" = create ] && label="\`docker create bb true\` + \`docker rm\`"
	echo "| $label | $am / $ap | $bm / $bp | $(awk -v a="$am" -v b="$bm" 'BEGIN{printf "%.3f", a/b}') |"
done
echo
log "plugin answer time, $NRT round trips per kind"
echo "Plugin answer time (\`bench/authz_rt\`, $NRT AuthZReq round trips on one keep-alive connection to the plugin socket, one kind after the other, then all three interleaved; CPU time is the plugin process's, all threads, per round trip):"
echo
echo '```'
for k in 0 1 2; do
	"$T/authz_rt" -s "$PSOCK" -k "$T/ja/authz.key" -n "$NRT" -p "$DA_A_PID" -K "$k" | tail -n 2
done
echo "interleaved:"
"$T/authz_rt" -s "$PSOCK" -k "$T/ja/authz.key" -n "$NRT" -p "$DA_A_PID" | tail -n 4
echo '```'
bypass=$("$DA" search --journal "$T/ja" | grep -c '"bypass":true' || true)
echo
echo "Records flagged bypass in A's journal after the run: $bypass (the authz_rt \"bypass read\" calls plus the image import made directly; the CLI loops through the proxy add none)."
