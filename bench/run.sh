#!/usr/bin/env bash
# bench/run.sh -- dockaudit's benchmarks, side by side in one run.
#
# Starts its own dockerd, HAProxy (a plain docker-socket proxy: unix frontend
# -> unix backend, mode http) and dockaudit in a temporary directory, then
# measures and prints tables with ratios:
#   1. added latency per call (median, p90, p99): direct socket vs HAProxy
#      vs dockaudit, keep-alive and new-connection-per-call, interleaved
#      call by call (bench/latency.c) so that machine noise hits all three
#      alike; CPU time per call of each proxy;
#   2. resident memory (VmRSS) of a fresh dockaudit and of HAProxy idle,
#      with 1,000 open keep-alive client connections (bench/conns.c), after
#      they are closed and after many more calls;
#   3. streaming throughput of `docker save` / `docker load` of a large
#      image (BENCH_IMAGE_MIB, 500 MiB of random data + busybox), best of 3,
#      and dockaudit's peak memory while streaming;
#   4. journal append rate (bench/journal_append.c, if present) and search
#      speed (bench/search.sh, if present);
#   6. verify over zstd-compressed segments vs zstd -dc | sha256sum, and
#      the compression ratio (bench/journal_ops.sh).
#   7. seals: verify --key against sha256sum on a ~1 GiB sealed journal,
#      appends with seals on vs off (bench/seal.sh).
#   8. the AuthZ plugin (bench/authz.sh): CLI loops with and without it,
#      and its answer time.
# Everything printed is also written to bench/RESULTS.md (date, machine,
# versions, commands).  Installs nothing; assumes `make` was run (needs
# build/dockaudit, gcc, dockerd, docker, haproxy, busybox-static).  Stops
# everything it started, by pid, on exit.
#
# Environment:
#   DOCKAUDIT=path        binary to test (build/dockaudit)
#   BENCH_QUICK=1         small sample counts and a 64 MiB image (smoke test)
#   BENCH_IMAGE_MIB=N     size of the random payload of the streamed image (500)
#   BENCH_SKIP=list       skip sections: latency,stream,rss,journal,search,jops,seal,authz
#   BENCH_SEAL_N=N        records of bench/seal.sh's verify journal (1000000, ~1.1 GB)
#   BENCH_SEAL_APPEND_N=N records per append run of bench/seal.sh (1000000)
#   BENCH_SEARCH_N=N      records for bench/search.sh (200000)
#   BENCH_JOURNAL_N=N     records for bench/journal_append (1000000)
#   BENCH_JOPS_N=N        records for bench/journal_ops.sh (300000)
#   BENCH_RESULTS=file    where to write the report (bench/RESULTS.md; "-" = none)
#   BENCH_KEEP=1          keep the temporary directory (samples, logs, journal)
# Logs, raw latency samples (ns, in call order) and the journals' last
# records are copied to build/bench/logs/ in any case.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DA=${DOCKAUDIT:-$ROOT/build/dockaudit}
OUT=$ROOT/build/bench
RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
SKIP=",${BENCH_SKIP:-},"
QUICK=${BENCH_QUICK:-0}
IMAGE_MIB=${BENCH_IMAGE_MIB:-500}
SEARCH_N=${BENCH_SEARCH_N:-200000}
JOURNAL_N=${BENCH_JOURNAL_N:-1000000}
JOPS_N=${BENCH_JOPS_N:-300000}
SEAL_N=${BENCH_SEAL_N:-1000000}
SEAL_APPEND_N=${BENCH_SEAL_APPEND_N:-1000000}
# samples per target (measured, after warm-up)
N_READ=5000 N_MUT=1000 N_NEWCONN=2000 N_NEWCONN_MUT=500 WARM=300 RSS_CONNS=1000
if [ "$QUICK" = 1 ]; then
	N_READ=500 N_MUT=100 N_NEWCONN=200 N_NEWCONN_MUT=50 WARM=50
	IMAGE_MIB=${BENCH_IMAGE_MIB:-64} SEARCH_N=${BENCH_SEARCH_N:-20000}
	JOURNAL_N=${BENCH_JOURNAL_N:-50000}
	SEAL_N=${BENCH_SEAL_N:-50000} SEAL_APPEND_N=${BENCH_SEAL_APPEND_N:-50000}
fi

skip() { [[ $SKIP == *",$1,"* ]]; }
log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$DA" ] || die "$DA not found: run make first"
for c in gcc dockerd docker haproxy awk; do
	command -v "$c" >/dev/null || die "$c is not installed"
