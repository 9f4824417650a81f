#!/bin/sh
# Run the conformance suite with a deliberately broken build of the model and
# require that it fails, naming each clause listed in the variant's .expect
# file (a line "ERROR" requires at least one ERROR verdict: a hang or crash).
# usage: check-variant.sh VIRTIOCHECK EXPECT_FILE CASES_DIR REPORT_DIR
set -u
bin=$1 expect=$2 cases=$3 out=$4
rm -rf "$out"
"$bin" run --timeout 3 --report-dir "$out" "$cases" >"$out.log" 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then
	echo "variant: expected exit status 1 (failures), got $rc"
	tail -n 20 "$out.log"
	exit 1
fi
missing=0
while IFS= read -r want || [ -n "$want" ]; do
	case "$want" in
	''|'#'*) continue ;;
	ERROR)
		if grep -q 'type="ERROR"' "$out/junit.xml"; then
			echo "caught: an ERROR verdict (crash or hang)"
		else
			echo "MISSED: no ERROR verdict"; missing=1
		fi ;;
	*)
		if grep -qF "message=\"[$want]" "$out/junit.xml"; then
			echo "caught: $want"
		else
			echo "MISSED: no FAIL or ERROR citing $want"; missing=1
		fi ;;
	esac
done <"$expect"
exit $missing
