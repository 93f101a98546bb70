#!/usr/bin/env bash
# journal_ops.sh -- compressed segments: compression ratio on realistic
# records and `dockaudit verify` throughput over .jsonl.zst segments,
# side by side with the baselines that read the same bytes.
#
#   bench/journal_ops.sh [N]      N records (default 300000) from bench/gen_journal.c
#   BENCH_DIR=/path               keep / reuse the work directory there
#
# Rows (best of 3, warm page cache):
#   sha256sum of the plain segments        baseline for plain verify
#   dockaudit verify, plain segments       ratio to sha256sum
#   zstd -dc | sha256sum of .zst segments  baseline for compressed verify
#   dockaudit verify, compressed segments  ratio to zstd -dc | sha256sum
#   dockaudit verify --key, compressed     seals checked too
# and the compression itself (jrn__compress_segment, level 3, the daemon's
# code) with its ratio.  Segments of 8 MiB; the newest stays plain, as in
# the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-300000}
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dockaudit-bench-jops.XXXXXX")}
mkdir -p "$work"
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
CC=${CC:-cc}
CFLAGS="-std=gnu11 -O2 -g -D_GNU_SOURCE -Isrc $(pkg-config --cflags openssl libzstd)"
LIBS="$(pkg-config --libs openssl libzstd) -lpthread"
CORE="src/journal/*.c src/json/*.c src/base/*.c"
make -s build/dockaudit >/dev/null
DA=build/dockaudit
command -v zstd >/dev/null || { echo "journal_ops.sh: needs the zstd command (apt-get install zstd) for its baseline" >&2; exit 1; }

best3() { # best3 CMD...: best wall-clock seconds of 3 runs
	local best= t0 t1 d
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		d=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
	done
	printf '%.3f' "$best"
}

j=$work/journal
if [ ! -d "$j" ]; then
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$work/gen_journal" bench/gen_journal.c src/event/record.c $CORE $LIBS
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$work/compress_segments" bench/compress_segments.c $CORE $LIBS
	GEN_K0=$work/k0.key GEN_SEGMENT_BYTES=$((8 << 20)) "$work/gen_journal" "$j" "$N" >/dev/null
	# gen_journal seals with the key dockaudit init would make: keep k0
	cp -a "$j" "$work/plain"
fi
plain=$work/plain
segs=$(ls "$plain"/*.jsonl | wc -l)
bytes=$(cat "$plain"/*.jsonl | wc -c)
mib=$(echo "$bytes / 1048576" | bc -l)

t_sha=$(best3 sh -c "cat '$plain'/*.jsonl | sha256sum")
t_ver=$(best3 "$DA" verify --journal "$plain")
out=$("$work/compress_segments" "$j" 3)
zin=$(echo "$out" | sed 's/.*in=\([0-9]*\).*/\1/')
zout=$(echo "$out" | sed 's/.*out=\([0-9]*\).*/\1/')
zsec=$(echo "$out" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
t_zsha=$(best3 sh -c "{ zstd -qdc '$j'/*.jsonl.zst; cat '$j'/*.jsonl; } | sha256sum")
t_zver=$(best3 "$DA" verify --journal "$j")
"$DA" verify --journal "$j" >/dev/null 2>&1 || { echo "verify of the compressed journal failed" >&2; "$DA" verify --journal "$j" >&2; exit 1; }
keyarg=()
[ -f "$work/k0.key" ] && keyarg=(--key "$work/k0.key")
t_zkey=
if [ ${#keyarg[@]} -gt 0 ]; then t_zkey=$(best3 "$DA" verify --journal "$j" "${keyarg[@]}"); fi

rate() { echo "$mib / $1" | bc -l | xargs printf '%.0f'; }
echo "Journal: $N records, $segs segments, $(printf '%.1f' "$mib") MiB plain (bench/gen_journal.c)"
echo ""
echo "| what | seconds | MiB/s (of plain bytes) | ratio |"
echo "|---|---|---|---|"
printf '| sha256sum of the plain segments (baseline) | %s | %s | 1.00 |\n' "$t_sha" "$(rate "$t_sha")"
printf '| dockaudit verify, plain segments | %s | %s | %.2f x sha256sum time |\n' "$t_ver" "$(rate "$t_ver")" "$(echo "$t_ver / $t_sha" | bc -l)"
printf '| zstd -dc \\| sha256sum of the compressed journal (baseline) | %s | %s | 1.00 |\n' "$t_zsha" "$(rate "$t_zsha")"
printf '| dockaudit verify, compressed segments | %s | %s | %.2f x zstd -dc\\|sha256sum time |\n' "$t_zver" "$(rate "$t_zver")" "$(echo "$t_zver / $t_zsha" | bc -l)"
if [ -n "$t_zkey" ]; then
	printf '| dockaudit verify --key, compressed segments | %s | %s | %.2f x zstd -dc\\|sha256sum time |\n' "$t_zkey" "$(rate "$t_zkey")" "$(echo "$t_zkey / $t_zsha" | bc -l)"
fi
echo ""
printf 'Compression (jrn__compress_segment, zstd level 3, the daemon'"'"'s code): %s -> %s bytes in %ss (%.0f MiB/s), ratio %.2f:1 (%.1f%% of plain)\n' \
	"$zin" "$zout" "$zsec" "$(echo "$zin / 1048576 / $zsec" | bc -l)" "$(echo "$zin / $zout" | bc -l)" "$(echo "100 * $zout / $zin" | bc -l)"