done
[ -f scripts/docker-env.sh ] || die "scripts/docker-env.sh is missing"
# shellcheck source=../scripts/docker-env.sh
. scripts/docker-env.sh

# Socket paths must stay under 108 bytes: keep the directory short.
T=$(mktemp -d /tmp/dab.XXXXXX)
# Run a private copy: others may rebuild build/dockaudit during the run.
cp "$DA" "$T/dockaudit"
DA_ORIG=$DA DA=$T/dockaudit
HA_PID='' DA_PID='' DAR_PID='' HOLD_PID=''
REPORT=$T/report.md
: >"$REPORT"

cleanup() {
	local rc=$?
	set +e
	# keep the logs (not the journals) for a look after the run
	rm -rf "$OUT/logs"
	mkdir -p "$OUT/logs"
	cp "$T"/*.log "$T"/*.out "$T"/*.err "$T/haproxy.cfg" "$OUT/logs/" 2>/dev/null
	[ -d "$T/samples" ] && cp -r "$T/samples" "$OUT/logs/"
	for j in "$T"/journal "$T"/journal-rss; do
		[ -d "$j" ] && tail -q -n 100 "$j"/*.jsonl >"$OUT/logs/$(basename "$j")-tail.jsonl" 2>/dev/null
	done
	[ -n "$HOLD_PID" ] && de_stop_pid "$HOLD_PID" 5
	[ -n "$DA_PID" ] && de_stop_pid "$DA_PID" 10
	[ -n "$DAR_PID" ] && de_stop_pid "$DAR_PID" 10
	[ -n "$HA_PID" ] && de_stop_pid "$HA_PID" 10
	de_stop_dockerd
	de_umount_under "$T"
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# out: print to the terminal and to the report
out() { printf '%s\n' "$*" | tee -a "$REPORT"; }

# ---- build the bench tools ----
mkdir -p "$OUT"
for t in latency conns; do
	gcc -std=gnu11 -O2 -Wall -Wextra -o "$OUT/$t" "bench/$t.c" ||
	    die "cannot build bench/$t.c"
done

# ---- helpers ----
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
nthreads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# CPU time of all threads of a process, ns (sum of /proc/PID/task/*/schedstat)
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}
now_ns() { date +%s%N; }
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9' '_'; }
# ping SOCK: one GET /_ping
ping_sock() { "$OUT/latency" -s "$1" -n 1 -w 0 /_ping >/dev/null 2>&1; }
wait_ping() {	# wait_ping SOCK PID NAME LOG
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$2" 2>/dev/null || { tail -n 20 "$4" >&2; die "$3 exited during start-up"; }
		[ -S "$1" ] && ping_sock "$1" && return 0
		sleep 0.1
	done
	tail -n 20 "$4" >&2
	die "$3 did not answer on $1"
}

# ---- start dockerd, HAProxy, dockaudit ----
log "starting dockerd in $T/d"
de_start_dockerd "$T/d" || die "dockerd did not start"
DIRECT=$DE_SOCK
de_build_image "$DIRECT" bb:latest || die "cannot build the busybox image"
docker -H "unix://$DIRECT" run -d --name bench-sleep bb:latest sleep 1000000 >/dev/null
docker -H "unix://$DIRECT" run -d -t --name bench-tty bb:latest sleep 1000000 >/dev/null

HAP=$T/haproxy.sock
cat >"$T/haproxy.cfg" <<EOF
global
    log stderr format raw local0 err

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 24h
    timeout server 24h
    timeout tunnel 24h

frontend docker
    bind unix@$HAP mode 660
    default_backend dockerd

backend dockerd
    server dockerd unix@$DIRECT
EOF
haproxy -c -q -f "$T/haproxy.cfg" || die "haproxy rejects $T/haproxy.cfg"
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
HA_PID=$!
wait_ping "$HAP" "$HA_PID" haproxy "$T/haproxy.log"

DAS=$T/da.sock
"$DA" init --journal "$T/journal" >"$T/init.log" 2>&1 || { cat "$T/init.log" >&2; die "dockaudit init failed"; }
"$DA" run --listen "unix://$DAS" --backend "unix://$DIRECT" --journal "$T/journal" \
    --socket-group root >"$T/dockaudit.log" 2>&1 &
DA_PID=$!
wait_ping "$DAS" "$DA_PID" dockaudit "$T/dockaudit.log"
sleep 0.5
DA_RSS_IDLE=$(rss_kb "$DA_PID")

