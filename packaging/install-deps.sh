#!/usr/bin/env bash
# Installs the Debian 12 packages jiaoying needs to build, test and run the demo.
# Idempotent: packages already present are left alone; apt-get update runs only when
# something is missing. Must run as root (or with sudo available).
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcurl4-openssl-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libfmt-dev
  doctest-dev libpugixml-dev libspdlog-dev libcli11-dev libkainjow-mustache-dev
  libsystemd-dev libssl-dev libarchive-dev libxmlsec1-dev curl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
