#!/usr/bin/env bash
# Installs every Debian package the build, tests and demo need.
# Idempotent: when everything is present it only checks, and is quick.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config git ca-certificates openssl
      libasio-dev libssl-dev libsqlite3-dev sqlite3 libcereal-dev doctest-dev
      libcli11-dev libzstd-dev nlohmann-json3-dev libspdlog-dev python3
      libzip-dev libexpat1-dev libxlsxwriter-dev
      librestinio-dev libfmt-dev libhttp-parser-dev libkainjow-mustache-dev nodejs
      chromium poppler-utils fonts-noto-cjk
      libpq-dev postgresql dpkg-dev systemd  # province store; .deb check (check_packages.sh)
      clang-14 libclang-rt-14-dev)  # clang + libFuzzer for scripts/fuzz.sh
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
