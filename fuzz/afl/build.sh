#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds every fuzz target for AFL++: the same sources and outputs as
# fuzz/oss-fuzz/build.sh (which this script calls), compiled with
# afl-clang-fast and linked with AFL++'s libFuzzer-compatible driver
# libAFLDriver.a (it calls LLVMFuzzerInitialize / LLVMFuzzerTestOneInput).
#
# Usage: fuzz/afl/build.sh OUT_DIR
#   env AFL_CC       compiler (default afl-clang-fast)
#       AFL_DRIVER   path of libAFLDriver.a (default: searched, see below)
#       CFLAGS       default "-O2 -g"; AFL_USE_ASAN=1 / AFL_USE_UBSAN=1 work
#                    as usual with afl-clang-fast
#       WORK         scratch directory (default OUT_DIR/.work-virtiocheck)
#
# Run, e.g.:
#   unzip -d seeds OUT/fuzz_negotiation_seed_corpus.zip
#   afl-fuzz -i seeds -o findings -x OUT/fuzz_negotiation.dict -- OUT/fuzz_negotiation
# (libFuzzer dictionaries use the AFL dictionary format.) fuzz_case_loader
# finds its catalogue in OUT/spec-cases/ (or set VC_CATALOGUE).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
: "${AFL_CC:=afl-clang-fast}"
: "${CFLAGS:=-O2 -g}"

command -v "$AFL_CC" >/dev/null 2>&1 || { echo "afl build: $AFL_CC not found (install AFL++)" >&2; exit 1; }

if [ -z "${AFL_DRIVER:-}" ]; then
	bindir=$(dirname "$(command -v "$AFL_CC")")
	for d in ${AFL_PATH:+"$AFL_PATH"} /usr/lib/afl /usr/local/lib/afl "$bindir/../lib/afl" "$bindir"; do
		if [ -f "$d/libAFLDriver.a" ]; then
			AFL_DRIVER=$d/libAFLDriver.a
			break
		fi
	done
fi
if [ -z "${AFL_DRIVER:-}" ] || [ ! -f "$AFL_DRIVER" ]; then
	echo "afl build: libAFLDriver.a not found; set AFL_DRIVER" >&2
	exit 1
fi
echo "afl build: CC=$AFL_CC driver=$AFL_DRIVER OUT=$OUT"

# libAFLDriver.a of AFL++ 4.04c (Debian) links without -lstdc++.
CC=$AFL_CC
LIB_FUZZING_ENGINE=$AFL_DRIVER
WORK=${WORK:-$OUT/.work-virtiocheck}
export CC CFLAGS LIB_FUZZING_ENGINE OUT SRC WORK
exec "$SRC/fuzz/oss-fuzz/build.sh"
