#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds every fuzz target of virtiocheck the OSS-Fuzz way: no CMake, the C
# sources of the model, the conformance library and the target compiled with
# $CC $CFLAGS, linked with $LIB_FUZZING_ENGINE and libyaml into $OUT/<target>.
# Next to each binary it puts <target>.dict, <target>.options and
# <target>_seed_corpus.zip (from corpus/<target>/).
#
# Environment (the OSS-Fuzz / ClusterFuzzLite base-builder sets all of these):
#   CC, CFLAGS           compiler and flags (sanitizer + -fsanitize=fuzzer-no-link)
#   LIB_FUZZING_ENGINE   link flags or archive of the fuzzing engine
#   OUT                  output directory (required)
#   SRC                  source root; default: the repository holding this script
#   WORK                 scratch directory for objects; default: $OUT/.work-virtiocheck
#
# Local use (libFuzzer + ASan):
#   CC=clang CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only \
#     -fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#     OUT=/tmp/ossfuzz-out fuzz/oss-fuzz/build.sh
#
# The catalogue of fuzz_case_loader. The target reads $VC_CATALOGUE or else
# VC_SOURCE_DIR "/spec-cases/clauses.yaml". $OUT is not a fixed path on
# ClusterFuzz (the build is unpacked elsewhere), so a compiled-in $OUT alone
# is not enough. This script therefore:
#   1. ships the catalogue as $OUT/spec-cases/clauses.yaml;
#   2. links into fuzz_case_loader a small constructor (generated below, not a
#      project source) that, when VC_CATALOGUE is unset, sets it to
#      <directory of /proc/self/exe>/spec-cases/clauses.yaml if that file
#      exists; so the binary finds the catalogue next to itself wherever the
#      build directory is moved;
#   3. compiles with VC_SOURCE_DIR="$OUT" as the last fallback (the path at
#      build time, which is also where `infra/helper.py run_fuzzer` mounts it).
# An explicit VC_CATALOGUE in the environment always wins.
set -eu

: "${OUT:?set OUT to the output directory}"
: "${CC:=clang}"
: "${CFLAGS:=}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
if [ -z "${SRC:-}" ]; then
	SRC=$(cd "$(dirname "$0")/../.." && pwd)
elif [ ! -f "$SRC/cmake/VcSources.cmake" ] && [ -f "$SRC/virtiocheck/cmake/VcSources.cmake" ]; then
	# OSS-Fuzz convention: $SRC is /src and the project is /src/virtiocheck
	SRC=$SRC/virtiocheck
fi
: "${WORK:=$OUT/.work-virtiocheck}"
[ -f "$SRC/cmake/VcSources.cmake" ] || { echo "build.sh: $SRC is not a virtiocheck tree" >&2; exit 1; }

mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)
OBJ=$WORK/virtiocheck-obj
mkdir -p "$OBJ"
echo "virtiocheck oss-fuzz build: SRC=$SRC OUT=$OUT WORK=$WORK"
echo "  CC=$CC"
echo "  CFLAGS=$CFLAGS"
echo "  LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"

