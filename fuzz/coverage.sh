#!/bin/sh
# fuzz/coverage.sh [--corpus DIR] [--build DIR] [--out DIR]
#
# Source-based coverage of a corpus: builds the `coverage` preset (clang,
# -fprofile-instr-generate -fcoverage-mapping), replays DIR/<target> (default
# corpus/, e.g. a campaign's merged corpus) and fuzz/regressions/<target>
# through the standalone fuzz targets, merges the profiles with llvm-profdata
# and writes an llvm-cov HTML report of model/ and conformance/ to
# OUT/html/index.html (default reports/fuzz/coverage), the per-file table to
# OUT/report.txt and a one-line summary of model/ to OUT/summary.txt.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/corpus build=$root/build/coverage out=$root/reports/fuzz/coverage
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) corpus=$(cd "$2" && pwd); shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--corpus DIR] [--build DIR] [--out DIR]" >&2; exit 1 ;;
	esac
done
tool() { # llvm-cov / llvm-profdata, versioned or not
	for t in "$1" "$1-16" "$1-15" "$1-14"; do
		command -v "$t" >/dev/null 2>&1 && { echo "$t"; return; }
	done
	echo "fuzz/coverage.sh: $1 not found (Debian: apt-get install llvm)" >&2
	exit 1
}
cov=$(tool llvm-cov) profdata=$(tool llvm-profdata)
targets=$("$root/fuzz/targets.sh" | tr '\n' ' ')

cd "$root"
cmake --preset coverage -B "$build" >/dev/null
cmake --build "$build" --target $targets
rm -rf "$out" && mkdir -p "$out/profiles"
objs=
for t in $targets; do
	set -- "$corpus/$t"
	[ -d "$root/fuzz/regressions/$t" ] && set -- "$@" "$root/fuzz/regressions/$t"
	[ -d "$corpus/$t" ] || { echo "no corpus $corpus/$t, skipped"; continue; }
	LLVM_PROFILE_FILE="$out/profiles/$t-%p.profraw" "$build/fuzz/$t" "$@" | tail -1
	objs="$objs -object $build/fuzz/$t"
done
"$profdata" merge -sparse "$out"/profiles/*.profraw -o "$out/merged.profdata"
first=$(echo $objs | cut -d' ' -f2)
rest=$(echo $objs | cut -d' ' -f3-)
# shellcheck disable=SC2086
"$cov" show -format=html -output-dir="$out/html" -instr-profile="$out/merged.profdata" \
	-show-line-counts-or-regions "$first" $rest "$root/model" "$root/conformance"
# shellcheck disable=SC2086
"$cov" report -instr-profile="$out/merged.profdata" "$first" $rest "$root/model" \
	> "$out/report.txt"
# TOTAL  regions missed cover  functions missed executed  lines missed cover ...
awk -v c="$corpus" '/^TOTAL/ { printf "model/: lines %s (%d of %d), regions %s (%d of %d); corpus %s\n",
	$10, $8 - $9, $8, $4, $2 - $3, $2, c }' "$out/report.txt" | tee "$out/summary.txt"
echo "HTML: $out/html/index.html"
