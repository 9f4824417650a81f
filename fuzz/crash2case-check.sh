#!/bin/sh
# crash2case-check.sh VIRTIOCHECK SRC OUT: every fuzz_split_device input of
# fuzz/regressions/ and the first 40 of corpus/ becomes a case with
# `virtiocheck crash2case`; the cases must load (validate) and pass (run).
set -eu
vc=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out/cases"
n=0
for f in $( (ls -d "$src"/fuzz/regressions/fuzz_split_device/* 2>/dev/null || true; \
             ls -d "$src"/corpus/fuzz_split_device/* | head -40) | sort -u); do
	"$vc" crash2case "$f" -o "$out/cases/$(basename "$f").yaml"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no inputs"; exit 1; }
"$vc" validate --catalogue "$src/spec-cases/clauses.yaml" "$out/cases"
"$vc" run --jobs 2 --catalogue "$src/spec-cases/clauses.yaml" --report-dir "$out/report" "$out/cases"
echo "crash2case: $n inputs -> cases that load and pass"
