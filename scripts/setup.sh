#!/usr/bin/env bash
# Install every build and test dependency of virtiocheck from Debian 12
# packages. Non-interactive and idempotent: only missing packages are
# installed. Run as root or through sudo.
set -euo pipefail

PACKAGES=(
	build-essential    # gcc, make, libc headers (dev preset)
	cmake              # >= 3.25 for presets
	ninja-build
	pkg-config
	clang              # asan and fuzz presets
	libclang-rt-14-dev # sanitizer and libFuzzer runtimes for clang 14
	libyaml-dev        # spec-case loader
	check              # unit tests
	git
	patch              # applies tests/variants/*.patch (broken model variants)
	chromium           # headless check of the HTML report (tests/html)
	zip                # seed corpus zips of fuzz/oss-fuzz/build.sh
	unzip
	qemu-system-common # qemu-storage-daemon: the vhost-user back-end of the vhost_user_qsd test
	qemu-utils         # qemu-img: that test's disk images
	qemu-system-x86    # the guest tier: QEMU (TCG) boots Linux against virtiocheck serve
	busybox-static     # the guest tier's initramfs (conformance/guest/guest.sh)
)

log() { printf 'setup: %s\n' "$*"; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { log "run as root (sudo not found)"; exit 1; }
	SUDO=sudo
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		log "have $p"
	else
		missing+=("$p")
	fi
done

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -eq 0 ]; then
	log "all ${#PACKAGES[@]} packages present; nothing to install"
else
	log "apt-get update"
	$SUDO apt-get update -q
	log "installing: ${missing[*]}"
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The guest tier's kernel: Debian's cloud kernel, downloaded and unpacked
# under build/guest (never installed on this machine), and its initramfs.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/build/guest/kernel" ] && [ ${#missing[@]} -eq 0 ]; then
	log "apt-get update (package lists for the guest kernel)"
	$SUDO apt-get update -q
fi
log "guest kernel and initramfs (conformance/guest/guest.sh prepare)"
"$root/conformance/guest/guest.sh" prepare
log "done"
