#!/usr/bin/env bash
# Builds the Debian packages from the build folder (cpack), installs them with
# dpkg -i, runs the installed binaries, checks the systemd unit with
# systemd-analyze verify, and purges the packages again. Needs root (dpkg).
# Usage: scripts/check_packages.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-${BUILD_DIR:-build}}
skip() { echo "check_packages: SKIPPED: $*" >&2; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack systemd-analyze; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh)"
done
# Never replace (and then purge) packages someone installed on this machine.
for pkg in rectify rectifyd; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    skip "package $pkg is already installed here"
  fi
done
cmake --build "$BUILD_DIR" --target rectify rectifyd >/dev/null
out=$(mktemp -d)
trap 'dpkg --purge rectify rectifyd >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
(cd "$BUILD_DIR" && cpack -G DEB -B "$out" >/dev/null)
debs=("$out"/rectify_*.deb "$out"/rectifyd_*.deb)
for deb in "${debs[@]}"; do
  [ -f "$deb" ] || { echo "check_packages: missing $deb" >&2; exit 1; }
  echo "== $(basename "$deb")"
  dpkg-deb -f "$deb" Package Version Depends
done
dpkg-deb -f "$out"/rectifyd_*.deb Depends | grep -q libpq5 ||
  { echo "check_packages: rectifyd does not declare libpq5" >&2; exit 1; }
dpkg -i "${debs[@]}" >/dev/null
/usr/bin/rectifyd --version
/usr/bin/rectify --version
getent passwd rectifyd >/dev/null || { echo "check_packages: no rectifyd user" >&2; exit 1; }
systemd-analyze verify /lib/systemd/system/rectifyd.service
dpkg --purge rectify rectifyd >/dev/null
if [ -e /usr/bin/rectifyd ] || [ -e /usr/bin/rectify ]; then
  echo "check_packages: binaries left after dpkg --purge" >&2
  exit 1
fi
echo "check_packages: OK"
