#!/usr/bin/env bash
# CI on a fresh Debian machine: system packages the tests need, then the README's commands.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# mosquitto + clients: interop and end-to-end tests; chromium: the browser test;
# libxml2-utils: CAP schema checks; docker-compose: checks docker-compose.yml without an engine.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  mosquitto mosquitto-clients chromium libxml2-utils docker-compose >/dev/null

# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded;
# node-gyp then uses this machine's Node headers instead of fetching them.
if [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

# A real InfluxDB 2 for the InfluxDB store's tests: built from the Go module proxy on the first
# run on a machine (Go and Rust; tens of minutes on 2 cores), then cached under ~/.cache.
$SUDO apt-get install -y -qq --no-install-recommends pkg-config build-essential >/dev/null
INFLUXD_PATH="$(scripts/install-influxdb.sh | tail -n 1)"
export INFLUXD_PATH

npm ci --no-audit --no-fund
npm run build
echo SETUP_DONE
