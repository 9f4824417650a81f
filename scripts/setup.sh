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

if [ ${#missing[@]} -eq 0 ]; then
	log "all ${#PACKAGES[@]} packages present; nothing to install"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
$SUDO apt-get update -q
log "installing: ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
log "done"
