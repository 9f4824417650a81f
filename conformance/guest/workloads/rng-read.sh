#!/bin/sh
# Guest workload: Linux's virtio-rng feeds /dev/hwrng. Reads 1 KiB twice and
# checks that the bytes are there, not all zero, and not the same twice.
set -u
fail=0
step() { if "$@"; then echo "WORKLOAD ok: $*"; else echo "WORKLOAD FAIL: $*"; fail=1; fi; }
nonzero() { [ -n "$(od -An -tx1 -v "$1" | tr -d ' \n0')" ]; }
differ() { ! cmp -s "$1" "$2"; }
for i in $(seq 50); do [ -c /dev/hwrng ] && break; sleep 0.1; done
echo "WORKLOAD rng: $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
step grep -q virtio /sys/class/misc/hw_random/rng_current
step dd if=/dev/hwrng of=/tmp/a bs=64 count=16 status=none
step dd if=/dev/hwrng of=/tmp/b bs=64 count=16 status=none
step test "$(wc -c </tmp/a)" -eq 1024
step nonzero /tmp/a
step differ /tmp/a /tmp/b
exit $fail
