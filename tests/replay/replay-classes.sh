#!/usr/bin/env bash
# replay-classes.sh VIRTIOCHECK SRCDIR PLUGINDIR STRAY_PLUGIN BAD_BACKEND OUTDIR
#
# `virtiocheck replay` of corpus/fuzz_split_device (and fuzz_blk_request):
#  - against the model and the example rng plugin: every input ok or
#    refused, exit 0, JSON and JUnit reports written; the blk corpus on the
#    model's blk device, and refused (exit 2) on an rng target;
#  - against a plugin that writes one byte past each buffer: oracle
#    violations citing the Descriptor Table clause, exit 1;
#  - against plugins and back-ends that crash, hang or drop the connection:
#    crashed, hung, dropped-connection, and the runner survives;
#  - bad input paths: exit 2 with a message naming the path.
set -u
VC=$1 SRC=$2 PLUG=$3 STRAY=$4 BAD=$5 OUT=$6
CORPUS=$SRC/corpus/fuzz_split_device
# two inputs the model completes and one it refuses
FEW="$CORPUS/spec-e859cfb4be3da7e2 $CORPUS/seed-bogus-push-raw-id.bin $CORPUS/spec-e8adb81e91e22c39"
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# expect NAME WANT_RC PATTERN... -- ARGS: run replay, check the exit status
# and that each pattern is in the output
expect() {
	local name=$1 want=$2 log=$OUT/$1.txt rc pats=()
	shift 2
	while [ "$1" != "--" ]; do pats+=("$1"); shift; done
	shift
	"$VC" replay "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit status $rc, expected $want"; sed 's/^/    /' "$log" | tail -20
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -qE -- "$p" "$log"; then
			fail "$name: no '$p' in the output"; sed 's/^/    /' "$log" | tail -20
			return
		fi
	done
	echo "ok   $name: exit $rc; $(tail -1 "$log")"
}

N=$(find "$CORPUS" -maxdepth 1 -type f ! -name '.*' | wc -l)
ALL_FINE="replayed $N fuzz_split_device input\(s\) .*: ok [1-9][0-9]*, refused [1-9][0-9]*, dropped-connection 0, crashed 0, hung 0, oracle-violation 0"

expect model 0 "$ALL_FINE" -- --target model --jobs 2 --report-dir "$OUT/model" "$CORPUS"
for f in replay.json replay.junit.xml; do
	[ -s "$OUT/model/$f" ] || fail "model: no $f"
done
grep -q "\"ok\": [1-9]" "$OUT/model/replay.json" || fail "model: replay.json has no ok count"
[ "$(grep -c '<testcase ' "$OUT/model/replay.junit.xml")" -eq "$N" ] ||
	fail "model: replay.junit.xml does not have $N testcases"

NB=$(find "$SRC/corpus/fuzz_blk_request" -maxdepth 1 -type f ! -name '.*' | wc -l)
expect model-blk 0 "replayed $NB fuzz_blk_request input\(s\) .*: ok [1-9][0-9]*, refused [0-9]*, dropped-connection 0, crashed 0, hung 0, oracle-violation 0" -- \
	--target model --jobs 2 "$SRC/corpus/fuzz_blk_request"
expect blk-needs-blk 2 "fuzz_blk_request inputs need a blk device \(ID 2\); this target's device ID is 4" -- \
	--target "plugin:$PLUG/libvc-plugin-rng.so" "$SRC/corpus/fuzz_blk_request"

expect plugin-rng 0 "$ALL_FINE" -- --target "plugin:$PLUG/libvc-plugin-rng.so" --jobs 2 "$CORPUS"

expect stray-write 1 \
	"oracle-violation \[devicenormative:Basic Facilities of a Virtio Device / Virtqueues / The Virtqueue Descriptor Table\] the device changed 1 byte\(s\) outside the writable buffers" \
	"oracle-violation [1-9]" -- --target "plugin:$STRAY" --jobs 2 $FEW

expect plugin-crash 1 "crashed the device crashed the replay: signal 11" "crashed 3" -- \
	--target "plugin:$PLUG/libvc-bad-crash-notify.so" --jobs 2 $FEW
expect plugin-hang 1 "hung the input did not finish within 1.5 s \(killed\)" "hung 3" -- \
	--target "plugin:$PLUG/libvc-bad-hang-notify.so" --jobs 2 --timeout-ms 1500 $FEW

TGT=vhost-user,device=blk,timeout_ms=300,settle_ms=100
expect backend-crash 1 "crashed after the kick: .*the back-end process died: signal 11" "crashed 3" -- \
	--target "$TGT" --spawn "$BAD crash-on-kick {sock} 5" --jobs 2 $FEW
expect backend-drop 0 "dropped-connection after the kick: .*the back-end closed the connection" \
	"dropped-connection 3" -- --target "$TGT" --spawn "$BAD drop-on-kick {sock} 5" --jobs 2 $FEW
expect backend-hang 1 "hung initialization: .*did not reply to SET_MEM_TABLE within 300 ms" "hung 3" -- \
	--target "$TGT" --spawn "$BAD hang {sock} 5" --jobs 2 $FEW
# a back-end that never uses a buffer is not live after a reset
expect backend-idle 1 "oracle-violation \[devicenormative:Basic Facilities of a Virtio Device / Device Reset\]" -- \
	--target "$TGT" --spawn "$BAD ok {sock} 5" --jobs 2 $FEW

expect missing-file 2 "virtiocheck replay: $OUT/no-such-input: No such file or directory" -- \
	--target model "$OUT/no-such-input"
mkdir -p "$OUT/not-a-corpus"
cp "$CORPUS/spec-e859cfb4be3da7e2" "$OUT/not-a-corpus/"
expect no-format 2 "not-a-corpus: no input format in its name" -- --target model "$OUT/not-a-corpus"
expect with-format 0 "ok 1," -- --target model --format fuzz_split_device "$OUT/not-a-corpus"
expect bad-format 2 "--format fuzz_nothing: replay knows fuzz_split_device and fuzz_blk_request" -- \
	--target model --format fuzz_nothing "$CORPUS"

if pgrep -f "$BAD [a-z]" >/dev/null; then
	fail "a bad_backend process is still running"; pgrep -af "$BAD [a-z]"
fi
[ "$fails" -eq 0 ] && echo "all replay classes as expected" || exit 1
