#!/usr/bin/env python3
"""Rectify against PouchDB 9 on the same records (docs/PERFORMANCE.md,
"Side by side with PouchDB"). Prints one JSON line per figure.

Rectify: `rectify import` of the CSV, then `rectify sync` of that ledger to a
fresh `rectifyd serve` (mutual TLS 1.3 on loopback, the audit log on), then a
second device's first `rectify sync` (its whole pull). PouchDB: the same rows
as documents, replicated over HTTP on loopback to express-pouchdb, then into an
empty database. Both sides run in this one run on this machine, so the ratios
compare like with like even when the machine is busy.

    run.py --bin BUILD_DIR --npm NODE_MODULES_DIR [--records N] [--work DIR]
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def run(args, **kw):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"vs_pouchdb: {' '.join(map(str, args[:3]))} failed:\n{r.stderr}")
    return r.stdout


def timed(args, **kw):
    t = time.perf_counter()
    out = run(args, **kw)
    return time.perf_counter() - t, out


def file_bytes(path):
    return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))


def emit(**fields):
    print(json.dumps({"bench": "vs_pouchdb", **fields}, ensure_ascii=False), flush=True)


def rectify_side(bin_dir, work, csv_path, n):
    rectify, rectifyd = bin_dir / "rectify", bin_dir / "rectifyd"
    district = work / "district"
    run([rectifyd, "init", "--data", district, "--hostname", "localhost"])
    for dev in ("pc1", "pc2"):
        run([rectifyd, "enroll", "--data", district, "--school", "s1", "--device", dev,
             "--out", work / f"id-{dev}"])
    log = open(work / "server.log", "w")
    server = subprocess.Popen([rectifyd, "serve", "--data", district, "--listen", "127.0.0.1:0",
                               "--threads", "2"], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening on "):
            sys.exit(f"vs_pouchdb: rectifyd did not start: {line}")
        addr = line.split()[-1]
        pc1 = [rectify, "--db", work / "pc1.db", "--author", "bench"]
        run(pc1 + ["init", "--school-id", "s1", "--school-name", "基准学校"])
        import_s, _ = timed(pc1 + ["import", csv_path])
        ops = json.loads(run(pc1 + ["--json", "status"]))["pending_ops"]
        push_s, _ = timed(pc1 + ["sync", "--server", addr, "--identity", work / "id-pc1"])
        pc2 = [rectify, "--db", work / "pc2.db", "--author", "bench2"]
        pull_s, _ = timed(pc2 + ["sync", "--server", addr, "--identity", work / "id-pc2"])
        total = json.loads(run(pc2 + ["--json", "stats"]))
    finally:
        server.terminate()
        server.wait()
        log.close()
    got = total.get("total", total.get("problems", n))
    if got != n:
        sys.exit(f"vs_pouchdb: the second device holds {got} problems, not {n}")
    return {"import_s": import_s, "push_s": push_s, "pull_s": pull_s, "ops": ops,
            "ledger_bytes": file_bytes(work / "pc1.db"),
            "server_bytes": file_bytes(district / "rectifyd.db")}


def pouchdb_side(npm_dir, work, jsonl):
    env = dict(os.environ, NODE_PATH=str(npm_dir))
    out = run(["node", HERE / "pouchdb_side.js", jsonl, work / "pouchdb"], env=env)
    phases = {}
    for line in out.splitlines():
        d = json.loads(line)
        phases[d["phase"]] = d
    return phases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, type=pathlib.Path)
    ap.add_argument("--npm", required=True, type=pathlib.Path)
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--work", type=pathlib.Path)
    a = ap.parse_args()
    work = a.work or pathlib.Path(tempfile.mkdtemp(prefix="rectify-vs-pouchdb-"))
    work.mkdir(parents=True, exist_ok=True)
    n = a.records
    csv_path, jsonl = work / "records.csv", work / "records.jsonl"
    run([sys.executable, HERE / "make_records.py", ROOT / "tests/data/seed000.csv", n, csv_path,
         jsonl])
    r = rectify_side(a.bin.resolve(), work, csv_path, n)
    p = pouchdb_side(a.npm.resolve(), work, jsonl)
    for phase, ours in (("push", r["push_s"]), ("pull", r["pull_s"])):
        theirs = p[phase]["seconds"]
        if p[phase]["records"] != n:
            sys.exit(f"vs_pouchdb: PouchDB moved {p[phase]['records']} records in {phase}, not {n}")
        emit(figure=f"first_{phase}", records=n, rectify_s=round(ours, 3),
             rectify_records_per_s=round(n / ours), pouchdb_s=round(theirs, 3),
             pouchdb_records_per_s=round(n / theirs), ratio_to_pouchdb=round(theirs / ours, 2),
             target_ratio=10)
    emit(figure="import", records=n, seconds=round(r["import_s"], 3), target_seconds=0.5)
    emit(figure="space", records=n, ops=r["ops"],
         ledger_bytes_per_problem=round(r["ledger_bytes"] / n),
         server_bytes_per_op=round(r["server_bytes"] / max(r["ops"], 1)),
         target_ledger_bytes_per_problem=1200, target_server_bytes_per_op=1500)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
