#!/usr/bin/env bash
# bench/authz.sh -- what the AuthZ plugin costs, side by side in one run.
#
# Starts three private dockerds, A with --authorization-plugin=<unique name>,
# B without, C with bench/authz_null.c (allows everything unread: the floor
# any plugin costs), and a dockaudit in front of A and of B (A's also serves the
# plugin, policy enforce with three deny rules; B's is a plain proxy), then:
#   1. `docker ps` and `docker create` + `docker rm` loops through each
#      proxy and on each dockerd directly, rotating the order iteration by
#      iteration: wall time per iteration, median and p90, with the ratios
#      with/without plugin (goal: <= 1.05), through the proxies (A's calls
#      are marked: the plugin writes nothing) and directly (A's calls are
#      bypasses: the plugin records each and alerts);
#   2. the plugin's answer time: bench/authz_rt sends AuthZReq round trips
#      on one keep-alive connection with realistic bodies (a marked ping, a
#      marked 1.7 KB container create, an unmarked read that is recorded
#      as a bypass): p50/p90/p99 (goal: p99 <= 200 us);
#   3. between the two, one GET /containers/json without the CLI on each of
#      the five targets (bench/call_latency.py), which separates dockerd's
#      own cost of asking a plugin from the plugin's answer.
# Prints markdown.  Assumes `make` ran.  Stops what it started, by pid.
#   BENCH_AUTHZ_N=N     iterations of the ps loop per target (100)
#   BENCH_AUTHZ_CREATE_N=N  iterations of the create/rm loop per target (30)
#   BENCH_AUTHZ_RT=N    round trips per kind (5000)
#   BENCH_AUTHZ_LAT_N=N calls per target per round of bench/call_latency.py (1000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DA=${DOCKAUDIT:-$ROOT/build/dockaudit}
N_PS=${BENCH_AUTHZ_N:-100}
N_CREATE=${BENCH_AUTHZ_CREATE_N:-30}
NLAT=${BENCH_AUTHZ_LAT_N:-1000}
NRT=${BENCH_AUTHZ_RT:-5000}
# shellcheck source=../scripts/docker-env.sh
. scripts/docker-env.sh

