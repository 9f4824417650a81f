#!/bin/sh
# `virtiocheck serve --report-dir` writes the runner's three formats for the
# driver monitor: serve.json, junit.xml (a testsuite per front-end, a
# testcase per monitored clause) and serve.html. Two front-ends against one
# serve process: a clean driver (bad_frontend rng-io) and one that accepts a
# feature the device did not offer (features-beyond-offer). The reports
# must show the first clean and the second failing the Feature Bits clause
# with the monitor's message.
# usage: serve-reports.sh VIRTIOCHECK BAD_FRONTEND WORKDIR
set -u
vc=$1 bad=$2 w=$3
fail=0
no() { echo "FAIL: $*"; fail=1; }
rm -rf "$w" && mkdir -p "$w" || exit 1
"$vc" serve --device rng --socket "$w/s.sock" --connections 2 --report-dir "$w" \
	>"$w/serve.log" 2>&1 &
pid=$!
for m in rng-io features-beyond-offer; do
	"$bad" "$w/s.sock" $m || no "bad_frontend $m did not run"
done
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $pid 2>/dev/null && { no "serve still runs"; kill $pid; }
wait $pid
rc=$?
[ $rc -eq 1 ] || no "serve exit status $rc, expected 1 (a driver violation)"
for f in serve.json junit.xml serve.html; do
	[ -s "$w/$f" ] || no "$f missing"
	ls "$w" | grep -q "^\.*$f\..*tmp" && no "a temporary of $f was left behind"
done
feat='drivernormative:Basic Facilities of a Virtio Device / Feature Bits'
msg='driver accepted unoffered features'
# junit.xml: the suite of front-end N
suite() { sed -n "/<testsuite name=\"serve.rng.frontend-$1\"/,/<\/testsuite>/p" "$w/junit.xml"; }
grep -q '<testsuites name="virtiocheck serve rng" tests="[0-9]*" failures="1" errors="0"' \
	"$w/junit.xml" || no "junit.xml: the totals are not one failure, no error"
suite 0 | grep -q 'tests="15" failures="0" errors="0"' || no "junit.xml: front-end 0 not clean"
suite 0 | grep -q '<failure' && no "junit.xml: front-end 0 has a failure"
suite 0 | grep -q "name=\"$feat\"></testcase>" || no "junit.xml: front-end 0 lacks a passing $feat"
suite 1 | grep -q 'failures="1" errors="0"' || no "junit.xml: front-end 1 not one failure"
suite 1 | grep -A1 "name=\"$feat\">" | grep -q "<failure message=\"$msg 0x[0-9a-f]*\" type=\"driver-violation\"" ||
	no "junit.xml: front-end 1's $feat testcase does not fail with the finding"
[ "$(suite 1 | grep -c '<failure')" -eq 1 ] || no "junit.xml: front-end 1 fails more than one clause"
# serve.json: the finding with its clause; the clean session without
grep -q "{\"clause\": \"$feat\", \"severity\": \"recorded\", \"queue\": -1, \"message\": \"$msg" \
	"$w/serve.json" || no "serve.json lacks the finding"
[ "$(grep -c '"clause"' "$w/serve.json")" -eq 1 ] || no "serve.json: not exactly one finding"
# serve.html: one passing and one failing front-end, the finding shown
grep -q '<details class="session pass"><summary><b>pass</b> front-end 0' "$w/serve.html" ||
	no "serve.html: front-end 0 not shown passing"
grep -q '<details class="session fail" open><summary><b>fail</b> front-end 1' "$w/serve.html" ||
	no "serve.html: front-end 1 not shown failing"
grep -q "<tr class=\"fail\"><td>$feat</td><td>fail</td><td><div>queue -1: $msg" "$w/serve.html" ||
	no "serve.html: the finding is not in front-end 1's table"
[ $fail -eq 0 ] && echo "serve reports: a clean and a failing front-end in serve.json, junit.xml and serve.html"
exit $fail
