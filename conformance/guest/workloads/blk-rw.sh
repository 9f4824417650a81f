#!/bin/sh
# Guest workload: Linux's virtio_blk reads, writes and flushes /dev/vda.
# Writes a pattern at several offsets (O_DIRECT where busybox dd allows it,
# so the requests reach the device), flushes, drops the page cache, reads
# everything back and compares. Prints one WORKLOAD line per step; exit 0
# only if every step matched.
set -u
dev=/dev/vda
fail=0
step() { if "$@"; then echo "WORKLOAD ok: $*"; else echo "WORKLOAD FAIL: $*"; fail=1; fi; }

for i in $(seq 50); do [ -b $dev ] && break; sleep 0.1; done
sectors=$(cat /sys/block/vda/size)
echo "WORKLOAD disk: $sectors sectors, $(cat /sys/block/vda/queue/logical_block_size)-byte blocks, $(ls /sys/block/vda/mq | wc -l) queue(s)"
step test "$sectors" -ge 2048
# a 64 KiB pattern, different for each place it is written
i=0
for off in 0 7 200 1000; do
	dd if=/dev/urandom of=/tmp/pat$i bs=512 count=128 2>/dev/null
	step dd if=/tmp/pat$i of=$dev bs=512 seek=$off count=128 conv=fsync 2>/dev/null
	i=$((i + 1))
done
step sync
step blockdev --flushbufs $dev
echo 3 >/proc/sys/vm/drop_caches
i=0
for off in 0 7 200 1000; do
	dd if=$dev of=/tmp/got$i bs=512 skip=$off count=128 2>/dev/null
	# pattern 0 at sector 0 is partly overwritten by pattern 1 at sector 7
	if [ $i -eq 0 ]; then
		dd if=/tmp/pat0 of=/tmp/want0 bs=512 count=7 2>/dev/null
		dd if=/tmp/got0 of=/tmp/cut0 bs=512 count=7 2>/dev/null
		step cmp /tmp/want0 /tmp/cut0
	else
		step cmp /tmp/pat$i /tmp/got$i
	fi
	i=$((i + 1))
done
exit $fail
