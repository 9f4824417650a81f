#!/bin/bash
# Boot a Linux guest under QEMU (TCG) against a vhost-user back-end and run
# a workload in it: the third-party driver tier (Linux's virtio drivers, and
# SeaBIOS before them for a disk, driving whatever serves the socket).
#
# usage: guest.sh prepare
#        guest.sh boot [--device blk|rng|net] [--packed] SOCKET WORKLOAD.sh [extra qemu arguments...]
#
# prepare: fetch Debian's cloud kernel (apt-get download + dpkg-deb -x, never
#   installed on the host) and build the base initramfs (busybox-static and
#   the virtio modules, loaded in dependency order) under $VC_GUEST_DIR
#   (default build/guest). Idempotent.
# boot: attach the socket as QEMU's vhost-user-blk-pci (default),
#   vhost-user-rng-pci, or a virtio-net-pci on a vhost-user netdev with mac
#   $VC_GUEST_MAC (default 52:54:00:12:34:56; QEMU owns the net
#   configuration space and the control queue, the back-end gets the rx/tx
#   rings) (--packed: with packed virtqueues), append WORKLOAD as /test.sh in a second cpio archive, boot with
#   -accel tcg (KVM hangs on these machines), print the guest's console, and
#   exit with the workload's status (the guest prints "GUEST-DONE rc=N"),
#   124 when the guest does not finish within $VC_GUEST_TIMEOUT seconds
#   (default 120), 125 when it ends without the marker (a crash or panic).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m "${VC_GUEST_DIR:-$here/../../build/guest}")
KDIR=$W/kernel
# in dependency order (the .deb has no modules.dep); rng-core is built in;
# virtio_net needs net_failover, which needs failover
MODPATHS="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk
drivers/char/hw_random/virtio-rng net/core/failover drivers/net/net_failover
drivers/net/virtio_net"

die() { echo "guest.sh: $*" >&2; exit 2; }

kver() { ls "$KDIR/lib/modules" 2>/dev/null | head -n 1; }

prepare_kernel() {
	[ -n "$(kver)" ] && return 0
	command -v apt-get >/dev/null || die "apt-get is needed to fetch the guest kernel"
	local pkg
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-/{print $2; exit}')
	[ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64 (apt-get update?)"
	mkdir -p "$W/dl"
	# apt's _apt user may not write here: it then downloads as root and
	# warns, which is fine
	(cd "$W/dl" && apt-get download -qq "$pkg" 2>"$W/dl/apt.log") ||
		{ cat "$W/dl/apt.log" >&2; die "apt-get download $pkg failed"; }
	dpkg-deb -x "$W/dl/$pkg"_*.deb "$KDIR"
	rm -f "$W/dl/$pkg"_*.deb
	[ -n "$(kver)" ] || die "$pkg holds no modules"
}

prepare_initramfs() {
	local R=$W/initrd M m
	[ -s "$W/base.cpio.gz" ] && [ "$W/base.cpio.gz" -nt "$0" ] && return 0
	command -v busybox >/dev/null || die "busybox (Debian busybox-static) is needed"
	rm -rf "$R"
	mkdir -p "$R"/{bin,dev,proc,sys,mnt,tmp,lib/modules}
	cp "$(command -v busybox)" "$R/bin/busybox"
	M=$KDIR/lib/modules/$(kver)/kernel
	mods=
	for m in $MODPATHS; do
		cp "$M/$m.ko" "$R/lib/modules/"
		mods="$mods $(basename "$m")"
	done
	cat >"$R/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in$mods; do insmod /lib/modules/\$m.ko; done
echo "GUEST-READY uptime=\$(cut -d' ' -f1 /proc/uptime)"
rc=127
[ -x /test.sh ] && { /test.sh; rc=\$?; }
echo "GUEST-DONE rc=\$rc"
poweroff -f
INIT
	chmod +x "$R/init"
	(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$W/base.cpio.gz.tmp")
	mv "$W/base.cpio.gz.tmp" "$W/base.cpio.gz"
}

boot() {
	local dev=blk packed=off sock workload T rc out
	local -a qdev
	while [ $# -gt 0 ]; do
		case $1 in
		--device) dev=${2:-}; shift 2 ;;
		--packed) packed=on; shift ;;
		*) break ;;
		esac
	done
	sock=${1:-} workload=${2:-}
	[ $# -ge 2 ] || die "usage: $0 boot [--device blk|rng|net] [--packed] SOCKET WORKLOAD.sh"
	shift 2
	case $dev in
	blk) qdev=(-device "vhost-user-blk-pci,chardev=vu,num-queues=1,packed=$packed") ;;
	rng) qdev=(-device "vhost-user-rng-pci,chardev=vu,packed=$packed") ;;
	# romfile= keeps SeaBIOS's iPXE away from the rings: Linux is the
	# driver under test. vectors=0 (INTx): with MSI-X, QEMU 7.2 under TCG
	# segfaults in vhost_net_start (msix_set_vector_notifiers ->
	# virtio_pci_vector_unmask) as soon as the guest sets DRIVER_OK, with
	# or without the control queue (docs/third-party/linux-virtio-net.md)
	net) qdev=(-netdev vhost-user,id=n0,chardev=vu
		   -device "virtio-net-pci,netdev=n0,mac=${VC_GUEST_MAC:-52:54:00:12:34:56},packed=$packed,romfile=,vectors=${VC_GUEST_NET_VECTORS:-0}") ;;
	*) die "unknown device '$dev' (blk, rng, net)" ;;
	esac
	[ -S "$sock" ] || die "no vhost-user socket at $sock"
	[ -r "$workload" ] || die "cannot read workload $workload"
	[ -s "$W/base.cpio.gz" ] && [ -n "$(kver)" ] || die "run '$0 prepare' first"
	T=$(mktemp -d "${TMPDIR:-/tmp}/vc-guest.XXXXXX")
	trap 'rm -rf "$T"' RETURN
	mkdir "$T/root"
	cp "$workload" "$T/root/test.sh"
	chmod +x "$T/root/test.sh"
	(cd "$T/root" && echo test.sh | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$T/test.cpio.gz")
	cat "$W/base.cpio.gz" "$T/test.cpio.gz" >"$T/initrd.cpio.gz"
	set +e
	timeout "${VC_GUEST_TIMEOUT:-120}" qemu-system-x86_64 -accel tcg,thread=multi \
		-machine q35,memory-backend=mem -cpu max -smp 1 -m 512M \
		-object memory-backend-memfd,id=mem,size=512M,share=on \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$KDIR"/boot/vmlinuz-* -initrd "$T/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=${VC_GUEST_LOGLEVEL:-4}" \
		-chardev socket,id=vu,path="$sock" "${qdev[@]}" "$@" </dev/null >"$T/console.log" 2>&1
	rc=$?
	set -e
	# the console without carriage returns and terminal escapes
	sed 's/\r//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' "$T/console.log"
	[ "$rc" -eq 124 ] && { echo "guest.sh: the guest did not finish in time" >&2; return 124; }
	out=$(tr -d '\r' <"$T/console.log" | sed -n 's/^GUEST-DONE rc=\([0-9]*\)$/\1/p' | tail -n 1)
	[ -n "$out" ] || { echo "guest.sh: the guest ended without GUEST-DONE (qemu exit $rc)" >&2; return 125; }
	return "$out"
}

case ${1:-} in
prepare) mkdir -p "$W"; prepare_kernel; prepare_initramfs; echo "guest: kernel $(kver), $W/base.cpio.gz" ;;
boot) shift; boot "$@" ;;
*) sed -n '5,9p' "$0"; exit 2 ;;
esac
