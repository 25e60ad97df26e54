#!/usr/bin/env python3
"""The records both systems sync (docs/PERFORMANCE.md, "Side by side with PouchDB").

Writes N ledger rows as a school keeps them: the CSV columns of
docs/csv-format.md, ten fields of Chinese text per row, varied per row from the
seed ledger's own sentences. The same rows go to a CSV (for `rectify import`)
and to JSON lines (one PouchDB document per row, the same fields).
    make_records.py SEED_CSV N OUT_CSV OUT_JSONL
"""
import csv
import json
import random
import sys

HEADER = ["序号", "方面", "类别", "问题", "问题详情", "整改措施", "责任部门", "责任人",
          "整改时限", "整改类型", "整改状态", "整改结果"]
STATUSES = ["未开始", "推进中", "已完成"]
KINDS = ["立行立改", "限期整改", "长期坚持"]
DEPTS = ["后勤处", "政教处", "教务处", "办公室", "总务处", "德育处", "党支部"]
OWNERS = ["后勤主任", "政教主任", "教务主任", "办公室主任", "校长", "副校长", "党支部书记"]


def main():
    seed_csv, n, out_csv, out_jsonl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with open(seed_csv, encoding="utf-8") as f:
        seed = list(csv.DictReader(f))
    aspects = sorted({r["方面"] for r in seed if r["方面"]})
    sentences = [r[c] for r in seed for c in ("问题", "整改措施", "整改结果") if r[c]]
    rng = random.Random(20261204)
    with open(out_csv, "w", encoding="utf-8", newline="") as fc, \
            open(out_jsonl, "w", encoding="utf-8") as fj:
        w = csv.writer(fc)
        w.writerow(HEADER)
        for i in range(1, n + 1):
            status = rng.choice(STATUSES)
            row = {
                "序号": str(i),
                "方面": aspects[i % len(aspects)],
                "类别": "",
                "问题": f"{rng.choice(sentences)[:60]}（第{i}项）",
                "问题详情": rng.choice(sentences)[:80],
                "整改措施": "；".join(rng.choice(sentences)[:50] for _ in range(2)),
                "责任部门": rng.choice(DEPTS),
                "责任人": rng.choice(OWNERS),
                "整改时限": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "整改类型": rng.choice(KINDS),
                "整改状态": status,
                "整改结果": rng.choice(sentences)[:120] if status != "未开始" else "",
            }
            w.writerow([row[h] for h in HEADER])
            doc = {"_id": f"problem-{i:06d}"}
            doc.update(row)
            fj.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
