#!/bin/sh
# A listed known deviation turns FAIL into XFAIL (exit 0, reason in the
# reports); without the list the same run fails (exit 1).
# usage: check-xfail.sh VIRTIOCHECK CATALOGUE DIR OUT
set -u
bin=$1 cat=$2 dir=$3 out=$4
"$bin" run --catalogue "$cat" --report-dir "$out/plain" "$dir/failing-case.yaml" >/dev/null
[ $? -eq 1 ] || { echo "without the list the run must fail"; exit 1; }
"$bin" run --catalogue "$cat" --report-dir "$out/xfail" --known-deviations "$dir/deviations.yaml" \
	"$dir/failing-case.yaml" >/dev/null || { echo "with the list the run must pass"; exit 1; }
grep -q '"verdict": "XFAIL"' "$out/xfail/virtiocheck.json" &&
	grep -q '"known_deviation": "listed on purpose by the test"' "$out/xfail/virtiocheck.json" &&
	grep -q 'known deviation: listed on purpose' "$out/xfail/junit.xml" ||
	{ echo "XFAIL or its reason missing from the reports"; exit 1; }
echo "known deviation reported as XFAIL with its reason"
