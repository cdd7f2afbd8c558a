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

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
updated=0
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  updated=1
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# promtool, to check GET /metrics in the tests. Debian ships it only inside the `prometheus`
# package, whose install would start a Prometheus server on this machine: take the one static
# binary out of the package instead (into /usr/local/bin, nothing else touched).
if ! command -v promtool >/dev/null 2>&1; then
  echo "install-deps: extracting promtool from Debian's prometheus package"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ((updated)) || $sudo apt-get update -qq
  (cd "$work" && apt-get download -qq prometheus 2>/dev/null && dpkg-deb -x prometheus_*.deb x)
  $sudo install -m 0755 "$work/x/usr/bin/promtool" /usr/local/bin/promtool
fi
