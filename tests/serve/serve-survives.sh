#!/bin/sh
# `virtiocheck serve` outlives misbehaving front-ends: one serve process
# takes a connection per mode of bad_frontend (cut headers and payloads,
# oversized or malformed messages, bad file descriptor sets), each must end
# with a protocol error naming the fault, and a well-formed front-end after
# them all is still answered.
# usage: serve-survives.sh VIRTIOCHECK BAD_FRONTEND WORKDIR
set -u
vc=$1 bad=$2 w=$3
modes="half-header huge-size mid-payload bad-flags unknown-request mem-table-no-fds
mem-table-overlap vring-index kick-without-fd config-overrun"
n=$(($(echo $modes | wc -w) + 1))
rm -rf "$w" && mkdir -p "$w" || exit 1
"$vc" serve --device blk --socket "$w/s.sock" --connections $n --report-dir "$w" \
	>"$w/serve.log" 2>&1 &
pid=$!
fail=0
for m in $modes hello; do
	if ! "$bad" "$w/s.sock" "$m"; then
		echo "FAIL: mode $m did not run"; fail=1
	fi
done
# serve exits after the last connection: 1, since protocol errors were seen
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $pid 2>/dev/null; then
	echo "FAIL: serve still runs after $n connections"; kill $pid; fail=1
fi
wait $pid
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: serve exit status $rc, expected 1"; fail=1; }
errs=$(grep -c '"protocol_error": true' "$w/serve.json")
[ "$errs" -eq $((n - 1)) ] || { echo "FAIL: $errs protocol errors recorded, expected $((n - 1))"; fail=1; }
tail -n 4 "$w/serve.json" | grep -q '"protocol_error": false' ||
	{ echo "FAIL: the last (well-formed) front-end was not served cleanly"; fail=1; }
grep 'front-end' "$w/serve.log"
[ $fail -eq 0 ] && echo "serve survived $((n - 1)) misbehaving front-ends and served the next"
exit $fail
