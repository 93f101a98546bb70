#!/usr/bin/env bash
# seal.sh -- the cost of forward-secure seals (issue 4), in one table each:
#   1. `dockaudit verify --key k0` (every seal's MAC checked) and chain-only
#      `dockaudit verify` against `sha256sum` over the same bytes, on a
#      generated journal (bench/gen_journal.c: the real writer and record
#      renderer) with a seal every 1,000 records; best of 3, warm page
#      cache, so the comparison is of CPU cost.  Goal: verify --key <= 1.3x
#      sha256sum's time.
#   2. durable appends with seals off and on, 1 and 4 threads
#      (bench/journal_append.c -S).  Goal: >= 100,000 records/s with seals.
#
#   bench/seal.sh [N]            N records for the verify journal (1000000,
#                                about 1.1 GB; BENCH_SEAL_N too)
#   BENCH_SEAL_APPEND_N=M        records per append run (1000000)
#   BENCH_DIR=/path              keep / reuse the journal there
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-${BENCH_SEAL_N:-1000000}}
AN=${BENCH_SEAL_APPEND_N:-1000000}
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dockaudit-bench-seal.XXXXXX")}
mkdir -p "$work"
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
CC=${CC:-cc}
CFLAGS="-std=gnu11 -O2 -g -D_GNU_SOURCE -Isrc $(pkg-config --cflags openssl)"
LIBS="$(pkg-config --libs openssl) -lpthread"
CORE="src/journal/*.c src/json/*.c src/base/*.c"

make -s build/dockaudit >/dev/null
bin=build/dockaudit
# shellcheck disable=SC2086
$CC $CFLAGS -o "$work/gen_journal" bench/gen_journal.c src/event/record.c $CORE $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$work/journal_append" bench/journal_append.c $CORE $LIBS

j=$work/journal
if [ ! -d "$j" ]; then
	start=$(date +%s.%N)
	"$work/gen_journal" "$j" "$N" 1 "$work/k0" 2>/dev/null
	end=$(date +%s.%N)
	echo "generated $N records in $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s"
fi
bytes=$(cat "$j"/*.jsonl | wc -c)
echo "journal: $(awk -v b="$bytes" 'BEGIN{printf "%.2f GiB", b/1073741824}') ($bytes bytes), $(ls "$j"/*.jsonl | wc -l) segments, $(cat "$j"/*.jsonl | wc -l) lines, $(grep -c '"kind":"seal"' "$j"/*.jsonl | awk -F: '{n+=$NF} END{print n}') seals"
cat "$j"/*.jsonl >/dev/null	# warm the page cache

best() {	# best of 3 wall-clock seconds of "$@" (must exit 0)
	local b="" s e t
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
		e=$(date +%s.%N)
		t=$(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", b-a}')
		if [ -z "$b" ] || awk -v x="$t" -v y="$b" 'BEGIN{exit !(x<y)}'; then b=$t; fi
	done
	echo "$b"
}
"$bin" verify --journal "$j" --key "$work/k0" --strict
tsha=$(best sha256sum "$j"/*.jsonl)
tkey=$(best "$bin" verify --journal "$j" --key "$work/k0" --strict)
tchain=$(best "$bin" verify --journal "$j")
echo
echo "| reader | best of 3 (s) | MB/s | time / sha256sum | goal |"
echo "|---|---:|---:|---:|---|"
row() {
	awk -v l="$1" -v t="$2" -v s="$tsha" -v b="$bytes" -v g="$3" 'BEGIN {
		r = t / s
		goal = g == "" ? "" : (r <= g ? "<= " g "x: met" : "<= " g "x: NOT met")
		printf "| %s | %.2f | %.0f | %.2fx | %s |\n", l, t, b / t / 1e6, r, goal }'
}
row "sha256sum (baseline)" "$tsha" ""
row "dockaudit verify --key k0 --strict" "$tkey" 1.3
row "dockaudit verify (chain only)" "$tchain" ""
echo
echo "appends, $AN records per run, fdatasync group commit (journal in ${TMPDIR:-/tmp}):"
echo
mkdir -p "$work/append"
"$work/journal_append" -S -n "$AN" -d "$work/append" 2> >(grep -v "no seal.key" >&2)
