#!/usr/bin/env bash
# The main job: build virtiocheck (release preset), check the reference
# model end to end, then run the conformance suite spec-cases/ against it.
# Reports (JSON, JUnit, HTML) go to reports/out/; the HTML path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release
./build/release/virtiocheck selfcheck --report-dir reports/out
./build/release/virtiocheck run --report-dir reports/out spec-cases/
