#!/bin/bash -eu
# ClusterFuzzLite entry point: the real build is fuzz/oss-fuzz/build.sh, which
# uses $CC, $CFLAGS, $LIB_FUZZING_ENGINE, $SRC, $WORK and $OUT from the builder.
exec "$SRC/virtiocheck/fuzz/oss-fuzz/build.sh"
