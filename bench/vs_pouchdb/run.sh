#!/usr/bin/env bash
# Rectify against PouchDB 9 on the same records (docs/PERFORMANCE.md, "Side by
# side with PouchDB"). Builds Release rectify and rectifyd into
# ${BUILD_DIR:-build-bench}, installs PouchDB from npm into BUILD_DIR/npm-bench
# (the bench's own; never committed, never used by the tests), and prints one
# JSON line per figure.
#   bench/vs_pouchdb/run.sh [--records N] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
"$(pwd)/scripts/setup.sh" >&2
BUILD_DIR=${BUILD_DIR:-build-bench}
if [ -z "${SKIP_BUILD:-}" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$BUILD_DIR" --target rectify rectifyd -j"${JOBS:-$(nproc)}" >&2
fi
NPM_DIR="$BUILD_DIR/npm-bench"
if [ ! -d "$NPM_DIR/node_modules/pouchdb" ] || [ ! -d "$NPM_DIR/node_modules/express-pouchdb" ]; then
  mkdir -p "$NPM_DIR"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error \
    pouchdb@9 express-pouchdb@4 express@4 >&2
fi
exec python3 bench/vs_pouchdb/run.py --bin "$BUILD_DIR" --npm "$NPM_DIR/node_modules" "$@"
