#!/bin/sh
# Print the fuzz targets, one per line, from the VC_FUZZ_TARGETS list of
# fuzz/CMakeLists.txt: the one list every script reads.
sed -n '/^set(VC_FUZZ_TARGETS/,/^)/{/^set(/d;/^)/d;s/#.*//;s/[[:space:]]//g;/./p}' \
	"$(dirname "$0")/CMakeLists.txt"