# Source lists: read from cmake/VcSources.cmake so they never drift.
# cmake_list NAME FILE prints the entries of set(NAME ...) one per line.
cmake_list() {
	awk -v name="$1" '
		{ sub(/#.*/, "") }
		!on && $0 ~ "^[ \t]*set\\(" name "([ \t]|$)" { on = 1; sub("^[ \t]*set\\(" name, "") }
		on { done = sub(/\).*/, ""); n = split($0, w, /[ \t]+/)
		     for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
		     if (done) exit }' "$2"
}
MODEL_SOURCES=$(cmake_list VC_MODEL_SOURCES "$SRC/cmake/VcSources.cmake")
MODEL_INCLUDE_DIRS=$(cmake_list VC_MODEL_INCLUDE_DIRS "$SRC/cmake/VcSources.cmake")
CONFORMANCE_SOURCES=$(cmake_list VC_CONFORMANCE_SOURCES "$SRC/cmake/VcSources.cmake")
if [ -z "$MODEL_SOURCES" ] || [ -z "$MODEL_INCLUDE_DIRS" ] || [ -z "$CONFORMANCE_SOURCES" ]; then
	echo "build.sh: cannot read source lists from cmake/VcSources.cmake" >&2
	exit 1
fi

YAML_CFLAGS=$(pkg-config --cflags yaml-0.1 2>/dev/null || true)
# Link libyaml statically when its archive exists: the OSS-Fuzz runner image
# (base-runner) has no libyaml, only what is in $OUT. VC_YAML_LIBS overrides.
YAML_LIBDIR=$(pkg-config --variable=libdir yaml-0.1 2>/dev/null || true)
if [ -n "${VC_YAML_LIBS:-}" ]; then
	YAML_LIBS=$VC_YAML_LIBS
elif [ -n "$YAML_LIBDIR" ] && [ -f "$YAML_LIBDIR/libyaml.a" ]; then
	YAML_LIBS=$YAML_LIBDIR/libyaml.a
else
	YAML_LIBS=$(pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
	echo "build.sh: warning: no static libyaml, linking $YAML_LIBS dynamically" >&2
fi
echo "  libyaml: $YAML_LIBS"

INCS="-I$SRC/conformance -I$SRC/fuzz"
for d in $MODEL_INCLUDE_DIRS; do INCS="$INCS -I$SRC/model/$d"; done
STD="-std=gnu11"  # CMake: C_STANDARD 11 with extensions

compile() { # compile SOURCE OBJECT [extra flags...]
	src=$1 obj=$2
	shift 2
	echo "  CC $src"
	# shellcheck disable=SC2086
	$CC $CFLAGS $STD $INCS $YAML_CFLAGS "$@" -c "$src" -o "$obj"
}

echo "== library objects"
LIB_OBJS=""
for s in $MODEL_SOURCES; do
	o=$OBJ/model_$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')
	compile "$SRC/model/$s" "$o"
	LIB_OBJS="$LIB_OBJS $o"
done
for s in $CONFORMANCE_SOURCES; do
	o=$OBJ/conformance_$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')
	compile "$SRC/conformance/$s" "$o"
	LIB_OBJS="$LIB_OBJS $o"
done

# Constructor that points VC_CATALOGUE at the catalogue next to the binary
# (see the header comment). Generated here so no project source changes.
cat >"$OBJ/vc_catalogue_locator.c" <<'EOF'
/* Generated by fuzz/oss-fuzz/build.sh: find the catalogue next to the binary. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void vc_catalogue_locator(void) __attribute__((constructor));

static void vc_catalogue_locator(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;
	char *slash;

	if (getenv("VC_CATALOGUE"))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/spec-cases/clauses.yaml", exe);
	if (access(path, R_OK) == 0)
		setenv("VC_CATALOGUE", path, 0);
}
EOF
compile "$OBJ/vc_catalogue_locator.c" "$OBJ/vc_catalogue_locator.o"

TARGETS=$(cmake_list VC_FUZZ_TARGETS "$SRC/fuzz/CMakeLists.txt")
[ -n "$TARGETS" ] || { echo "build.sh: no targets in fuzz/CMakeLists.txt" >&2; exit 1; }

if command -v zip >/dev/null 2>&1; then
	ZIPPER=zip
elif command -v python3 >/dev/null 2>&1; then
	ZIPPER=python3
else
	echo "build.sh: need zip or python3 to make seed corpora" >&2
	exit 1
fi

make_zip() { # make_zip ZIPFILE DIR: the regular files of DIR, flat
	rm -f "$1"
	if [ "$ZIPPER" = zip ]; then
		(cd "$2" && find . -maxdepth 1 -type f -print | sort | zip -q -j "$1" -@)
	else
		python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
out, d = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            z.write(p, name)
EOF
	fi
}

echo "== catalogue -> $OUT/spec-cases/clauses.yaml"
mkdir -p "$OUT/spec-cases"
cp "$SRC/spec-cases/clauses.yaml" "$OUT/spec-cases/clauses.yaml"

for t in $TARGETS; do
	[ -f "$SRC/fuzz/$t.c" ] || { echo "== $t: no fuzz/$t.c, skipped"; continue; }
	echo "== $t"
	extra=""
	if [ "$t" = fuzz_case_loader ]; then
		extra="$OBJ/vc_catalogue_locator.o"
	fi
	# the target's own extra sources (custom mutators): set(VC_FUZZ_EXTRA_<t> ...)
	for s in $(cmake_list "VC_FUZZ_EXTRA_$t" "$SRC/fuzz/CMakeLists.txt"); do
		compile "$SRC/fuzz/$s" "$OBJ/${t}_${s%.c}.o"
		extra="$extra $OBJ/${t}_${s%.c}.o"
	done
	compile "$SRC/fuzz/$t.c" "$OBJ/$t.o" "-DVC_SOURCE_DIR=\"$OUT\""
	echo "  LD $OUT/$t"
	# shellcheck disable=SC2086
	$CC $CFLAGS "$OBJ/$t.o" $extra $LIB_OBJS $LIB_FUZZING_ENGINE $YAML_LIBS -o "$OUT/$t"
	for ext in dict options; do
		if [ -f "$SRC/fuzz/$t.$ext" ]; then
			cp "$SRC/fuzz/$t.$ext" "$OUT/$t.$ext"
			echo "  copied $t.$ext"
		fi
	done
	if [ -d "$SRC/corpus/$t" ]; then
		make_zip "$OUT/${t}_seed_corpus.zip" "$SRC/corpus/$t"
		echo "  seed corpus $OUT/${t}_seed_corpus.zip ($(find "$SRC/corpus/$t" -maxdepth 1 -type f | wc -l) files, $ZIPPER)"
	fi
done
echo "== done"
