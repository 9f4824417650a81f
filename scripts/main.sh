#!/usr/bin/env bash
# The main job: build virtiocheck (release preset) and check the reference
# model, writing the report under reports/out/.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release
./build/release/virtiocheck selfcheck --report-dir reports/out
