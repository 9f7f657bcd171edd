#!/usr/bin/env bash
# Install otwatch's build and test dependencies from Debian's packages.
# Idempotent: installs only what is missing. Works as root or through sudo.
set -euo pipefail
pkgs=(meson ninja-build pkg-config gcc clang libfuzzer-14-dev libclang-rt-14-dev
      libdpdk-dev dpdk liburcu-dev liblmdb-dev lmdb-utils libnng-dev libssl-dev
      libcjson-dev libcivetweb-dev civetweb libpcap-dev libcmocka-dev
      tshark libndpi-bin python3 python3-cryptography iproute2 procps ieee-data chromium
      wrk)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer no, quietly
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
