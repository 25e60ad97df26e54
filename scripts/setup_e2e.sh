#!/usr/bin/env bash
# Installs the browser-test driver: playwright-core from npm into the build
# folder (never committed; the browser is Debian's chromium from setup.sh).
# Idempotent and quick when already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
PLAYWRIGHT_VERSION=1.49.1
mkdir -p "$BUILD_DIR"
if [ -f "$BUILD_DIR/node_modules/playwright-core/package.json" ] &&
   grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$BUILD_DIR/node_modules/playwright-core/package.json"; then
  exit 0
fi
echo "setup_e2e: installing playwright-core@$PLAYWRIGHT_VERSION into $BUILD_DIR/node_modules" >&2
# No browser download: playwright-core drives /usr/bin/chromium.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$BUILD_DIR" --no-save --no-audit \
  --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION"
