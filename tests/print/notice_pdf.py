#!/usr/bin/env python3
"""The printed notice of the seed-004 fixture, through headless chromium.

Builds a ledger from tests/data/seed004.csv + seed004.profile.json with the
real `rectify` binary, gives five problems a responsible person, prints the
内部稿 and the 社会公开稿 as HTML (`rectify report --format html [--public]`),
renders both to A4 PDFs and a screenshot with chromium, extracts the text with
pdftotext, and checks: the seed's figures (3 aspects, 33 problems, all
completed), A4 pages, the names in the internal PDF and none in the public one,
the warnings not printed. Keeps the PDFs and the screenshot in OUT_DIR.
Usage: notice_pdf.py RECTIFY_BIN TEST_DATA_DIR OUT_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

NAMES = ["张明华", "李秀英", "王建国", "赵丽萍", "刘志强"]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if r.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def chromium(args, profile):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        sys.exit("chromium is not installed (scripts/setup.sh installs it)")
    run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile] + args)


def pdf_text(pdf):
    text = run(["pdftotext", "-layout", pdf, "-"]).stdout
    return re.sub(r"\s+", "", text)


def main(rectify, data, out):
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rectify-print-")
    try:
        db = os.path.join(work, "ledger.db")
        r = lambda *a: run([rectify, "--db", db, "--author", "打印测试"] + list(a))
        p = json.load(open(os.path.join(data, "seed004.profile.json"), encoding="utf-8"))
        s, i = p["school"], p["inspection"]
        r("init", "--school-id", s["id"], "--school-name", s["name"])
        # No e-mail: one consistency warning, which the screen shows and paper must not.
        r("school", "edit", "--org-name", s["org_name"], "--phone", s["phone"],
          "--postal", s["postal"])
        r("inspection", "add", "--group", i["group_name"], "--kind", i["kind"],
          "--onsite-from", i["onsite_from"], "--onsite-to", i["onsite_to"],
          "--feedback-date", i["feedback_date"], "--phase", i["phase"],
          "--notice-date", i["notice_date"])
        r("import", os.path.join(data, "seed004.csv"))
        for n in p["next_steps"]:
            r("next-step", "add", "--title", n["title"], "--text", n["text"])
        for a in p["accountability"]:
            r("accountability", "add", "--kind", a["kind"], "--label", a["label"],
              "--count", str(a["count"]), "--note", a["note"])
        for k, name in enumerate(NAMES):
            r("problem", "edit", str(k * 7 + 1), "--person", name)

        profile = os.path.join(work, "chromium")
        results = {}
        for edition, flags in (("internal", []), ("public", ["--public"])):
            html = os.path.join(out, f"notice-{edition}.html")
            pdf = os.path.join(out, f"notice-{edition}.pdf")
            r("report", "--format", "html", "--out", html, *flags)
            chromium(["--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + html], profile)
            results[edition] = pdf_text(pdf)
            page = open(html, encoding="utf-8").read()
            assert '<div class="warnings">' in page and "school.email" in page, "no warning shown"
            info = run(["pdfinfo", pdf]).stdout
            size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
            pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
            assert size, info
            w, h = float(size.group(1)), float(size.group(2))
            assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2, f"{edition}: not A4: {w} x {h}"
            assert pages >= 3, f"{edition}: {pages} page(s)"
            print(f"{edition}: {pages} A4 pages, {len(results[edition])} characters -> {pdf}")
        chromium(["--screenshot=" + os.path.join(out, "notice-public.png"),
                  "--window-size=1240,1754", "file://" + os.path.join(out, "notice-public.html")],
                 profile)

        for edition, text in results.items():
            for figure in ("巡察反馈的三个方面33个问题", "其中33个问题已完成整改", "完成率100%",
                           "第三方面：聚焦基层党组织建设", "33.二是混淆工会与教代会的概念与职能"):
                assert figure in text, f"{edition} PDF lacks {figure}"
            assert "发布前请核对" not in text, f"{edition}: the warnings were printed"
        assert "（内部稿）" in results["internal"] and "（社会公开稿）" in results["public"]
        for name in NAMES:
            assert name in results["internal"], f"internal PDF lacks 责任人 {name}"
            assert name not in results["public"], f"public PDF names 责任人 {name}"
        assert os.path.getsize(os.path.join(out, "notice-public.png")) > 10000
        print("ok: figures printed, A4, no 责任人 in the public notice, warnings not printed")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