log() { printf '[bench authz] %s\n' "$*" >&2; }
T=$(mktemp -d /tmp/dabz.XXXXXX)
NAME=dockaudit-bench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
PSOCK=/run/docker/plugins/$NAME.sock
NULLNAME=$NAME-null
NULLSOCK=/run/docker/plugins/$NULLNAME.sock
PIDS=()
cleanup() {
	set +e
	local p
	for ((p = ${#PIDS[@]} - 1; p >= 0; p--)); do de_stop_pid "${PIDS[p]}" 20; done
	rm -f "$PSOCK" "$NULLSOCK"
	de_umount_under "$T"
	rm -rf "$T"
}
trap cleanup EXIT

gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc -o "$T/authz_rt" bench/authz_rt.c \
	build/obj/capture/callmark.o build/obj/event/record.o build/obj/json/*.o build/obj/base/*.o \
	$(pkg-config --libs openssl) -lpthread
gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -o "$T/authz_null" bench/authz_null.c
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
# C: the same dockerd with a plugin that allows everything unread (bench/authz_null.c)
setsid "$T/authz_null" "$NULLSOCK" >"$T/null.log" 2>&1 </dev/null &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -S "$NULLSOCK" ] && break; sleep 0.1; done
de_start_dockerd "$T/dc" --authorization-plugin="$NULLNAME" >/dev/null || { log "dockerd C failed"; exit 1; }
PIDS+=("$DE_PID")
de_build_image "$T/dc/docker.sock" bb:latest >/dev/null
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
# targets: pa = A's proxy (proxy + plugin), pb = B's proxy (proxy only),
# da = A's dockerd directly (plugin only: bypass calls, recorded),
# db = B's dockerd directly (neither)
# dc = C's dockerd directly (a plugin that allows everything unread: the floor)
sock_of() { case $1 in pa) echo "$T/pa.sock" ;; pb) echo "$T/pb.sock" ;; da) echo "$T/da/docker.sock" ;; db) echo "$T/db/docker.sock" ;; dc) echo "$T/dc/docker.sock" ;; esac; }
TARGETS=(pa pb da db dc)
for kind in ps create; do
	N=$N_PS
	[ "$kind" = create ] && N=$N_CREATE
	log "$kind loop, $N iterations each, targets interleaved"
	for t in "${TARGETS[@]}"; do : >"$T/$kind.$t"; done
	for i in 1 2 3; do for t in "${TARGETS[@]}"; do run_loop "$kind" "$(sock_of "$t")" >/dev/null; done; done
	for ((i = 0; i < N; i++)); do
		# rotate the order so no target always runs first
		for ((k = 0; k < ${#TARGETS[@]}; k++)); do
			t=${TARGETS[$(((i + k) % ${#TARGETS[@]}))]}
			run_loop "$kind" "$(sock_of "$t")" >>"$T/$kind.$t"
		done
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg). Two private dockerds (vfs): A with \`--authorization-plugin\` served by its dockaudit (proxy + plugin in one process, policy \`enforce\`, 3 deny rules), B without a plugin behind a plain dockaudit proxy. C with a plugin that allows everything without reading it (\`bench/authz_null.c\`, the least any plugin can cost). Each loop runs the docker CLI against five targets in rotating order, $N_PS (ps) and $N_CREATE (create) iterations each; times are wall clock per iteration (CLI start-up included), median / p90 in ms."
echo
echo "| loop | A proxy (+ plugin) | B proxy (no plugin) | ratio | A direct (plugin only, calls recorded as bypass) | B direct (neither) | ratio | C direct (null plugin) | ratio C/B |"
echo "|---|---|---|---|---|---|---|---|---|"
for kind in ps create; do
	read -r am ap <<<"$(stats "$T/$kind.pa")"
	read -r bm bp <<<"$(stats "$T/$kind.pb")"
	read -r cm cp <<<"$(stats "$T/$kind.da")"
	read -r dm dp <<<"$(stats "$T/$kind.db")"
	read -r em ep <<<"$(stats "$T/$kind.dc")"
	label="\`docker ps\`"
	[ "$kind" = create ] && label="\`docker create bb true\` + \`docker rm\`"
	echo "| $label | $am / $ap | $bm / $bp | $(ratio "$am" "$bm") | $cm / $cp | $dm / $dp | $(ratio "$cm" "$dm") | $em / $ep | $(ratio "$em" "$dm") |"
done
echo
echo "Ratios are medians, with the plugin over without (goal: <= 1.05)."
echo
log "one call's latency, no CLI"
echo "One call without the CLI (\`bench/call_latency.py\`: GET /containers/json on one keep-alive connection, $NLAT per target per round, 3 rounds, targets in turn), to show where the time goes: dockerd's own AuthZ client (request and response each sent to the plugin as JSON over HTTP) against the plugin's answer time below:"
echo
python3 bench/call_latency.py -n "$NLAT" -r 3 "B direct (neither)=$T/db/docker.sock" \
	"C direct (null plugin)=$T/dc/docker.sock" \
	"A direct (plugin; recorded as bypass)=$T/da/docker.sock" "B proxy (no plugin)=$T/pb.sock" \
	"A proxy + plugin=$T/pa.sock"
echo
echo "Plugin answer time (\`bench/authz_rt\`, $NRT AuthZReq round trips on one keep-alive connection to the plugin socket, one kind after the other, then all three interleaved; CPU time is the plugin process's, all threads, per round trip):"
echo
echo '```'
printf '%-26s %8s %8s %8s %8s\n' "AuthZReq kind" "p50 us" "p90 us" "p99 us" "max us"
for k in 0 1 2; do
	"$T/authz_rt" -s "$PSOCK" -k "$T/ja/authz.key" -n "$NRT" -p "$DA_A_PID" -K "$k" | tail -n 2
done
echo "interleaved:"
"$T/authz_rt" -s "$PSOCK" -k "$T/ja/authz.key" -n "$NRT" -p "$DA_A_PID" | tail -n 4
echo '```'
bypass=$("$DA" search --journal "$T/ja" | grep -c '"bypass":true' || true)
echo
echo "Records flagged bypass in A's journal after the run: $bypass (the authz_rt \"bypass read\" calls, the image import and the direct CLI loops; the CLI loops through the proxy add none)."
