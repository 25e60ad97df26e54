#!/usr/bin/env bash
# Sets up, builds and runs every test (ctest). Exit code is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
scripts/setup_e2e.sh  # playwright-core for the console's browser test
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