# ---- report header ----
{
	echo "# dockaudit benchmark results"
	echo
	echo "Generated by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M:%S UTC')."
	echo
	echo "- machine: $(uname -srm), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- temp dir / journal file system: $(df -PT "$T" | awk 'NR==2 {print $2 " on " $1}')"
	echo "- dockaudit: $("$DA" --version 2>/dev/null | head -n1 || true) (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ', src modified'); binary $DA_ORIG built $(date -u -r "$DA_ORIG" '+%H:%M:%S UTC')), \`dockaudit run --listen unix://... --backend unix://... --journal DIR --socket-group root\` (defaults: fdatasync group commit, mutating calls wait for it)"
	echo "- dockerd $(dockerd --version | sed 's/^Docker version //') (vfs, private instance); docker CLI $(docker --version | sed 's/^Docker version //'); $(haproxy -v | head -n1 | cut -d' ' -f1-3) (config: unix frontend -> unix backend, mode http, 24h timeouts, default 2 threads)"
	echo "- command: \`${BENCH_CMD:-bench/run.sh}\` (BENCH_QUICK=$QUICK)"
	echo
} >>"$REPORT"
cat "$REPORT"

# ---- 1. latency ----
declare -A R	# R[case|target|field]
CASES=()
declare -A CPU FAIL

# lat CASE-LABEL latency-args...: one interleaved run over the three sockets
lat() {
	local label=$1 slug da0 ha0 da1 ha1 line k f n
	shift
	slug=$(slug "$label")
	log "latency: $label"
	da0=$(cpu_ns "$DA_PID") ha0=$(cpu_ns "$HA_PID")
	if ! "$OUT/latency" -s "$DIRECT" -l direct -s "$HAP" -l haproxy -s "$DAS" -l dockaudit \
	    -T 20 -w "$WARM" -o "$T/samples/$slug" "$@" >"$T/lat.out" 2>"$T/lat.err"; then
		FAIL[$label]=$(grep -v '^RESULT' "$T/lat.err" | tail -n 1)
		[ -n "${FAIL[$label]}" ] || FAIL[$label]="latency failed (see lat-failures.log)"
		log "latency: $label FAILED: ${FAIL[$label]}"
		cat "$T/lat.err" >>"$T/lat-failures.log"
		CASES+=("$label")
		return 0
	fi
	da1=$(cpu_ns "$DA_PID") ha1=$(cpu_ns "$HA_PID")
	n=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^n=/) {sub("n=", "", $i); print $i; exit}}' "$T/lat.out")
	CPU[$label|dockaudit]=$(awk -v a="$da0" -v b="$da1" -v n="$n" -v w="$WARM" 'BEGIN {printf "%.1f", (b - a) / 1000 / (n + w)}')
	CPU[$label|haproxy]=$(awk -v a="$ha0" -v b="$ha1" -v n="$n" -v w="$WARM" 'BEGIN {printf "%.1f", (b - a) / 1000 / (n + w)}')
	while read -r line; do
		# shellcheck disable=SC2086
		set -- $line
		[ "$1" = RESULT ] || continue
		shift
		k=${1#label=}
		shift
		for f in "$@"; do R["$label|$k|${f%%=*}"]=${f#*=}; done
	done <"$T/lat.out"
	CASES+=("$label")
}

# table of latency cases
lat_table() {
	local c
	out ""
	out "| call | n | direct med | direct p99 | haproxy med | haproxy p99 | dockaudit med | dockaudit p99 | added dockaudit med | added dockaudit p99 | added haproxy med | added haproxy p99 | dockaudit/direct med | dockaudit added / haproxy added | CPU/call dockaudit | CPU/call haproxy |"
	out "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for c in "$@"; do
		if [ -n "${FAIL[$c]:-}" ]; then
			out "| $c | FAILED: ${FAIL[$c]//|/\\|} |||||||||||||||"
			continue
		fi
		out "$(awk -v c="$c" -v n="${R[$c|direct|n]}" \
		    -v dm="${R[$c|direct|med]}" -v dp="${R[$c|direct|p99]}" \
		    -v hm="${R[$c|haproxy|med]}" -v hp="${R[$c|haproxy|p99]}" \
		    -v am="${R[$c|dockaudit|med]}" -v ap="${R[$c|dockaudit|p99]}" \
		    -v ca="${CPU[$c|dockaudit]}" -v ch="${CPU[$c|haproxy]}" 'BEGIN {
			ad = am - dm; hd = hm - dm
			rr = (hd > 0) ? sprintf("%.2f", ad / hd) : "n/a"
			printf "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %+.0f | %+.0f | %+.0f | %+.0f | %.2fx | %s | %s | %s |",
			    c, n, dm, dp, hm, hp, am, ap, ad, ap - dp, hd, hp - dp, am / dm, rr, ca, ch }')"
	done
}

