#!/bin/sh
# Misbehaving device plugins (bad_plugin.c): the runner survives each one.
#   check-bad-plugins.sh VIRTIOCHECK PLUGIN_DIR SPEC_CASES LOAD_ERRORS_EXPECTED OUT_DIR
# Load-time faults: exit 2 and the exact one-line error of LOAD_ERRORS_EXPECTED
# ("KIND<TAB>message"). Run-time faults: the summary is printed (the runner
# lived), the exit status, and every point's verdict with its message.
set -u
vc=$1 dir=$2 cases=$3 golden=$4 out=$5
fails=0
mkdir -p "$out"
cd "$dir" || exit 1

bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- refused at load -------------------------------------------------------
tab=$(printf '\t')
while IFS="$tab" read -r kind want; do
	[ -z "$kind" ] && continue
	got=$("$vc" run --target "plugin:libvc-bad-$kind.so" --report-dir "$out/$kind" \
		"$cases/rng" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] || bad "$kind: exit status $rc, expected 2"
	[ "$got" = "$want" ] || bad "$kind: error
    got:      $got
    expected: $want"
done < "$golden"

# --- misbehaving at run time -----------------------------------------------
# run KIND FILTER EXIT VERDICT TEXT: every point of FILTER gets VERDICT and,
# unless TEXT is empty, a message containing TEXT.
run() {
	kind=$1 filter=$2 want_rc=$3 verdict=$4 text=$5
	before=$fails
	log=$out/$kind.log
	"$vc" run --target "plugin:libvc-bad-$kind.so" --timeout 2 --jobs 2 --verbose \
		--filter "$filter" --report-dir "$out/$kind" "$cases/rng" >"$log" 2>&1
	rc=$?
	[ "$rc" = "$want_rc" ] || bad "$kind: exit status $rc, expected $want_rc (log: $log)"
	grep -q 'case points in' "$log" || bad "$kind: the runner did not finish (log: $log)"
	points=$(grep -c '^[A-Z]* *rng\.' "$log")
	[ "$points" -gt 0 ] || bad "$kind: no points ran (log: $log)"
	others=$(grep '^[A-Z]* *rng\.' "$log" | grep -vc "^$verdict ")
	[ "$others" = 0 ] || bad "$kind: $others of $points points are not $verdict (log: $log)"
	if [ -n "$text" ]; then
		msgs=$(grep -c -F -- "$text" "$log")
		[ "$msgs" -ge "$points" ] ||
			bad "$kind: $msgs of $points points say '$text' (log: $log)"
	fi
	[ "$fails" = "$before" ] &&
		echo "ok: $kind: $points points $verdict${text:+ ($text)}, exit $rc"
}

one=rng.device.one-byte-buffer
run crash-create "$one" 1 ERROR 'the implementation crashed: signal 11'
run crash-notify "$one" 1 ERROR 'the implementation crashed: signal 11'
run hang-notify "$one" 1 ERROR 'did not finish within 2.0 s'
# the host copies only into the element: the cases still pass
run write-past 'rng.device.*' 0 PASS ''
# the host refuses a used len beyond the writable bytes, and records it
run push-overlong "$one" 1 FAIL \
	'devicenormative:Basic Facilities of a Virtio Device / Virtqueues / The Virtqueue Used Ring: device reports 2 bytes written to head 0, which has 1 writable'
run no-version-1 rng.device.large-buffer 1 FAIL 'initialization failed'
run fail-wild "$one" 1 FAIL 'the device recorded not-a-clause'

# --compare-with model lists the points where the target differs
"$vc" run --target plugin:libvc-bad-push-overlong.so --compare-with model \
	--filter "$one" --report-dir "$out/compare" "$cases/rng" >"$out/compare.log" 2>&1
grep -q '"differing": 4$' "$out/compare/compare.json" ||
	bad "compare: expected 4 differing points (log: $out/compare.log)"
grep -q '^4 of 4 points compared differ' "$out/compare.log" ||
	bad "compare: the summary does not list the differences (log: $out/compare.log)"
"$vc" run --target plugin:libvc-bad-write-past.so --compare-with model \
	--filter 'rng.device.*' --report-dir "$out/compare-same" "$cases/rng" \
	>"$out/compare-same.log" 2>&1
grep -q '"differing": 0$' "$out/compare-same/compare.json" ||
	bad "compare: write-past should not differ from the model (log: $out/compare-same.log)"

if [ "$fails" != 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all misbehaving plugins handled"
