#!/usr/bin/env bash
# bench/events.sh -- CPU cost of recording a burst of dockerd events.
#
# Starts a private dockerd, `dockaudit run --events` (events only, its own
# journal) and, as the baseline, the docker CLI consuming the same stream
# (`docker events --format '{{json .}}'`), then makes BENCH_EVENTS_N events
# (volume create + remove pairs through curl) and prints the CPU time
# (user + system, from /proc/PID/stat) each consumer spent during the
# burst, per event, and dockaudit's as a ratio to the CLI's.  dockerd's own
# CPU for the burst is shown for scale.  Stops everything it started, by
# pid.  Needs build/dockaudit (make), dockerd, docker, curl.
#
#   BENCH_EVENTS_N=N   events in the burst (2000; a multiple of 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DA=${DOCKAUDIT:-$ROOT/build/dockaudit}
N=${BENCH_EVENTS_N:-2000}
[ -x "$DA" ] || { echo "bench/events: $DA not found: run make" >&2; exit 1; }
W=$(mktemp -d /tmp/da-bench-events.XXXXXX)
. "$ROOT/scripts/docker-env.sh"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do de_stop_pid "$p" 5; done
	de_cleanup
	rm -rf "$W"
}
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
count_lines() { wc -l <"$1"; }

de_start_dockerd "$W/d" >/dev/null
"$DA" init --journal "$W/j" >/dev/null 2>&1
setsid "$DA" run --events --backend "unix://$DE_SOCK" --journal "$W/j" >"$W/da.log" 2>&1 </dev/null &
PIDS+=($!)
DAPID=$!
docker -H "unix://$DE_SOCK" events --format '{{json .}}' >"$W/cli.out" 2>&1 &
PIDS+=($!)
CLIPID=$!
sleep 1
for ((i = 0; i < 50; i++)); do	# warm-up
	curl -s --unix-socket "$DE_SOCK" -X POST -H 'Content-Type: application/json' \
		-d "{\"Name\":\"warm$i\"}" http://d/volumes/create >/dev/null
	curl -s --unix-socket "$DE_SOCK" -X DELETE "http://d/volumes/warm$i" >/dev/null
done
sleep 1
cli0=$(count_lines "$W/cli.out")
# shellcheck disable=SC2034 # read by name in $(( )) below
da0=$(cpu_ticks "$DAPID") c0=$(cpu_ticks "$CLIPID") d0=$(cpu_ticks "$DE_PID")
t0=$(date +%s%N)
for ((i = 0; i < N / 2; i++)); do
	curl -s --unix-socket "$DE_SOCK" -X POST -H 'Content-Type: application/json' \
		-d "{\"Name\":\"b$i\"}" http://d/volumes/create >/dev/null
	curl -s --unix-socket "$DE_SOCK" -X DELETE "http://d/volumes/b$i" >/dev/null
done
# wait until both consumers have everything
for ((i = 0; i < 100; i++)); do
	[ $(($(count_lines "$W/cli.out") - cli0)) -ge "$N" ] && break
	sleep 0.1
done
sleep 1
t1=$(date +%s%N)
# shellcheck disable=SC2034
da1=$(cpu_ticks "$DAPID") c1=$(cpu_ticks "$CLIPID") d1=$(cpu_ticks "$DE_PID")
hz=$(getconf CLK_TCK)
de_stop_pid "$DAPID" 10
got=$("$DA" search --journal "$W/j" 2>/dev/null | grep -c '"kind":"daemon".*"action":"volume\.\(create\|destroy\)".*"name":"b[0-9]*"' || true)
ms() { echo $(( ($1) * 1000 / hz )); }
da_ms=$(ms "da1 - da0") c_ms=$(ms "c1 - c0") d_ms=$(ms "d1 - d0")
printf '\nCPU time for a burst of %d dockerd events (%d ms wall, CLK_TCK %d: 10 ms resolution)\n\n' \
	"$N" $(( (t1 - t0) / 1000000 )) "$hz"
printf '| consumer | events recorded | CPU ms | CPU us/event | vs docker CLI |\n|---|---|---|---|---|\n'
printf '| docker events (CLI, baseline) | %d | %d | %s | 1.00 |\n' "$(($(count_lines "$W/cli.out") - cli0))" \
	"$c_ms" "$(awk -v m="$c_ms" -v n="$N" 'BEGIN { printf "%.1f", m * 1000 / n }')"
printf '| dockaudit --events (journal, fsync) | %d | %d | %s | %s |\n' "$got" "$da_ms" \
	"$(awk -v m="$da_ms" -v n="$N" 'BEGIN { printf "%.1f", m * 1000 / n }')" \
	"$(awk -v a="$da_ms" -v b="$c_ms" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
printf '| (dockerd itself, serving the calls) | - | %d | %s | - |\n' "$d_ms" \
	"$(awk -v m="$d_ms" -v n="$N" 'BEGIN { printf "%.1f", m * 1000 / n }')"
