#!/bin/sh
# Runs every unit-test binary given as arguments; prints a total line.
passed=0; failed=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v ' passed, ' 
	line=$(printf '%s\n' "$out" | grep ' passed, ' | tail -1)
	p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; echo "$t: crashed (rc=$rc)"; }
	echo "$(basename "$t"): $p passed, $f failed"
	passed=$((passed + p)); failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
