#!/usr/bin/env bash
# Builds a custom `telegraf` (v1.37.2) from the Go module proxy with only the plugins the peers
# benchmark uses (bench/peers-bench.ts: Mosquitto → Telegraf → InfluxDB), and caches the binary
# outside the repository, so only the first run on a machine pays for the build.
#
# Usage: scripts/install-telegraf.sh [--print-path]
#   (no option)   build if needed; the LAST line of stdout is the absolute path of telegraf
#   --print-path  print the cached binary's path if it is already built and runs, else exit 1
#
# Environment:
#   ENVMON_TELEGRAF_DIR  cache directory (default: ${XDG_CACHE_HOME:-~/.cache}/envmon/telegraf-v1.37.2)
#   TELEGRAF_BUILD_LOG   build log file (default: <cache directory>/build.log)
#
# Needs: Go >= 1.25 (no C compiler: the build is CGO_ENABLED=0, as Telegraf's own Makefile).
set -euo pipefail

readonly TELEGRAF_MODULE="github.com/influxdata/telegraf"
readonly TELEGRAF_VERSION="v1.37.2"
# `custom` drops every plugin not named (docs/CUSTOMIZATION.md, plugins/*/all/*.go build constraints).
# mqtt_consumer parses the devices' JSON with the json parser (json_v2 is kept for comparison);
# influxdb_v2 serializes line protocol itself, so no serializer is needed.
readonly BUILD_TAGS="custom,inputs.mqtt_consumer,outputs.influxdb_v2,parsers.json,parsers.json_v2"

cache_dir="${ENVMON_TELEGRAF_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envmon/telegraf-${TELEGRAF_VERSION}}"
TOOL_NAME="install-telegraf"
binary_name="telegraf"
version_args=(--version)
# shellcheck source=lib/cached-build.sh
source "$(dirname "$0")/lib/cached-build.sh"
prepare_cached_build "$@"

build_log="${TELEGRAF_BUILD_LOG:-$cache_dir/build.log}"
: >"$build_log"
log "building telegraf $TELEGRAF_VERSION with $BUILD_TAGS (several minutes on 2 cores)"
log "build log: $build_log"

require_go_1_25

make_work_dir

# `go install pkg@version` builds outside any main module (telegraf's go.mod has no replace
# directives, so it is allowed) and refuses -mod flags: clear GOFLAGS.
export GOFLAGS=""
export GOTOOLCHAIN=local
export CGO_ENABLED=0
# A private build cache, kept after a failure so a rerun resumes; removed after success.
export GOCACHE="$cache_dir/gocache"

run_logged() { # run a command with its output in the build log, at low priority
  log "+ $*"
  printf '\n+ %s\n' "$*" >>"$build_log"
  nice -n 10 "$@" >>"$build_log" 2>&1
}

build() {
  cd "$work_dir"
  log "+ go mod download -json $TELEGRAF_MODULE@$TELEGRAF_VERSION"
  go mod download -json "$TELEGRAF_MODULE@$TELEGRAF_VERSION" >"$work_dir/telegraf.json" 2>>"$build_log"
  # The proxy's module zip carries no commit; `telegraf --version` says "Telegraf 1.37.2".
  local ldflags="-s -w -X $TELEGRAF_MODULE/internal.Version=${TELEGRAF_VERSION#v}"
  GOBIN="$work_dir/bin" run_logged go install -trimpath -tags "$BUILD_TAGS" -ldflags "$ldflags" \
    "$TELEGRAF_MODULE/cmd/telegraf@$TELEGRAF_VERSION"

  "$work_dir/bin/telegraf" --version >&2 || die "the built telegraf does not run"
  local plugins
  plugins="$("$work_dir/bin/telegraf" plugins 2>/dev/null | tr '\n' ' ')"
  log "plugins: $plugins"
  chmod 0755 "$work_dir/bin/telegraf"
  mv -f "$work_dir/bin/telegraf" "$binary"
  rm -rf "$GOCACHE"
}

started_at=$(date +%s)
build
log "built $binary in $(($(date +%s) - started_at)) s ($(du -h "$binary" | cut -f1))"
printf '%s\n' "$binary"