if ! skip latency; then
	mkdir -p "$T/samples"
	# the proxies must see warm, cached paths too: one untimed pass each
	ping_sock "$DAS"; ping_sock "$HAP"
	lat "GET /_ping" -n "$N_READ" /_ping
	lat "GET /containers/json" -n "$N_READ" '/v1.41/containers/json'
	lat "POST resize (tty)" -n "$N_MUT" -X POST \
	    '/v1.41/containers/bench-tty/resize?h=24&w=80' '/v1.41/containers/bench-tty/resize?h=25&w=81'
	lat "POST rename" -n "$N_MUT" -X POST \
	    '/v1.41/containers/bench-sleep/rename?name=bench-sleep2' '/v1.41/containers/bench-sleep2/rename?name=bench-sleep'
	KA_CASES=("${CASES[@]}")
	CASES=()
	lat "GET /_ping, new conn" -c -n "$N_NEWCONN" /_ping
	lat "GET /containers/json, new conn" -c -n "$N_NEWCONN" '/v1.41/containers/json'
	lat "POST resize, new conn" -c -n "$N_NEWCONN_MUT" -X POST \
	    '/v1.41/containers/bench-tty/resize?h=24&w=80' '/v1.41/containers/bench-tty/resize?h=25&w=81'
	NC_CASES=("${CASES[@]}")

	out ""
	out "## 1. Latency per call (microseconds)"
	out ""
	out "Each row is one run of \`build/bench/latency\` with the three sockets interleaved call by call (round-robin, starting target rotated each round), after $WARM warm-up calls per target. \"added\" = proxy minus direct, per statistic (the p99 column is a difference of p99s, not the p99 of a difference). CPU/call = CPU time of all the proxy's threads over the run divided by its calls (schedstat). Mutating calls: \`POST /containers/{id}/resize\` on a tty container (h/w alternating) and \`POST /containers/{id}/rename\` (name alternating); through dockaudit both wait for the request record's fdatasync."
	out ""
	out "### Keep-alive (one connection per target)"
	lat_table "${KA_CASES[@]}"
	out ""
	out "### New connection per call (connect, request, response, close: docker CLI style; includes connect and dockaudit's /proc identity lookup at accept)"
	lat_table "${NC_CASES[@]}"
	out ""
	# goals
	verdict() {	# verdict CASE
		if [ -n "${FAIL[$1]:-}" ]; then
			echo "- $1: FAILED (${FAIL[$1]})"
			return
		fi
		awk -v c="$1" -v dm="${R[$1|direct|med]}" -v hm="${R[$1|haproxy|med]}" \
		    -v am="${R[$1|dockaudit|med]}" 'BEGIN {
			ad = am - dm; hd = hm - dm
			printf "- %s: dockaudit adds %.0f us at the median (goal <= 50 us: %s), haproxy adds %.0f us (goal no worse than haproxy: %s)\n",
			    c, ad, (ad <= 50 ? "met" : "NOT met"), hd, (ad <= hd ? "met" : "NOT met") }'
	}
	out "Goals (reads, keep-alive):"
	out "$(verdict "GET /_ping")"
	out "$(verdict "GET /containers/json")"
	out "Mutating calls (no numeric goal; they include a journal fdatasync):"
	out "$(verdict "POST resize (tty)" | sed 's/ (goal <= 50 us: [^)]*)//')"
	out "$(verdict "POST rename" | sed 's/ (goal <= 50 us: [^)]*)//')"
	# slow-call census: how many calls took over 1 ms / 10 ms, per target
	out ""
	out "Slow calls (count of samples over 1 ms / over 10 ms; shows outlier patterns):"
	out ""
	out "| call | direct >1ms | haproxy >1ms | dockaudit >1ms | direct >10ms | haproxy >10ms | dockaudit >10ms |"
	out "|---|---:|---:|---:|---:|---:|---:|"
	for c in "${KA_CASES[@]}" "${NC_CASES[@]}"; do
		[ -z "${FAIL[$c]:-}" ] || continue
		row="| $c |"
		for lim in 1000000 10000000; do
			for tgt in direct haproxy dockaudit; do
				row="$row $(awk -v l=$lim '$1 > l {n++} END {print n + 0}' "$T/samples/$(slug "$c").$tgt") |"
			done
		done
		out "$row"
	done
	NREC=$( (cat "$T"/journal/*.jsonl 2>/dev/null || true) | wc -l)
	out ""
	out "Journal after the latency runs: $NREC records, $(du -sk "$T/journal" | cut -f1) KiB."
	DA_RSS_AFTER_LAT=$(rss_kb "$DA_PID")
fi


# ---- 2. memory ----
# hold_conns SOCK: open RSS_CONNS keep-alive connections (one ping each) and keep them
hold_conns() {
	rm -f "$T/hold.fifo"
	mkfifo "$T/hold.fifo"
	"$OUT/conns" -s "$1" -n "$RSS_CONNS" <"$T/hold.fifo" >"$T/conns.out" 2>"$T/conns.err" &
	HOLD_PID=$!
	exec 9>"$T/hold.fifo"
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$T/conns.out" 2>/dev/null && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/conns.err" >&2
	return 1
}
release_conns() {
	exec 9>&-
	wait "$HOLD_PID" 2>/dev/null || true
	HOLD_PID=''
	sleep 1
}
if ! skip rss; then
	# A fresh dockaudit (own journal), so that "idle" and the per-connection
	# cost are not blurred by what the latency and streaming runs left in
	# its heap; the main instance's numbers after those runs are rows too.
	DAR=$T/dar.sock
	"$DA" init --journal "$T/journal-rss" >>"$T/init.log" 2>&1 || die "dockaudit init (rss) failed"
	"$DA" run --listen "unix://$DAR" --backend "unix://$DIRECT" --journal "$T/journal-rss" \
	    --socket-group root >"$T/dockaudit-rss.log" 2>&1 &
	DAR_PID=$!
	wait_ping "$DAR" "$DAR_PID" "dockaudit (rss)" "$T/dockaudit-rss.log"
	log "memory: $RSS_CONNS connections"
	sleep 1
	DA_RSS_BEFORE=$(rss_kb "$DAR_PID") HA_RSS_BEFORE=$(rss_kb "$HA_PID")
	DA_HOLD_OK=1 HA_HOLD_OK=1
	if hold_conns "$DAR"; then
		sleep 0.5
		DA_RSS_CONNS=$(rss_kb "$DAR_PID") DA_FDS_CONNS=$(nfds "$DAR_PID")
		DA_THREADS_CONNS=$(nthreads "$DAR_PID")
	else
		DA_HOLD_OK=0 DA_RSS_CONNS=$(rss_kb "$DAR_PID") DA_FDS_CONNS=$(nfds "$DAR_PID")
	fi
	release_conns
	DA_RSS_CLOSED=$(rss_kb "$DAR_PID") DA_FDS_CLOSED=$(nfds "$DAR_PID")
	if hold_conns "$HAP"; then
		sleep 0.5
		HA_RSS_CONNS=$(rss_kb "$HA_PID")
	else
		HA_HOLD_OK=0 HA_RSS_CONNS=$(rss_kb "$HA_PID")
	fi
	release_conns
	HA_RSS_CLOSED=$(rss_kb "$HA_PID")
	# growth: many short connections, then many calls on one connection
	log "memory: 20000 short connections, then 40000 keep-alive calls"
	MEM_FAIL=''
	"$OUT/latency" -T 20 -s "$DAR" -l dockaudit -c -n 20000 -w 0 /_ping >"$T/mem-short.out" 2>&1 ||
	    MEM_FAIL="$MEM_FAIL short connections: $(tail -n 1 "$T/mem-short.out");"
	sleep 1
	DA_RSS_CHURN=$(rss_kb "$DAR_PID") DA_FDS_CHURN=$(nfds "$DAR_PID")
	"$OUT/latency" -T 20 -s "$DAR" -l dockaudit -n 20000 -w 0 /_ping >"$T/mem-ka1.out" 2>&1 ||
	    MEM_FAIL="$MEM_FAIL keep-alive: $(tail -n 1 "$T/mem-ka1.out");"
	sleep 1
	DA_RSS_KA1=$(rss_kb "$DAR_PID")
	"$OUT/latency" -T 20 -s "$DAR" -l dockaudit -n 20000 -w 0 /_ping >"$T/mem-ka2.out" 2>&1 ||
	    MEM_FAIL="$MEM_FAIL keep-alive: $(tail -n 1 "$T/mem-ka2.out");"
	sleep 1
	DA_RSS_KA2=$(rss_kb "$DAR_PID") DA_HWM=$(hwm_kb "$DAR_PID")
	HA_HWM=$(hwm_kb "$HA_PID")
	de_stop_pid "$DAR_PID" 10
	DAR_PID=''

	out ""
	out "## 2. Resident memory (VmRSS, MiB)"
	out ""
	out "A fresh dockaudit instance (its own journal). $RSS_CONNS connections held by \`build/bench/conns\`, each having completed one \`GET /_ping\` (keep-alive, idle). HAProxy is the instance used above. Goals: dockaudit <= 8 MiB idle, <= 32 MiB with 1,000 connections."
	out ""
	out "| state | dockaudit | haproxy | goal (dockaudit) |"
	out "|---|---:|---:|---|"
	out "| idle (started, one ping) | $(mib "$DA_RSS_BEFORE") | $(mib "$HA_RSS_BEFORE") | <= 8: $([ "$DA_RSS_BEFORE" -le 8192 ] && echo met || echo 'NOT met') |"
	out "| $RSS_CONNS open connections | $(mib "$DA_RSS_CONNS")$([ $DA_HOLD_OK = 1 ] || echo ' (FAILED to open all)') | $(mib "$HA_RSS_CONNS")$([ $HA_HOLD_OK = 1 ] || echo ' (FAILED to open all)') | <= 32: $([ $DA_HOLD_OK = 1 ] && [ "$DA_RSS_CONNS" -le 32768 ] && echo met || echo 'NOT met') |"
	out "| after closing them | $(mib "$DA_RSS_CLOSED") | $(mib "$HA_RSS_CLOSED") | |"
	out "| then after 20,000 short connections (GET /_ping each) | $(mib "$DA_RSS_CHURN") | | |"
	out "| then after 20,000 keep-alive GET /_ping | $(mib "$DA_RSS_KA1") | | |"
	out "| then after 20,000 more | $(mib "$DA_RSS_KA2") | | <= 8 idle: $([ "$DA_RSS_KA2" -le 8192 ] && echo met || echo 'NOT met') |"
	out "| peak (VmHWM) | $(mib "$DA_HWM") | $(mib "$HA_HWM") | |"
	out ""
	out "dockaudit: ${DA_THREADS_CONNS:-?} threads; open fds with $RSS_CONNS connections: $DA_FDS_CONNS (client + dockerd side), after closing them: $DA_FDS_CLOSED, after the short connections: $DA_FDS_CHURN. Per-connection cost: $(awk -v a="$DA_RSS_CONNS" -v b="$DA_RSS_BEFORE" -v n="$RSS_CONNS" 'BEGIN {printf "%.1f", (a - b) / n}') KiB (dockaudit), $(awk -v a="$HA_RSS_CONNS" -v b="$HA_RSS_BEFORE" -v n="$RSS_CONNS" 'BEGIN {printf "%.1f", (a - b) / n}') KiB (haproxy)."
	out ""
	if [ -n "$MEM_FAIL" ]; then
		out "FAILED calls during the growth runs:$MEM_FAIL"
		out ""
	fi
	out "The main dockaudit instance (used for sections 1 and 3): $(mib "$DA_RSS_IDLE") MiB just started$([ -n "${DA_RSS_AFTER_LAT:-}" ] && echo ", $(mib "$DA_RSS_AFTER_LAT") MiB after the latency runs")."
fi

# ---- 3. streaming ----
if ! skip stream; then
	log "streaming: building a ${IMAGE_MIB} MiB image"
	DA_HWM_BEFORE_STREAM=$(hwm_kb "$DA_PID")
	mkdir -p "$T/big/bin"
	cp /bin/busybox "$T/big/bin/busybox"
	ln -s busybox "$T/big/bin/sh"
	head -c $((IMAGE_MIB * 1048576)) /dev/urandom >"$T/big/payload"
	tar -C "$T/big" -cf "$T/big-rootfs.tar" .
	rm -rf "$T/big"
	docker -H "unix://$DIRECT" import "$T/big-rootfs.tar" bench-big:latest >/dev/null
	rm -f "$T/big-rootfs.tar"
	docker -H "unix://$DIRECT" save bench-big:latest -o "$T/big.tar"
	BIG_BYTES=$(stat -c %s "$T/big.tar")
	declare -A BEST SFAIL
	# time_ms CMD...: wall milliseconds
	time_ms() {
		local s e
		s=$(now_ns)
		"$@"
		e=$(now_ns)
		echo $(((e - s) / 1000000))
	}
	do_save() { timeout 300 docker -H "unix://$1" save bench-big:latest >/dev/null; }
	do_load() { timeout 300 docker -H "unix://$1" load -q -i "$T/big.tar" >/dev/null; }
	for op in save load; do
		for round in 1 2 3; do
			for tgt in direct haproxy dockaudit; do
				case $tgt in direct) s=$DIRECT ;; haproxy) s=$HAP ;; dockaudit) s=$DAS ;; esac
				log "streaming: $op via $tgt, round $round"
				k="$op|$tgt"
				if ! ms=$(time_ms "do_$op" "$s" 2>>"$T/stream.err"); then
					log "docker $op via $tgt FAILED"
					SFAIL[$k]=1
					continue
				fi
				if [ -z "${BEST[$k]:-}" ] || [ "$ms" -lt "${BEST[$k]}" ]; then BEST[$k]=$ms; fi
			done
		done
	done
	out ""
	out "## 3. Streaming: docker save / docker load of a $(mib $((BIG_BYTES / 1024))) MiB image (best of 3, MiB/s)"
	out ""
	out "\`docker -H unix://SOCK save bench-big > /dev/null\` and \`docker -H unix://SOCK load -q -i big.tar\` (the tar is $BIG_BYTES bytes: ${IMAGE_MIB} MiB of /dev/urandom plus busybox, one layer; vfs storage, so load also writes the layer). Runs interleaved direct, haproxy, dockaudit, three rounds; wall time includes the CLI's start-up. Goal: dockaudit >= 0.95x direct."
	out ""
	out "| operation | direct MiB/s | haproxy MiB/s | dockaudit MiB/s | dockaudit/direct | haproxy/direct | goal |"
	out "|---|---:|---:|---:|---:|---:|---|"
	for op in save load; do
		if [ -z "${BEST[$op|direct]:-}" ] || [ -z "${BEST[$op|haproxy]:-}" ] ||
		    [ -z "${BEST[$op|dockaudit]:-}" ]; then
			out "| docker $op | ${BEST[$op|direct]:-FAILED} ms | ${BEST[$op|haproxy]:-FAILED} ms | ${BEST[$op|dockaudit]:-FAILED} ms | | | NOT met |"
			continue
		fi
		out "$(awk -v op="docker $op" -v b="$BIG_BYTES" -v d="${BEST[$op|direct]}" \
		    -v h="${BEST[$op|haproxy]}" -v a="${BEST[$op|dockaudit]}" 'BEGIN {
			m = b / 1048576; td = m / (d / 1000); th = m / (h / 1000); ta = m / (a / 1000)
			printf "| %s | %.0f (%.2f s) | %.0f (%.2f s) | %.0f (%.2f s) | %.2fx | %.2fx | %s |",
			    op, td, d / 1000, th, h / 1000, ta, a / 1000, ta / td, th / td,
			    (ta / td >= 0.95 ? "met" : "NOT met") }')"
	done
	for k in "${!SFAIL[@]}"; do out "- failed at least once: docker ${k%|*} via ${k#*|} (see below)"; done
	if [ -s "$T/stream.err" ]; then
		out '```'
		while IFS= read -r l; do out "$l"; done < <(tail -n 10 "$T/stream.err")
		out '```'
	fi
	sleep 1
	out ""
	out "dockaudit memory over the streaming runs (main instance): VmHWM $(mib "$DA_HWM_BEFORE_STREAM") MiB before, $(mib "$(hwm_kb "$DA_PID")") MiB after (peak while streaming); VmRSS afterwards $(mib "$(rss_kb "$DA_PID")") MiB. HAProxy VmHWM: $(mib "$(hwm_kb "$HA_PID")") MiB."
fi

# ---- 4. journal append, search ----
if ! skip journal; then
	out ""
	out "## 4. Journal append rate"
	out ""
	if [ -f bench/journal_append.c ]; then
		# the build line bench/journal_append.c documents
		# shellcheck disable=SC2046
		if gcc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -o "$OUT/journal_append" \
		    bench/journal_append.c src/journal/[a-z]*.c src/json/[a-z]*.c \
		    src/base/[a-z]*.c -lcrypto -lzstd -lpthread 2>"$T/ja.err"; then
			mkdir -p "$T/ja"
			log "journal append ($JOURNAL_N records)"
			out "\`build/bench/journal_append -n $JOURNAL_N -d DIR -b $DA_ORIG\` (journal on the same file system as above):"
			out ""
			if "$OUT/journal_append" -n "$JOURNAL_N" -d "$T/ja" -b "$DA_ORIG" >"$T/ja.out" 2>&1; then
				out '```'
				while IFS= read -r l; do out "$l"; done <"$T/ja.out"
				out '```'
			else
				out "bench/journal_append failed:"
				out '```'
				while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/ja.out")
				out '```'
			fi
		else
			out "bench/journal_append.c did not build (skipped):"
			out '```'
			while IFS= read -r l; do out "$l"; done < <(head -n 20 "$T/ja.err")
			out '```'
		fi
	else
		out "bench/journal_append.c does not exist yet: skipped."
	fi
fi
if ! skip search; then
	out ""
	out "## 5. Search ($SEARCH_N records, bench/search.sh)"
	out ""
	if [ -f bench/search.sh ]; then
		log "search ($SEARCH_N records)"
		if bash bench/search.sh "$SEARCH_N" >"$T/search.out" 2>&1; then
			out '```'
			while IFS= read -r l; do out "$l"; done <"$T/search.out"
			out '```'
		else
			out "bench/search.sh failed:"
			out '```'
			while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/search.out")
			out '```'
		fi
	else
		out "bench/search.sh does not exist yet: skipped."
	fi
fi

if ! skip jops; then
	out ""
	out "## 6. Compressed segments ($JOPS_N records, bench/journal_ops.sh)"
	out ""
	log "compressed segments ($JOPS_N records)"
	if bash bench/journal_ops.sh "$JOPS_N" >"$T/jops.out" 2>&1; then
		while IFS= read -r l; do out "$l"; done < <(grep -v '^gen_journal' "$T/jops.out")
	else
		out "bench/journal_ops.sh failed:"
		out '```'
		while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/jops.out")
		out '```'
	fi
fi

if ! skip seal; then
	out ""
	out "## 7. Seals: verify --key vs sha256sum, appends with seals on vs off (bench/seal.sh)"
	out ""
	log "seals ($SEAL_N records)"
	out "\`bash bench/seal.sh $SEAL_N\` (BENCH_SEAL_APPEND_N=$SEAL_APPEND_N):"
	out ""
	if BENCH_SEAL_APPEND_N=$SEAL_APPEND_N bash bench/seal.sh "$SEAL_N" >"$T/seal.out" 2>&1; then
		while IFS= read -r l; do out "$l"; done <"$T/seal.out"
	else
		out "bench/seal.sh failed:"
		out '```'
		while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/seal.out")
		out '```'
	fi
fi

# ---- 8. AuthZ plugin ----
if ! skip authz; then
	out ""
	out "## 8. AuthZ plugin: CLI loops with vs without it, its answer time (bench/authz.sh)"
	out ""
	log "authz: bench/authz.sh"
	if [ "$QUICK" = 1 ]; then
		export BENCH_AUTHZ_N=${BENCH_AUTHZ_N:-10} BENCH_AUTHZ_CREATE_N=${BENCH_AUTHZ_CREATE_N:-5} BENCH_AUTHZ_RT=${BENCH_AUTHZ_RT:-1000} BENCH_AUTHZ_LAT_N=${BENCH_AUTHZ_LAT_N:-200}
	fi
	if DOCKAUDIT=$DA bash bench/authz.sh >"$T/authz.out" 2>"$T/authz.err"; then
		while IFS= read -r l; do out "$l"; done <"$T/authz.out"
	else
		out "bench/authz.sh failed:"
		out '```'
		while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/authz.err")
		out '```'
	fi
fi

# ---- dockaudit health after the run ----
out ""
if kill -0 "$DA_PID" 2>/dev/null; then
	out "dockaudit was still running at the end; its log has $(wc -l <"$T/dockaudit.log") lines ($(grep -ci -e warn -e error "$T/dockaudit.log" || true) warnings/errors)."
else
	out "dockaudit DIED during the run; last log lines:"
	out '```'
	while IFS= read -r l; do out "$l"; done < <(tail -n 20 "$T/dockaudit.log")
	out '```'
fi
out "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."

if [ "$RESULTS" != - ]; then
	cp "$REPORT" "$RESULTS"
	log "wrote $RESULTS"
fi
