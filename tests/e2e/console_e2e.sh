#!/usr/bin/env bash
# Browser end-to-end test of the district console (docs/console.md), run by
# ctest: a real district on loopback, a school device that imports and syncs
# the seed-000 ledger, an auditor enrolled through the one-time link; then
# console_e2e.mjs drives Debian's chromium (playwright-core) through enrolment,
# login, the overview (numbers checked against the device's own `rectify
# stats`), a problem's history, 销号, and the refusals; finally the device
# syncs and must show 已销号. Usage: console_e2e.sh BUILD_DIR
set -euo pipefail
BIN=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x /usr/bin/chromium ] || [ ! -d "$BIN/node_modules/playwright-core" ]; then
  echo "console e2e: needs /usr/bin/chromium and $BIN/node_modules/playwright-core (scripts/setup_e2e.sh)" >&2
  exit 1
fi
WORK=$(mktemp -d /tmp/rectify-console-e2e-XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$BIN/rectifyd" init --data district --hostname localhost >/dev/null
"$BIN/rectifyd" enroll --data district --school xinghua --device office-pc --out id-office >/dev/null
"$BIN/rectifyd" enroll --data district --school lihua --device lihua-pc --out id-lihua >/dev/null
PORT=$(free_port)
"$BIN/rectifyd" serve --data district --listen 127.0.0.1:0 --console "127.0.0.1:$PORT" \
  --console-today 2024-04-25 >server.out 2>server.log &
SERVER=$!
for _ in $(seq 1 100); do grep -q "^console on" server.out 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' server.out | head -1)
URL=$(sed -n 's/^console on //p' server.out | head -1)
[ -n "$URL" ] || { cat server.log >&2; exit 1; }

office() { "$BIN/rectify" --db office.db --author 办公室 "$@"; }
office sync --server "$ADDR" --identity id-office >/dev/null
office import "$SRC/tests/data/seed000.csv" >/dev/null
office school edit --name 杏花学校 >/dev/null
office sync >/dev/null
# A second school whose problem title is markup.
lihua() { "$BIN/rectify" --db lihua.db --author 梨花 "$@"; }
lihua sync --server "$ADDR" --identity id-lihua >/dev/null
lihua problem add --title '<script>alert(1)</script>' --deadline 2024-06-30 >/dev/null
lihua sync >/dev/null

ENROL=$("$BIN/rectifyd" user add --data district --name wang --role auditor --url "$URL" |
        sed -n 's/^one-time enrolment link (24 h): //p')
echo 'viewer-pass-1' | "$BIN/rectifyd" user add --data district --name zhao --role viewer --password-stdin >/dev/null
echo 'limited-pass-1' | "$BIN/rectifyd" user add --data district --name li --role auditor \
  --school lihua --password-stdin >/dev/null

office --json stats > stats.json
export CONSOLE_URL="$URL" ENROL_LINK="$ENROL" STATS_JSON="$WORK/stats.json" \
       SCREENSHOT="$BIN/console-overview.png" NODE_PATH="$BIN/node_modules"
node "$SRC/tests/e2e/console_e2e.mjs"

# The school's device receives the console's op on its next sync.
office sync >/dev/null
office problem show 2 | tee show.txt | grep -q "已销号" || { cat show.txt >&2; exit 1; }
echo "device shows problem 2 已销号 after sync"
# TLS 1.2 is refused on the console port.
if openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 </dev/null >tls12.txt 2>&1; then
  echo "console accepted TLS 1.2" >&2; exit 1
fi
openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null 2>&1 | grep -q "TLSv1.3"
echo "console e2e: OK"
