#!/usr/bin/env bash
# Planted-bug proof for the fuzz targets: for every mutant of the model in
# fuzz/mutants/ (see targets.txt), build the named target against a patched
# copy of the tree (fuzz preset) and run it from its seed corpus for at most
# SECONDS (default 120). The mutant counts as found when the target stops on
# an oracle failure or a sanitizer report. Prints one line per mutant and a
# summary; exit status 0 only when every mutant was found.
#
# usage: fuzz/mutants.sh [SECONDS] [MUTANT...]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-120}
shift || true
work=$(mktemp -d /tmp/vc-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT
found=0 missed=0

while read -r name target; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
	tree="$work/$name"
	mkdir -p "$tree"
	git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$tree")
	rm -f "$tree"/tests/variants/*.patch # they apply to the unmutated model only
	if ! patch -d "$tree" -p1 -s --no-backup-if-mismatch -i "$root/fuzz/mutants/$name.patch"; then
		echo "mutant $name: patch does not apply"; missed=$((missed + 1)); continue
	fi
	if ! (cmake -S "$tree" -B "$tree/build" -G Ninja -DCMAKE_C_COMPILER=clang -DVC_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	      cmake --build "$tree/build" --target "$target" >"$work/$name.build.log" 2>&1); then
		echo "mutant $name: build failed (see log)"; tail -5 "$work/$name.build.log"
		missed=$((missed + 1)); continue
	fi
	mkdir -p "$work/$name.new"
	dict=()
	[ -f "$root/fuzz/$target.dict" ] && dict=(-dict="$root/fuzz/$target.dict")
	start=$(date +%s.%N)
	(cd "$work" && "$tree/build/fuzz/$target" -max_total_time="$secs" -timeout=10 \
		-artifact_prefix="$work/$name-" "${dict[@]}" "$work/$name.new" \
		"$root/corpus/$target" >"$work/$name.log" 2>&1)
	rc=$?
	took=$(echo "$(date +%s.%N) - $start" | awk '{printf "%.1f", $1 - $3}')
	if [ $rc -ne 0 ] && grep -qE 'ORACLE FAILURE|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error' "$work/$name.log"; then
		why=$(grep -m1 -oE 'ORACLE FAILURE \[[^]]*\]|ERROR: [A-Za-z]+: [a-z-]+|runtime error: .{0,60}' "$work/$name.log")
		echo "mutant $name: FOUND by $target in ${took}s: $why"
		found=$((found + 1))
	else
		echo "mutant $name: not found by $target in ${secs}s"
		missed=$((missed + 1))
	fi
done <fuzz/mutants/targets.txt

echo "mutants: $found passed, $missed failed"
[ $missed -eq 0 ]
