#!/usr/bin/env bash
# The tests: every Check suite and the model self-check under
# AddressSanitizer + UndefinedBehaviorSanitizer (asan preset), then a total
# of the Check assertions run.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset asan >/dev/null
cmake --build --preset asan
rm -rf build/asan/check-xml && mkdir -p build/asan/check-xml
export VC_CHECK_XML_DIR="$PWD/build/asan/check-xml"
ctest --preset asan -j2 | tee build/asan/ctest.log
# Total of the checks the suites ran, from Check's XML logs
checks=$(cat build/asan/check-xml/*.xml | grep -c '<test ' || true)
failed=$(cat build/asan/check-xml/*.xml | grep -c '<test result="\(failure\|error\)"' || true)
echo "Check suites under ASan+UBSan:"
echo "checks: $((checks - failed)) passed, ${failed} failed"
