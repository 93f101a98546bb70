#!/usr/bin/env bash
# search.sh -- time `dockaudit search` against `grep -c` of the same literal
# on a generated journal (bench/gen_journal.c: the real writer and record
# renderer).  Prints one row per query: best of 3 wall-clock runs each,
# warm page cache, output to /dev/null (out_lines: a separate run's
# output, through wc -l).
#
#   bench/search.sh [N]        N records (default 1000000)
#   BENCH_DIR=/path bench/search.sh   keep / reuse the journal there
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dockaudit-bench-search.XXXXXX")}
mkdir -p "$work"
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
CC=${CC:-cc}
CFLAGS="-std=gnu11 -O2 -g -D_GNU_SOURCE -Isrc $(pkg-config --cflags openssl libzstd)"
LIBS="$(pkg-config --libs openssl libzstd) -lpthread"
CORE="src/journal/*.c src/json/*.c src/base/*.c"

# The search binary: dockaudit itself when the tree links, else a driver
# around the same cli_search()/cli_tail() code.
if make -s build/dockaudit >/dev/null 2>&1; then
	bin=(build/dockaudit)
else
	cat >"$work/search_main.c" <<'EOF'
#include <string.h>
#include "cli/cli.h"
int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "tail") == 0)
		return cli_tail(argc - 1, argv + 1);
	return cli_search(argc - 1, argv + 1);
}
EOF
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$work/dockaudit-search" "$work/search_main.c" \
	    src/cli/search.c src/cli/filter.c src/cli/table.c src/cli/tail.c \
	    $CORE $LIBS
	bin=("$work/dockaudit-search")
	echo "(tree does not link yet: using a driver around cli_search)"
fi

j="$work/journal"
if [ ! -d "$j" ]; then
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$work/gen_journal" bench/gen_journal.c \
	    src/event/record.c $CORE $LIBS
	start=$(date +%s.%N)
	"$work/gen_journal" "$j" "$N"
	end=$(date +%s.%N)
	echo "generated in $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s"
fi
echo "journal: $(du -sh "$j" | cut -f1), $(ls "$j"/*.jsonl | wc -l) segments, $(cat "$j"/*.jsonl | wc -l) records"
cat "$j"/*.jsonl >/dev/null	# warm the page cache

best() {	# best of 3 wall-clock seconds of "$@", output discarded
	local b="" s e t
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null || [ $? -eq 1 ]	# grep -c: 1 = no match
		e=$(date +%s.%N)
		t=$(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", b-a}')
		if [ -z "$b" ] || awk -v x="$t" -v y="$b" 'BEGIN{exit !(x<y)}'; then b=$t; fi
	done
	echo "$b"
}

grepc() { { LC_ALL=C grep -c -F -e "$1" "$j"/*.jsonl || true; } | awk -F: '{n+=$NF} END{print n+0}'; }

printf '%-44s %8s %8s %6s %9s %9s\n' query search_s grep_s ratio out_lines grep_hits
row() {	# label, grep literal, search args...
	local label=$1 lit=$2; shift 2
	local ts tg lines hits
	ts=$(best "${bin[@]}" search --journal "$j" "$@")
	lines=$("${bin[@]}" search --journal "$j" "$@" | wc -l)
	tg=$(best grepc "$lit")
	hits=$(grepc "$lit")
	printf '%-44s %8s %8s %6s %9s %9s\n' "$label" "$ts" "$tg" \
	    "$(awk -v a="$ts" -v b="$tg" 'BEGIN{printf "%.2f", a/b}')" "$lines" "$hits"
}

row "--user alice"                         '"alice"'            --user alice
row "--action container.create"            '"container.create"' --action container.create
row "--user alice --action container.delete" '"container.delete"' --user alice --action container.delete
row "--container app-7 (name)"             'app-7'              --container app-7
row "--user heidi --outcome failure"       '"heidi"'            --user heidi --outcome failure
row "--user alice --format table"          '"alice"'            --user alice --format table
row "--count --action exec.start"          '"exec.start"'       --count --action exec.start
row "--since 2026-11-28T13:00:00Z (last 6%)" '"time":"2026-11-28T13:' --since 2026-11-28T13:00:00Z
row "--action 'container.*' (68% match)"   '"container.'        --action 'container.*'
row "--outcome denied (two passes)"         '"denied"'           --outcome denied
row "--outcome success (88% of calls)"      '"success"'          --outcome success
row "no filter (every record)"             '"v":1'
