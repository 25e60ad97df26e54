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
cmake --build "$BUILD_DIR" --target rectifyd "${BENCHES[@]}" bench_province -j"${JOBS:-$(nproc)}" >&2

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

# A province on PostgreSQL: RECTIFY_BENCH_PG, or a throwaway cluster made here
# (initdb as the postgres user when root, Unix socket only, synchronous commit on).
pg_dir=""
if [ -z "${RECTIFY_BENCH_PG:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$PG_BIN" ]; then
    pg_dir=$(mktemp -d /tmp/rectify-bench-pg-XXXXXX)
    AS=(); if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; AS=(runuser -u postgres --); fi
    "${AS[@]}" "$PG_BIN/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C >&2
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\nmax_connections = 300\n" \
      "$pg_dir" >> "$pg_dir/data/postgresql.conf"
    "${AS[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start >&2
    RECTIFY_BENCH_PG="postgresql:///postgres?host=$pg_dir&user=postgres"
  fi
fi
if [ -n "${RECTIFY_BENCH_PG:-}" ]; then
  echo "running bench_province" >&2
  if ! "$BUILD_DIR/bench/bench_province" "${QUICK[@]}" --pg "$RECTIFY_BENCH_PG"; then
    echo "bench: bench_province FAILED" >&2
    failed=1
  fi
else
  echo "bench: bench_province skipped: no PostgreSQL" >&2
fi
if [ -n "$pg_dir" ]; then
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m fast stop >&2 || true
  rm -rf "$pg_dir"
fi
exit $failed
