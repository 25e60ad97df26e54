#!/usr/bin/env bash
# The main job end to end, on this machine only (loopback):
#   a district server on the embedded default (SQLite), an auditor issuing a
#   problem list, two school devices syncing, an offline conflict, a close-out
#   (销号), a rejected late edit, and a verified audit trail.
# Installs what it needs and builds first. Leaves its files in $DEMO_DIR
# (default: a fresh temporary directory) so you can look at them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
BIN=$(pwd)/${BUILD_DIR:-build}
DATA=$(pwd)/tests/data
DEMO_DIR=${DEMO_DIR:-$(mktemp -d /tmp/rectify-demo-XXXXXX)}
mkdir -p "$DEMO_DIR"
cd "$DEMO_DIR"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
rectifyd() { "$BIN/rectifyd" "$@"; }
as() {  # as DEVICE rectify-args...: one device, its own ledger and identity
  local dev=$1; shift
  run "$BIN/rectify" --db "$DEMO_DIR/$dev.db" --author "$dev" "$@"
}

step "The district: CA, server certificate, log-signing key; three enrolled devices"
run rectifyd init --data district --hostname localhost
run rectifyd enroll --data district --school xinghua --device office-pc --out id-office-pc
run rectifyd enroll --data district --school xinghua --device principal-laptop --out id-principal-laptop
run rectifyd enroll --data district --role auditor --device auditor --out id-auditor

step "rectifyd serve on loopback (TLS 1.3, mutual authentication)"
"$BIN/rectifyd" serve --data district --listen 127.0.0.1:0 >server.out 2>server.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" server.out 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' server.out | head -1)
echo "server at $ADDR (log: $DEMO_DIR/server.log)"

step "The auditor issues the problem list (问题清单) of 杏花学校 from a spreadsheet"
as auditor sync --server "$ADDR" --identity id-auditor --school xinghua
as auditor import "$DATA/seed000.csv"
as auditor sync

step "Two school devices join with empty ledgers and pull the list"
as office-pc sync --server "$ADDR" --identity id-office-pc
as principal-laptop sync --server "$ADDR" --identity id-principal-laptop
as office-pc stats

step "Offline, both edit the result of problem 1; then both sync"
as office-pc problem edit 1 --result "升旗台已完工，操场硬化完成"
as principal-laptop problem edit 1 --result "升旗台施工中，预计五月完工"
as office-pc sync
as principal-laptop sync
as office-pc sync
echo "--- both ledgers now hold the same value:"
as office-pc problem show 1 | grep -E "result"
as principal-laptop problem show 1 | grep -E "result"
echo "--- and both show the conflict, with both values and authors:"
as principal-laptop conflicts

step "Close-out: the school completes problem 1, the auditor verifies it (已销号)"
as office-pc problem status 1 已完成
as office-pc sync
as auditor sync
as auditor problem status 1 已销号
as auditor sync

step "A late offline edit of the verified problem is rejected and disappears"
as principal-laptop problem edit 1 --result "迟到的修改"
as principal-laptop sync
as principal-laptop problem show 1 | grep -E "status|result"

step "The school fills in its profile for the public notice (通报)"
as office-pc school edit --name 杏花学校 --org-name 中共城子河区杏花学校支部委员会 --phone 18646773896 --postal 158170 --email myfls@126.com
as office-pc inspection edit --group 区委第一巡察组 --kind 常规巡察 --onsite-from 2023-10-14 --onsite-to 2023-11-17 --feedback-date 2024-01-29 --plan-date 2024-02-19 --notice-date 2024-04-20
as office-pc next-step add --title 强化推进工程进展 --text "学校党支部上报区教育局安排一名校级领导负责监督检查操场硬化工程进度。"
as office-pc sync

step "Statistics, deadline warnings and the public notice"
as office-pc stats
as office-pc report --format md --out 通报.md
head -14 通报.md

step "The audit trail: a problem's history, an export verified offline"
as auditor audit history 1
as auditor audit export --out export
as auditor audit verify export --key id-auditor/log.pub
as office-pc audit prove 1

step "rectifyd verify: every school's tree rebuilt from its leaves and checked"
kill $SERVER; wait $SERVER 2>/dev/null || true
trap - EXIT
run rectifyd verify --data district

step "The district console: auditors review every school in a browser (docs/console.md)"
CONSOLE_PORT=${CONSOLE_PORT:-8443}
"$BIN/rectifyd" serve --data district --listen 127.0.0.1:0 --console "127.0.0.1:$CONSOLE_PORT" \
  >console.out 2>console.log &
CONSOLE_SERVER=$!
for _ in $(seq 1 100); do grep -q "^console on" console.out 2>/dev/null && break; sleep 0.1; done
CONSOLE_URL=$(sed -n 's/^console on //p' console.out | head -1)
if [ -z "$CONSOLE_URL" ]; then cat console.log >&2; exit 1; fi
LINK=$(rectifyd user add --data district --name demo-auditor --role auditor --url "$CONSOLE_URL" |
       sed -n 's/^one-time enrolment link (24 h): //p')

printf '\n\033[1mDemo finished.\033[0m Files are in %s\n' "$DEMO_DIR"
echo "The console is running (pid $CONSOLE_SERVER; stop it with: kill $CONSOLE_SERVER)"
echo "  console URL:          $CONSOLE_URL   (certificate from the district CA: $DEMO_DIR/district/ca.pem)"
echo "  one-time login link:  $LINK"
echo "  (open the link, set a password for demo-auditor, then log in)"
