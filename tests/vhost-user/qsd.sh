#!/usr/bin/env bash
# qsd.sh VIRTIOCHECK SRCDIR OUTDIR
#
# The core and blk suites (and tests/vhost-user/cases/qsd-*.yaml) against
# qemu-storage-daemon's vhost-user-blk export, a fresh daemon on a fresh
# 16 MiB image per case point (--spawn), with the known deviations of
# tests/vhost-user/. Passes when virtiocheck exits 0, every SKIP and XFAIL
# has a reason, at least MIN_PASS points passed for real, at least
# MIN_BLK_PASS of them are blk request cases (blk.*), and each known
# deviation still reproduces (a fixed daemon is news: update the docs).
# Fails (not skips) when qemu-storage-daemon or qemu-img is missing:
# scripts/setup.sh installs them.
set -u
VC=$1 SRC=$2 OUT=$3
# measured: 109 PASS, 28 of them blk.*; about 10% slack
MIN_PASS=98 MIN_BLK_PASS=25
for b in qemu-storage-daemon qemu-img; do
	if ! command -v "$b" >/dev/null; then
		echo "FAIL: $b is not installed (scripts/setup.sh installs qemu-system-common and qemu-utils)"
		exit 1
	fi
done
mkdir -p "$OUT"
SPAWN="sh -c 'qemu-img create -q -f raw {dir}/disk.img 16M && exec qemu-storage-daemon \
--blockdev driver=file,node-name=file0,filename={dir}/disk.img \
--blockdev driver=raw,node-name=disk0,file=file0 \
--export type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path={sock},writable=on,num-queues=1'"
t0=$(date +%s%N)
"$VC" run --jobs 2 --report-dir "$OUT" --target vhost-user,device=blk --spawn "$SPAWN" \
	--known-deviations "$SRC/tests/vhost-user/qemu-storage-daemon.known-deviations.yaml" \
	"$SRC/spec-cases/core" "$SRC/spec-cases/blk" "$SRC/tests/vhost-user/cases/qsd-ring.yaml" \
	"$SRC/tests/vhost-user/cases/qsd-blk-findings.yaml" \
	>"$OUT/run.txt" 2>&1
rc=$?
t1=$(date +%s%N)
grep -v '^SKIP ' "$OUT/run.txt" | tail -40
echo "wall time: $(( (t1 - t0) / 1000000 )) ms"
[ "$rc" -eq 0 ] || { echo "FAIL: virtiocheck exited with $rc"; exit 1; }
J=$OUT/virtiocheck.json
if grep -E '"verdict": "(SKIP|XFAIL)"' "$J" | grep -q '"message": ""'; then
	echo "FAIL: a SKIP or XFAIL without a reason:"
	grep -E '"verdict": "(SKIP|XFAIL)"' "$J" | grep '"message": ""' | head -5
	exit 1
fi
# "ID VERDICT" per point: virtiocheck.json writes one result object a line
V=$OUT/verdicts.txt
sed -n 's/^ *{"id": "\([^"]*\)".*"verdict": "\([A-Z]*\)".*/\1 \2/p' "$J" >"$V"
pass=$(grep -c ' PASS$' "$V")
blk_pass=$(grep -c '^blk\..* PASS$' "$V")
if [ "$pass" -lt "$MIN_PASS" ]; then
	echo "FAIL: only $pass points passed against qemu-storage-daemon (expected >= $MIN_PASS)"
	exit 1
fi
if [ "$blk_pass" -lt "$MIN_BLK_PASS" ]; then
	echo "FAIL: only $blk_pass blk request points passed for real (expected >= $MIN_BLK_PASS)"
	exit 1
fi
for id in $(sed -n 's/^  - case: //p' "$SRC/tests/vhost-user/qemu-storage-daemon.known-deviations.yaml"); do
	xfail=$(awk -v id="$id" '$1 == id && $2 == "XFAIL"' "$V" | wc -l)
	other=$(awk -v id="$id" '$1 == id && $2 != "XFAIL"' "$V" | wc -l)
	if [ "$xfail" -eq 0 ] || [ "$other" -ne 0 ]; then
		echo "FAIL: the known deviation $id no longer reproduces on every point:"
		awk -v id="$id" '$1 == id' "$V"
		exit 1
	fi
done
echo "ok: $pass points passed against qemu-storage-daemon ($blk_pass blk.*)"
