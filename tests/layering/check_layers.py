#!/usr/bin/env python3
"""The layers of docs/design.md, checked against the tree.

Reads the folder map (the table under "## Folder map" in docs/design.md:
folder | library | may use) and fails if
  - a source folder of the tree is not in the map, or the map names a folder
    that is not in the tree;
  - a file includes a project header from a folder its own folder may not use:
    a layer above it, or one below that the map does not list (the map names
    every folder a folder includes directly; the linker sees the rest).
Usage: check_layers.py REPO_ROOT. Prints every violation; exit 1 if any.
"""
import os
import re
import sys

SOURCE_ROOTS = ("shared", "protocol", "client", "server", "web")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_map(root):
    text = open(os.path.join(root, "docs", "design.md"), encoding="utf-8").read()
    start = text.index("## Folder map")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].endswith("/") or cells[0].startswith("-"):
            continue
        folder = cells[0].rstrip("/")
        uses = [u.strip().strip("`").rstrip("/") for u in cells[2].split(",")]
        rows[folder] = [u for u in uses if u and u != "—"]
    return rows


def source_folders(root):
    found = set()
    for top in SOURCE_ROOTS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            if any(f.endswith((".cpp", ".h")) for f in files):
                found.add(os.path.relpath(dirpath, root))
    return found


def main(root):
    rows = read_map(root)
    errors = []
    tree = source_folders(root)
    for f in sorted(tree - rows.keys()):
        errors.append(f"{f}/ is in the tree but not in the folder map of docs/design.md")
    for f in sorted(rows.keys() - tree):
        errors.append(f"{f}/ is in the folder map of docs/design.md but not in the tree")
    for folder in sorted(tree & rows.keys()):
        allowed = set(rows[folder]) | {folder}
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.endswith((".cpp", ".h")):
                continue
            path = os.path.join(folder, name)
            text = open(os.path.join(root, path), encoding="utf-8").read()
            for inc in INCLUDE.findall(text):
                target = os.path.dirname(inc)
                if target.split("/")[0] not in SOURCE_ROOTS:
                    continue
                if target not in allowed:
                    errors.append(f"{path} includes {inc}: {folder}/ may not use {target}/")
    for e in errors:
        print(e)
    print(f"{len(tree)} folders, {len(errors)} layering violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
