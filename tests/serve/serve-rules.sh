#!/bin/sh
# The driver monitor's rules that need the vhost-user protocol to see
# them, each from a bad_frontend driver mode against `virtiocheck serve
# --device rng`, judged from the reports:
#   kick-before-driver-ok  a kick while SET_STATUS lacks DRIVER_OK: a finding
#                          of drivernormative: Device Initialization (3.1.1)
#   features-beyond-offer  an unoffered feature accepted: a finding of
#                          drivernormative: Feature Bits (2.2.1)
#   resume                 SET_VRING_BASE where GET_VRING_BASE stopped the
#                          ring: resumed there, no finding
#   resume-elsewhere       SET_VRING_BASE anywhere else: a protocol error
#                          naming where the ring stopped
#   needs-reset            --hostile needs-reset: DEVICE_NEEDS_RESET in
#                          GET_STATUS, a configuration change message on the
#                          back-end channel, no completion after it
# usage: serve-rules.sh VIRTIOCHECK BAD_FRONTEND WORKDIR
set -u
vc=$1 bad=$2 w=$3
fail=0
no() { echo "FAIL: $*"; fail=1; }
rm -rf "$w" && mkdir -p "$w/rules" "$w/reset" || exit 1

# serve DIR N ARGS...: one serve process for N front-ends, in the background
serve() {
	d=$1 n=$2
	shift 2
	"$vc" serve --device rng --socket "$d/s.sock" --connections "$n" --report-dir "$d" "$@" \
		>"$d/serve.log" 2>&1 &
	pid=$!
}
# finish EXPECTED-STATUS: wait for the serve process
finish() {
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 $pid 2>/dev/null && { no "serve still runs"; kill $pid; }
	wait $pid
	rc=$?
	[ $rc -eq "$1" ] || no "serve exit status $rc, expected $1"
}
suite() { sed -n "/<testsuite name=\"serve.rng.frontend-$1\"/,/<\/testsuite>/p" "$w/rules/junit.xml"; }
# fails N CLAUSE MESSAGE: front-end N fails exactly CLAUSE, with MESSAGE
fails() {
	[ "$(suite "$1" | grep -c '<failure')" -eq 1 ] || no "front-end $1: not exactly one failing clause"
	suite "$1" | grep -A1 "name=\"$2\">" | grep -q "<failure message=\"$3" ||
		no "front-end $1: no failure of [$2] with '$3'"
}

serve "$w/rules" 4
for m in kick-before-driver-ok features-beyond-offer resume resume-elsewhere; do
	"$bad" "$w/rules/s.sock" $m || no "bad_frontend $m: the device did not behave as expected"
done
finish 1
fails 0 'drivernormative:General Initialization And Device Operation / Device Initialization' \
	'queue 0 notified while the driver&#39;s status (SET_STATUS) is 0x0b, without DRIVER_OK'
fails 1 'drivernormative:Basic Facilities of a Virtio Device / Feature Bits' \
	'driver accepted unoffered features'
suite 2 | grep -q 'failures="0" errors="0"' || no "front-end 2 (resume): not clean"
suite 2 | grep -q ' 1 device start(s), 1 resume(s)' ||
	no "front-end 2 (resume): the ring did not resume once"
suite 3 | grep -q 'failures="0" errors="1"' || no "front-end 3 (resume-elsewhere): no protocol error"
suite 3 | grep -q '<error message="SET_VRING_BASE 0x5 for queue 0, which stopped at 0x2: a ring resumes only where it stopped"' ||
	no "front-end 3 (resume-elsewhere): the refusal does not say where the ring stopped"

serve "$w/reset" 1 --hostile needs-reset --hostile-after 2
"$bad" "$w/reset/s.sock" needs-reset || no "bad_frontend needs-reset: the device did not behave as expected"
finish 0
grep -q '"config_notifications": 1,' "$w/reset/serve.json" || no "needs-reset: not one configuration change notification"
grep -q '"hostile": "DEVICE_NEEDS_RESET after 2 used buffers (queue 0), then no completion; config change notification sent"' \
	"$w/reset/serve.json" || no "needs-reset: the deviation is not recorded"
[ $fail -eq 0 ] && echo "serve monitor rules: DRIVER_OK, Feature Bits, resume, resume elsewhere, needs-reset"
exit $fail
