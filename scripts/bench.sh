#!/usr/bin/env bash
# Benchmarks against the physical limit (docs/PERFORMANCE.md).
# Builds Release into ${BUILD_DIR:-build-bench}, runs every bench and prints
# one JSON line per figure on stdout (build chatter goes to stderr).
#   scripts/bench.sh           full run (~10 minutes on 2 cores)
#   scripts/bench.sh --quick   smaller sizes (~1 minute)
# Exits non-zero if a bench failed (its error is on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(pwd)/scripts/setup.sh"
BUILD_DIR=${BUILD_DIR:-build-bench}
QUICK=()
if [ "${1:-}" = "--quick" ]; then QUICK=(--quick); fi
BENCHES=(bench_limit bench_local bench_push bench_pull bench_fanin bench_audit)

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$BUILD_DIR" --target rectifyd "${BENCHES[@]}" -j"${JOBS:-$(nproc)}" >&2

# The limit is measured first, in this run, and every other bench compares to it.
limit_out=$("$BUILD_DIR/bench/bench_limit" "${QUICK[@]}")
echo "$limit_out"
LIMIT=$(echo "$limit_out" | grep '"sqlite_limit_full"' | grep -o '"ops_per_s":[0-9.e+]*' | cut -d: -f2)

failed=0
for b in "${BENCHES[@]:1}"; do
  echo "running $b" >&2
  if ! "$BUILD_DIR/bench/$b" "${QUICK[@]}" --limit "$LIMIT"; then
    echo "bench: $b FAILED" >&2
    failed=1
  fi
done
exit $failed
