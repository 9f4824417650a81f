#!/usr/bin/env bash
# The tests: every Check suite, the model self-check, the conformance suite,
# the broken-variant proofs, the HTML report in Chromium and the fuzz corpus
# replays under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset);
# then a short libFuzzer smoke of every fuzz target (fuzz preset); then a
# total of the Check assertions run.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset asan >/dev/null
cmake --build --preset asan
rm -rf build/asan/check-xml && mkdir -p build/asan/check-xml
export VC_CHECK_XML_DIR="$PWD/build/asan/check-xml"
ctest --preset asan -j2 | tee build/asan/ctest.log
# Total of the checks the suites ran, from Check's XML logs
# Fuzz smoke: every libFuzzer target for a few seconds from its corpus
# (fuzz preset: clang, libFuzzer + ASan + UBSan).
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz -j2 -R '^smoke_' | tee build/fuzz/ctest-smoke.log

checks=$(cat build/asan/check-xml/*.xml | grep -c '<test ' || true)
failed=$(cat build/asan/check-xml/*.xml | grep -c '<test result="\(failure\|error\)"' || true)
echo "Check suites under ASan+UBSan:"
echo "checks: $((checks - failed)) passed, ${failed} failed"
