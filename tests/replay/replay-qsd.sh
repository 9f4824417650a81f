#!/usr/bin/env bash
# replay-qsd.sh VIRTIOCHECK SRCDIR OUTDIR
#
# corpus/fuzz_split_device and corpus/fuzz_blk_request replayed against
# qemu-storage-daemon's vhost-user-blk export, a fresh daemon on a fresh
# 16 MiB image per input (--spawn). Every input must be classified without
# an oracle violation, crash or hang (exit 0), some must complete, and the
# per-class counts are printed with the wall time. Fails (not skips) when qemu-storage-daemon or qemu-img is missing:
# scripts/setup.sh installs them.
set -u
VC=$1 SRC=$2 OUT=$3
for b in qemu-storage-daemon qemu-img; do
	if ! command -v "$b" >/dev/null; then
		echo "FAIL: $b is not installed (scripts/setup.sh installs qemu-system-common and qemu-utils)"
		exit 1
	fi
done
rm -rf "$OUT"
mkdir -p "$OUT"
SPAWN="sh -c 'qemu-img create -q -f raw {dir}/disk.img 16M && exec qemu-storage-daemon \
--blockdev driver=file,node-name=file0,filename={dir}/disk.img \
--blockdev driver=raw,node-name=disk0,file=file0 \
--export type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path={sock},writable=on,num-queues=1'"
fails=0
for corpus in fuzz_split_device fuzz_blk_request; do
	mkdir -p "$OUT/$corpus"
	t0=$(date +%s%N)
	"$VC" replay --target vhost-user,device=blk,timeout_ms=1000,settle_ms=200 --spawn "$SPAWN" \
		--jobs 2 --report-dir "$OUT/$corpus" "$SRC/corpus/$corpus" >"$OUT/$corpus/replay.txt" 2>&1
	rc=$?
	t1=$(date +%s%N)
	echo "== $corpus"
	sed 's/^[^:]*: \([a-z-]*\).*/\1/' "$OUT/$corpus/replay.txt" | grep -v '^replayed' | sort | uniq -c
	tail -1 "$OUT/$corpus/replay.txt"
	echo "wall time: $(( (t1 - t0) / 1000000 )) ms"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: virtiocheck replay of $corpus exited with $rc"
		grep -E ': (oracle-violation|crashed|hung) ' "$OUT/$corpus/replay.txt" | head -20
		fails=$((fails + 1))
		continue
	fi
	N=$(find "$SRC/corpus/$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
	if ! grep -qE "^replayed $N $corpus input\(s\) against vhost-user .*: ok [1-9]" \
		"$OUT/$corpus/replay.txt"; then
		echo "FAIL: not all $N inputs of $corpus replayed, or none completed"
		fails=$((fails + 1))
	fi
	if [ ! -s "$OUT/$corpus/replay.json" ] || [ ! -s "$OUT/$corpus/replay.junit.xml" ]; then
		echo "FAIL: no reports for $corpus"
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ] || exit 1
echo "ok: every input classified against qemu-storage-daemon"
