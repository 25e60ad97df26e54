#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang (ASan + UBSan, own
# build dir) and runs each for N seconds (docs/security.md, "Fuzzing").
#   scripts/fuzz.sh [--seconds N] [--jobs J] [harness ...]
# Seeds come from make_corpus (the project's own encoders); the growing
# corpus lives in $FUZZ_DIR/corpus/<harness>, crashes in $FUZZ_DIR/crashes.
# Exit 1 if any harness crashes; the reproducer path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=10
JOBS=1
HARNESSES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) HARNESSES+=("$1"); shift ;;
  esac
done
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_DIR=${FUZZ_DIR:-$BUILD/fuzz}
CLANG=${FUZZ_CXX:-clang++-14}
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (scripts/setup.sh installs it)" >&2; exit 2; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$BUILD/build.ninja" ]; then
  CXX="$CLANG" cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRECTIFY_FUZZ=ON -DRECTIFY_WERROR=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target fuzz_all
if [ ${#HARNESSES[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do HARNESSES+=("$(basename "$f" .cpp)"); done
fi
rm -rf "$FUZZ_DIR/seeds"
"$BUILD/tests/fuzz/make_corpus" "$FUZZ_DIR/seeds"
mkdir -p "$FUZZ_DIR/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
parallel=()
# -jobs=1 would still fork a child that logs to ./fuzz-0.log: only for J > 1.
if [ "$JOBS" -gt 1 ]; then parallel=(-jobs="$JOBS" -workers="$JOBS"); fi
failed=()
for h in "${HARNESSES[@]}"; do
  corpus="$FUZZ_DIR/corpus/$h"
  mkdir -p "$corpus" "$FUZZ_DIR/seeds/$h"
  log="$FUZZ_DIR/$h.log"
  # -rss_limit_mb: a decoder that allocates what its input claims is a crash.
  if "$BUILD/tests/fuzz/$h" -max_total_time="$SECONDS_PER" -rss_limit_mb=1024 \
      -malloc_limit_mb=256 -max_len=65536 -timeout=10 "${parallel[@]}" \
      -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/crashes/$h-" \
      "$corpus" "$FUZZ_DIR/seeds/$h" >"$log" 2>&1; then
    stats=$(grep -E "DONE|^stat::number_of_executed_units" "$log" | tr -s ' \t\n' ' ')
    echo "fuzz: $h ok (${SECONDS_PER}s) $stats"
  else
    echo "fuzz: $h FAILED; log $log; reproducer:" >&2
    grep -E "Test unit written to|SUMMARY" "$log" >&2 || tail -20 "$log" >&2
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
