#!/usr/bin/env bash
# Browser end-to-end test of the school desk (docs/desk.md), run by ctest:
# a real district on loopback with a school device and an auditor device;
# the school's ledger holds only its profile (seed 004) and has synced once.
# The seed-004 ledger as .xlsx with a merged title row comes from the
# project's own writer (`rectify export --format xlsx` of a scratch ledger).
# `rectify desk` runs on that ledger; desk_e2e.mjs drives Debian's chromium
# (playwright-core) through the token link, the .xlsx import with preview,
# a status change, an evidence upload, sync and its summary, 已销号 after the
# auditor's verification, and prints both notices to A4 PDFs, whose text is
# checked here. Usage: desk_e2e.sh BUILD_DIR
set -euo pipefail
BIN=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x /usr/bin/chromium ] || [ ! -d "$BIN/node_modules/playwright-core" ]; then
  echo "desk e2e: needs /usr/bin/chromium and $BIN/node_modules/playwright-core (scripts/setup_e2e.sh)" >&2
  exit 1
fi
WORK=$(mktemp -d /tmp/rectify-desk-e2e-XXXXXX)
SERVER="" DESK=""
cleanup() {
  [ -n "$DESK" ] && kill "$DESK" 2>/dev/null
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
OUT="$BIN/desk-e2e"
mkdir -p "$OUT"

"$BIN/rectifyd" init --data district --hostname localhost >/dev/null
"$BIN/rectifyd" enroll --data district --school zhongshanlu --device office-pc --out id-office >/dev/null
"$BIN/rectifyd" enroll --data district --role auditor --device aud --out id-aud >/dev/null
"$BIN/rectifyd" serve --data district --listen 127.0.0.1:0 >server.out 2>server.log &
SERVER=$!
for _ in $(seq 1 100); do grep -q "^listening on" server.out 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's/^listening on //p' server.out | head -1)
[ -n "$ADDR" ] || { cat server.log >&2; exit 1; }

# The school's ledger: profile, inspection, next steps, accountability (seed 004).
PROFILE="$SRC/tests/data/seed004.profile.json"
j() { python3 -c "import json,sys; p=json.load(open('$PROFILE')); print($1)"; }
office() { "$BIN/rectify" --db office.db --author 办公室 --today 2023-06-25 "$@"; }
office init --school-id zhongshanlu --school-name "$(j 'p["school"]["name"]')" >/dev/null
office school edit --org-name "$(j 'p["school"]["org_name"]')" --phone "$(j 'p["school"]["phone"]')" \
  --postal "$(j 'p["school"]["postal"]')" --email "$(j 'p["school"]["email"]')" >/dev/null
office inspection add --group "$(j 'p["inspection"]["group_name"]')" --kind "$(j 'p["inspection"]["kind"]')" \
  --onsite-from "$(j 'p["inspection"]["onsite_from"]')" --onsite-to "$(j 'p["inspection"]["onsite_to"]')" \
  --feedback-date "$(j 'p["inspection"]["feedback_date"]')" --phase "$(j 'p["inspection"]["phase"]')" \
  --notice-date "$(j 'p["inspection"]["notice_date"]')" >/dev/null
for k in $(seq 0 $(($(j "len(p['next_steps'])") - 1))); do
  office next-step add --title "$(j "p['next_steps'][$k]['title']")" --text "$(j "p['next_steps'][$k]['text']")" >/dev/null
done
office accountability add --kind disposition --label "$(j 'p["accountability"][0]["label"]')" \
  --count 1 --note "$(j 'p["accountability"][0]["note"]')" >/dev/null
office sync --server "$ADDR" --identity id-office >/dev/null

# The Excel ledger: seed 004 with five responsible people, written by the
# project's .xlsx writer (a title row merged over the columns, then the header).
scratch() { "$BIN/rectify" --db scratch.db --author 录入 "$@"; }
scratch init --school-id zhongshanlu --school-name 中山路小学 >/dev/null
scratch import "$SRC/tests/data/seed004.csv" >/dev/null
NAMES=(张明华 李秀英 王建国 赵丽萍 刘志强)
for k in 0 1 2 3 4; do scratch problem edit $((k * 7 + 1)) --person "${NAMES[$k]}" >/dev/null; done
scratch export --format xlsx --out seed004.xlsx
python3 - <<'PY'
import zipfile
z = zipfile.ZipFile("seed004.xlsx")
sheet = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")][0]
assert b"<mergeCell " in z.read(sheet), "the workbook has no merged title row"
PY
echo "evidence for problem 1" > 整改照片.txt

office desk --no-browser >desk.out 2>desk.err &
DESK=$!
for _ in $(seq 1 100); do grep -q "http://127.0.0.1" desk.out 2>/dev/null && break; sleep 0.1; done
LINK=$(grep -o 'http://127.0.0.1:[0-9]*/login?token=[0-9a-f]*' desk.out | head -1)
[ -n "$LINK" ] || { cat desk.err >&2; exit 1; }
# Nothing answers on the machine's other addresses.
PORT=$(echo "$LINK" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|')
for ip in $(hostname -I 2>/dev/null) 127.0.0.2; do
  if curl -s -m 2 -o /dev/null "http://$ip:$PORT/"; then echo "desk answered on $ip" >&2; exit 1; fi
done

export DESK_LINK="$LINK" XLSX="$WORK/seed004.xlsx" EVIDENCE="$WORK/整改照片.txt" OUT_DIR="$OUT" \
       RECTIFY="$BIN/rectify" SYNC_ADDR="$ADDR" WORK_DIR="$WORK" NODE_PATH="$BIN/node_modules"
node "$SRC/tests/e2e/desk_e2e.mjs"

# The printed notices: the seed's figures, A4, no 责任人 name in the public one.
for edition in internal public; do
  pdf="$OUT/notice-$edition.pdf"
  size=$(pdfinfo "$pdf" | sed -n 's/^Page size: *\([0-9.]*\) x \([0-9.]*\) pts.*/\1 \2/p')
  python3 -c "w,h=map(float,'$size'.split()); assert abs(w-595.3)<2 and abs(h-841.9)<2, '$edition not A4: $size'"
  pdftotext -layout "$pdf" - | tr -d ' \n\t\f' >"$edition.txt"
  for figure in 巡察反馈的三个方面33个问题 其中33个问题已完成整改 完成率100% 第三方面：聚焦基层党组织建设; do
    grep -q "$figure" "$edition.txt" || { echo "$edition PDF lacks $figure" >&2; exit 1; }
  done
done
grep -q "（内部稿）" internal.txt && grep -q "（社会公开稿）" public.txt
for name in "${NAMES[@]}"; do
  grep -q "$name" internal.txt || { echo "internal PDF lacks 责任人 $name" >&2; exit 1; }
  if grep -q "$name" public.txt; then echo "public PDF names 责任人 $name" >&2; exit 1; fi
done
echo "notice PDFs: A4, 3 aspects and 33 problems, no 责任人 in the public one -> $OUT"
echo "desk e2e: OK"
