#!/usr/bin/env bash
# Builds the unit and simulation suites with RECTIFY_SANITIZE=ON (ASan, UBSan,
# LeakSanitizer) into their own build dir and runs them (docs/security.md).
# Only the test targets it runs are built. Any sanitizer report fails the run.
#   scripts/sanitize.sh [ctest args ...]
set -euo pipefail
cd "$(dirname "$0")/.."
"$(pwd)/scripts/setup.sh"
BUILD=${SANITIZE_BUILD_DIR:-build-asan}
SUITES=(shared_tests protocol_tests client_tests server_tests simulation_tests)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRECTIFY_SANITIZE=ON \
  -DRECTIFY_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${SUITES[@]}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Fewer simulation seeds than the plain run: the sanitizers cost ~3x.
export RECTIFY_SIM_SEEDS=${RECTIFY_SIM_SEEDS:-30}
cd "$BUILD"
regex="^($(IFS='|'; echo "${SUITES[*]}")):"
ctest --output-on-failure -j"$(nproc)" --timeout 900 -R "$regex" "$@"
