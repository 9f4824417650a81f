#!/bin/bash
# vu-env.sh -- install and start real third-party vhost-user peers (Debian 12).
# usage: vu-env.sh install | initramfs | qsd IMG SOCK | virtiofsd DIR SOCK |
#                  testpmd-vhost SOCK | guest SOCK [more qemu args] | stop
# All state lives under $VU_WORK (default: ./build/vu-env); every daemon gets a
# pidfile there, and `stop` kills exactly those PIDs.
#
# The spec-case runs need only qemu-storage-daemon (`install` without the
# optional tiers); virtiocheck itself spawns one per case point with
#   --target vhost-user,device=blk --spawn 'qemu-storage-daemon ... {sock} ...'
# (tests/vhost-user/qsd.sh). The guest, DPDK (VU_WITH_DPDK=1) and GPU
# (VU_WITH_GPU=1) parts serve the tiers of ../shared/thirdparty/vhost-user.md.
set -euo pipefail
W=${VU_WORK:-$PWD/build/vu-env}; mkdir -p "$W/pids"
KDIR=$W/kernel

wait_sock() { for _ in $(seq 1 "${2:-500}"); do [ -S "$1" ] && return 0; sleep 0.01; done
              echo "socket $1 did not appear" >&2; return 1; }
kver() { ls "$KDIR/lib/modules" | head -1; }

case ${1:-} in
install)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
      qemu-system-common qemu-utils \
      ${VU_WITH_GUEST:+qemu-system-x86 busybox-static} \
      ${VU_WITH_GPU:+qemu-system-gui} ${VU_WITH_DPDK:+dpdk-dev} >/dev/null
  # Guest kernel (VU_WITH_GUEST=1): extract the .deb instead of installing
  # it (no initramfs-tools, no bootloader hooks on the host).
  if [ -n "${VU_WITH_GUEST:-}" ] && [ ! -d "$KDIR/boot" ]; then
    pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
    (cd "$W" && apt-get download -qq "$pkg" 2>/dev/null && dpkg-deb -x "$pkg"_*.deb "$KDIR" && rm -f "$pkg"_*.deb)
  fi ;;
initramfs)   # base initramfs: busybox + virtio modules; runs /test.sh if present
  R=$W/initrd; rm -rf "$R"; mkdir -p "$R"/{bin,dev,proc,sys,mnt,lib/modules}
  cp /bin/busybox "$R/bin/"
  M=$KDIR/lib/modules/$(kver)/kernel
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
           drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
           fs/fuse/fuse fs/fuse/virtiofs; do cp "$M/$m.ko" "$R/lib/modules/"; done
  cat > "$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin; export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk fuse virtiofs; do
  insmod /lib/modules/$m.ko; done
for i in $(seq 20); do [ -b /dev/vda ] && break; sleep 0.1; done
echo "GUEST-READY uptime=$(cut -d' ' -f1 /proc/uptime)"; cat /proc/partitions
[ -x /test.sh ] && /test.sh
echo "GUEST-DONE rc=$?"; poweroff -f
INIT
  chmod +x "$R/init"
  (cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$W/initrd.cpio.gz") ;;
qsd)         # export IMG as vhost-user-blk on SOCK (daemonizes once the socket is up)
  rm -f "$3"
  qemu-storage-daemon --daemonize --pidfile "$W/pids/qsd-$(basename "$3").pid" \
    --blockdev driver=file,node-name=f0,filename="$2" --blockdev driver=raw,node-name=d0,file=f0 \
    --export type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path="$3",writable=on
  wait_sock "$3" ;;
virtiofsd)   # one front-end connection per process; it exits when that front-end goes
  rm -f "$3"
  /usr/lib/qemu/virtiofsd --socket-path="$3" -o source="$2" -o cache=auto >"$W/virtiofsd.log" 2>&1 &
  echo $! > "$W/pids/virtiofsd-$(basename "$3").pid"; wait_sock "$3" ;;
testpmd-vhost)  # DPDK vhost PMD as a back-end, no hugepages; interactive mode = no busy-poll
  rm -f "$2"; mkfifo "$W/testpmd.in" 2>/dev/null || true
  dpdk-testpmd -l 0-1 --no-huge -m 512 --no-pci --file-prefix="vu$$" \
    --vdev "net_vhost0,iface=$2" -- -i --total-num-mbufs=4096 \
    <"$W/testpmd.in" >"$W/testpmd.log" 2>&1 &
  echo $! > "$W/pids/testpmd.pid"; exec 9>"$W/testpmd.in"   # keep stdin open
  sleep infinity >&9 & echo $! > "$W/pids/testpmd-stdin.pid"
  wait_sock "$2" 1000 ;;
guest)       # boot the Debian kernel under TCG with a vhost-user-blk-pci on SOCK
  SOCK=$2; shift 2
  exec timeout "${VU_GUEST_TIMEOUT:-120}" qemu-system-x86_64 -accel tcg,thread=multi \
    -machine q35,memory-backend=mem -cpu max -smp 1 -m 512M \
    -object memory-backend-memfd,id=mem,size=512M,share=on \
    -nographic -no-reboot -nodefaults -serial stdio \
    -kernel "$KDIR"/boot/vmlinuz-* -initrd "${VU_INITRD:-$W/initrd.cpio.gz}" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3" \
    -chardev socket,id=vub,path="$SOCK" -device vhost-user-blk-pci,chardev=vub,num-queues=1 "$@" ;;
stop)
  for f in "$W"/pids/*.pid; do [ -e "$f" ] || continue
    p=$(cat "$f"); kill -TERM "$p" 2>/dev/null || true; rm -f "$f"; done ;;
*) sed -n '2,6p' "$0"; exit 2 ;;
esac
