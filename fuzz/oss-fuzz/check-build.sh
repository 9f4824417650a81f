#!/bin/sh
# CTest check of fuzz/oss-fuzz/build.sh: run it the way OSS-Fuzz does (clang,
# libFuzzer, ASan) into a scratch $OUT and require every target, its seed
# corpus zip and its dictionary there, and each binary to run its seeds.
# usage: check-build.sh SRC OUT
set -eu
src=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
CC=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,fuzzer-no-link" \
	LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$out/out" SRC="$src" WORK="$out/work" \
	"$src/fuzz/oss-fuzz/build.sh" >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; exit 1; }
n=0
for t in $("$src/fuzz/targets.sh"); do
	for f in "$t" "${t}_seed_corpus.zip"; do
		[ -s "$out/out/$f" ] || { echo "missing \$OUT/$f"; exit 1; }
	done
	mkdir -p "$out/seeds-$t"
	(cd "$out/seeds-$t" && python3 -c "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall('.')" \
		"$out/out/${t}_seed_corpus.zip" 2>/dev/null || unzip -q "$out/out/${t}_seed_corpus.zip")
	"$out/out/$t" -runs=0 "$out/seeds-$t" >"$out/run-$t.log" 2>&1 ||
		{ echo "$t failed on its seeds"; tail -5 "$out/run-$t.log"; exit 1; }
	n=$((n + 1))
done
echo "oss-fuzz build.sh: $n targets with seed corpus zips, each ran its seeds"
