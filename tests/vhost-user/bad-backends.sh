#!/usr/bin/env bash
# bad-backends.sh VIRTIOCHECK BAD_BACKEND SRCDIR OUTDIR
#
# Runs tests/vhost-user/cases/vu-basic.yaml against bad_backend in each of its modes
# (spawned per point) and checks that the runner survives with the right
# verdict: exit status 1 (a point failed or erred, reported) -- never a
# crash of virtiocheck -- and the reason in the output. A back-end that
# hangs during the probe is a start-up error (exit status 2) with its
# reason.
set -u
VC=$1 BAD=$2 SRC=$3 OUT=$4
CASES=$SRC/tests/vhost-user/cases/vu-basic.yaml
TGT=vhost-user,device=blk,timeout_ms=300,settle_ms=100
mkdir -p "$OUT"
fails=0

# check MODE [REQ] WANT_RC TEXT
check() {
	local mode=$1 req=$2 want=$3 text=$4 log=$OUT/$1-$2.txt rc
	"$VC" run --jobs 2 --report-dir "$OUT/$mode-$req" --target "$TGT" \
		--spawn "$BAD $mode {sock} $req" "$CASES" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $mode (request $req): exit status $rc, expected $want"; sed 's/^/    /' "$log"
		fails=$((fails + 1))
	elif ! grep -qF -- "$text" "$log"; then
		echo "FAIL $mode (request $req): no '$text' in the output"; sed 's/^/    /' "$log"
		fails=$((fails + 1))
	else
		echo "ok   $mode (request $req): exit $rc, '$text'"
	fi
}

check ok            5 1 "left 1 buffers of queue 0 unused for 100 ms after the kick"
check crash         5 1 "the back-end process died: signal 11"
check hang          5 1 "did not reply to SET_MEM_TABLE within 300 ms"
check garbage       5 1 "garbage reply to SET_MEM_TABLE"
check close-mid     5 1 "closed the connection in the middle of its reply to SET_MEM_TABLE"
check wrong-size    5 1 "reply to SET_MEM_TABLE has 12 payload bytes, expected 8"
check no-fds        5 1 "the back-end refused SET_MEM_TABLE (NACK 0x1)"
check crash-on-kick 5 1 "after the kick of queue 0: the back-end closed the connection: the back-end process died: signal 11"
check drop-on-kick  5 1 "after the kick of queue 0: the back-end closed the connection"
# misbehaviour in the parent's probe: a clear start-up error
check hang          1 2 "probing the back-end: the back-end did not reply to GET_FEATURES within 300 ms"
check garbage      15 2 "probing the back-end: garbage reply to GET_PROTOCOL_FEATURES"

# the init case passes against a back-end that only misbehaves on a kick
if ! grep -q "^PASS  vu.bad.init\|1 passed" "$OUT/drop-on-kick-5.txt" &&
   ! grep -q '"id": "vu.bad.init".*"verdict": "PASS"' "$OUT/drop-on-kick-5/virtiocheck.json"; then
	echo "FAIL drop-on-kick: vu.bad.init did not pass"; fails=$((fails + 1))
fi
# no spawned back-end is left behind
if pgrep -f "$BAD [a-z]" >/dev/null; then
	echo "FAIL a bad_backend process is still running:"; pgrep -af "$BAD [a-z]"
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] && echo "all bad back-ends gave their verdicts" || exit 1
