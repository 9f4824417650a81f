#!/bin/sh
# The example plugin against the INSTALLED ABI, as a third party builds it.
#   check-example-plugin.sh BUILD_DIR EXAMPLE_DIR SPEC_CASES WORK_DIR
# Installs the build into WORK_DIR/prefix, builds EXAMPLE_DIR/rng_plugin.c with
# a plain `cc -shared -fPIC $(pkg-config --cflags virtiocheck-plugin)`, runs
# the installed virtiocheck on SPEC_CASES with it, and checks: exit 0, PASS
# points among the core and the rng cases, no FAIL or ERROR, and only the
# expected SKIP reasons.
set -u
build=$1 example=$2 cases=$3 work=$4
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1; }
pc=$(find "$work/prefix" -name virtiocheck-plugin.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: no virtiocheck-plugin.pc installed"; exit 1; }
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
for h in device.h plugin.h le.h virtio.h; do
	[ -f "$work/prefix/include/virtiocheck/$h" ] || bad "virtiocheck/$h not installed"
done
# the pkg-config version is the header's ABI version
hmaj=$(sed -n 's/^#define VC_DEVICE_ABI_MAJOR \([0-9]*\)$/\1/p' "$work/prefix/include/virtiocheck/device.h")
hmin=$(sed -n 's/^#define VC_DEVICE_ABI_MINOR \([0-9]*\)$/\1/p' "$work/prefix/include/virtiocheck/device.h")
ver=$(pkg-config --modversion virtiocheck-plugin)
[ "$ver" = "$hmaj.$hmin" ] || bad "pkg-config version $ver, header ABI $hmaj.$hmin"
[ "$(pkg-config --variable=abi_major virtiocheck-plugin)" = "$hmaj" ] || bad "abi_major variable"

so=$work/libvc-plugin-rng.so
# shellcheck disable=SC2046
cc -shared -fPIC -Wall -Wextra -Werror $(pkg-config --cflags virtiocheck-plugin) \
	"$example/rng_plugin.c" -o "$so" || { echo "FAIL: the example does not build"; exit 1; }

log=$work/run.log
"$work/prefix/bin/virtiocheck" run --verbose --target "plugin:$so" \
	--report-dir "$work/reports" "$cases" >"$log" 2>&1
rc=$?
[ "$rc" = 0 ] || bad "exit status $rc, expected 0 (log: $log)"
count() { sed -n "s/^$1 *\([0-9]*\)$/\1/p" "$log"; }
[ "$(count FAIL)" = 0 ] || bad "$(count FAIL) FAIL points (log: $log)"
[ "$(count ERROR)" = 0 ] || bad "$(count ERROR) ERROR points (log: $log)"
core=$(grep -c '^PASS  core\.' "$log")
rng=$(grep -c '^PASS  rng\.' "$log")
[ "$core" -gt 0 ] || bad "no core case passed (log: $log)"
[ "$rng" -gt 0 ] || bad "no rng case passed (log: $log)"
grep -q "^target: plugin:$so\$" "$log" || bad "the summary does not name the target"
# the SKIP reasons: only these, each with a count
sed -n '/^SKIP reasons:$/,/^target:/p' "$log" | sed '1d;$d' |
	sed 's/^ *[0-9]*  //' >"$work/reasons"
while IFS= read -r r; do
	case $r in
	"role: driver cases judge the reference driver (the harness plays the device), not the target") ;;
	"the case's device type is not the target's") ;;
	"the case adds features to the device's offer (offer_add), which the target never made") ;;
	*) bad "unexpected SKIP reason: $r" ;;
	esac
done <"$work/reasons"
grep -q "device type is not the target's" "$work/reasons" ||
	bad "blk and console cases were not SKIP for their device type"
echo "example plugin: $(count PASS) PASS ($core core, $rng rng), $(count SKIP) SKIP, exit $rc"
[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
