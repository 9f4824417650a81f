#!/usr/bin/env bash
# replay-variants.sh WRITES_READABLE CRASHES_ON_INDIRECT_NEXT SRCDIR OUTDIR
#
# `virtiocheck replay --target model` of corpus/fuzz_split_device with two
# deliberately broken model variants (tests/variants/): the one that writes
# a device-readable buffer must give oracle violations citing the
# Descriptor Table clause, the one that crashes on INDIRECT|NEXT must give
# crashed inputs; both exit 1 and the runner survives.
set -u
WR=$1 CR=$2 SRC=$3 OUT=$4
CORPUS=$SRC/corpus/fuzz_split_device
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
"$WR" replay --target model --jobs 2 "$CORPUS" >"$OUT/writes-readable.txt" 2>&1
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q ": oracle-violation \[devicenormative:Basic Facilities of a Virtio Device / Virtqueues / The Virtqueue Descriptor Table\] the device changed" "$OUT/writes-readable.txt"; then
	echo "FAIL writes-readable: exit $rc, or no Descriptor Table violation"; tail -5 "$OUT/writes-readable.txt"
	fails=$((fails + 1))
else
	echo "ok   writes-readable: $(tail -1 "$OUT/writes-readable.txt")"
fi
"$CR" replay --target model --jobs 2 "$CORPUS" >"$OUT/crashes.txt" 2>&1
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q ": crashed the device crashed the replay: signal 11" "$OUT/crashes.txt"; then
	echo "FAIL crashes-on-indirect-next: exit $rc, or no crashed input"; tail -5 "$OUT/crashes.txt"
	fails=$((fails + 1))
else
	echo "ok   crashes-on-indirect-next: $(tail -1 "$OUT/crashes.txt")"
fi
[ "$fails" -eq 0 ] && echo "both broken variants caught" || exit 1
