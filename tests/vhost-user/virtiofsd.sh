#!/usr/bin/env bash
# virtiofsd.sh VIRTIOCHECK SRCDIR OUTDIR
#
# The control-plane core cases against QEMU's virtiofsd (a vhost-user fs
# back-end): feature offer and negotiation, initialization order, status,
# PCI and MMIO transport registers, ring setup, reset -- each point on a
# fresh virtiofsd (it serves one front-end, then exits) sharing a fresh
# directory, with the known deviations of tests/vhost-user/. The liveness
# probe after a reset is a FUSE_INIT round trip on the request queue.
# Passes when virtiocheck exits 0, at least 40 points passed for real
# (some with a FUSE_INIT round trip), and every SKIP and XFAIL has a
# reason. Fails (not skips) when virtiofsd is missing: scripts/setup.sh
# installs qemu-system-common, which holds it.
set -u
VC=$1 SRC=$2 OUT=$3
VFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
if [ ! -x "$VFSD" ]; then
	echo "FAIL: $VFSD is not installed (scripts/setup.sh installs qemu-system-common)"
	exit 1
fi
rm -rf "$OUT" && mkdir -p "$OUT"
# sandbox=chroot: virtiofsd's default namespace sandbox needs unshare
# rights a CI container may not grant; the cases do not depend on it.
SPAWN="sh -c 'mkdir -p {dir}/share && echo virtiocheck > {dir}/share/hello && exec $VFSD \
--socket-path={sock} -o source={dir}/share -o cache=auto -o sandbox=chroot'"
t0=$(date +%s%N)
"$VC" run --jobs 2 --verbose --report-dir "$OUT" --target vhost-user,device=fs --spawn "$SPAWN" \
	--known-deviations "$SRC/tests/vhost-user/virtiofsd.known-deviations.yaml" \
	"$SRC/spec-cases/core" >"$OUT/run.txt" 2>&1
rc=$?
t1=$(date +%s%N)
grep -v '^SKIP ' "$OUT/run.txt" | grep -v '^PASS ' | tail -30
echo "wall time: $(( (t1 - t0) / 1000000 )) ms"
[ "$rc" -eq 0 ] || { echo "FAIL: virtiocheck exited with $rc"; exit 1; }
J=$OUT/virtiocheck.json
if grep -E '"verdict": "(SKIP|XFAIL)"' "$J" | grep -q '"message": ""'; then
	echo "FAIL: a SKIP or XFAIL without a reason:"
	grep -E '"verdict": "(SKIP|XFAIL)"' "$J" | grep '"message": ""' | head -5
	exit 1
fi
pass=$(grep -c '"verdict": "PASS"' "$J")
if [ "$pass" -lt 40 ]; then
	echo "FAIL: only $pass points passed against virtiofsd (expected >= 40)"
	exit 1
fi
fuse=$(grep -o 'FUSE_INIT answered: used len [0-9]*, error 0' "$J" | wc -l)
if [ "$fuse" -lt 10 ]; then
	echo "FAIL: only $fuse liveness probes got a FUSE_INIT answer (expected >= 10)"
	exit 1
fi
echo "ok: $pass points passed against virtiofsd ($fuse with a FUSE_INIT round trip after reset)"
