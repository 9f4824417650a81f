#!/usr/bin/env bash
# qsd.sh VIRTIOCHECK SRCDIR OUTDIR
#
# The core and blk suites (and tests/vhost-user/cases/qsd-ring.yaml) against qemu-storage-daemon's vhost-user-blk
# export, a fresh daemon on a fresh 16 MiB image per case point (--spawn),
# with the known deviations of tests/vhost-user/. Passes when virtiocheck
# exits 0, at least 50 points passed for real, and every SKIP and XFAIL
# has a reason. Fails (not skips) when qemu-storage-daemon or qemu-img is
# missing: scripts/setup.sh installs them.
set -u
VC=$1 SRC=$2 OUT=$3
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
pass=$(grep -c '"verdict": "PASS"' "$J")
if [ "$pass" -lt 50 ]; then
	echo "FAIL: only $pass points passed against qemu-storage-daemon (expected >= 50)"
	exit 1
fi
echo "ok: $pass points passed against qemu-storage-daemon"
