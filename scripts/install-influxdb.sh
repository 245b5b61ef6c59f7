#!/usr/bin/env bash
# Builds `influxd` (InfluxDB OSS v2.9.1) from the Go module proxy and caches the binary outside
# the repository, so only the first run on a machine pays for the build (Go + Rust libflux).
#
# Usage: scripts/install-influxdb.sh [--print-path]
#   (no option)   build if needed; the LAST line of stdout is the absolute path of influxd
#   --print-path  print the cached binary's path if it is already built and runs, else exit 1
#
# Environment:
#   ENVMON_INFLUXDB_DIR  cache directory (default: ${XDG_CACHE_HOME:-~/.cache}/envmon/influxdb-v2.9.1)
#   INFLUXDB_BUILD_LOG   build log file (default: <cache directory>/build.log)
#
# Needs: Go >= 1.25, cargo (stable Rust), a C compiler and the system pkg-config
# (installed with apt-get when missing and running as root).
set -euo pipefail

readonly INFLUXDB_MODULE="github.com/influxdata/influxdb/v2"
readonly INFLUXDB_VERSION="v2.9.1"
readonly PKG_CONFIG_MODULE="github.com/influxdata/pkg-config"
readonly BUILD_TAGS="sqlite_foreign_keys,sqlite_json"

cache_dir="${ENVMON_INFLUXDB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envmon/influxdb-${INFLUXDB_VERSION}}"
TOOL_NAME="install-influxdb"
binary_name="influxd"
version_args=(version)
# shellcheck source=lib/cached-build.sh
source "$(dirname "$0")/lib/cached-build.sh"
prepare_cached_build "$@"

build_log="${INFLUXDB_BUILD_LOG:-$cache_dir/build.log}"
: >"$build_log"
log "building influxd $INFLUXDB_VERSION (Go + Rust libflux; about 10 minutes on 2 cores)"
log "build log: $build_log"

# --- prerequisites -----------------------------------------------------------------------
if ! command -v pkg-config >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing pkg-config with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$build_log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pkg-config >>"$build_log" 2>&1
  else
    die "the system pkg-config is missing; install it (apt-get install pkg-config)"
  fi
fi
system_pkg_config="$(command -v pkg-config)"
require_go_1_25
command -v cargo >/dev/null 2>&1 || die "cargo (stable Rust) is required to build libflux"
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || die "a C compiler (cc/gcc) is required"


# --- build environment -------------------------------------------------------------------
make_work_dir

export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=1
# A private Go build cache: influxdata/pkg-config copies the read-only flux sources into
# $GOCACHE/pkgconfig and builds libflux there; keeping it with the cache directory lets a
# rerun after a failure resume the cargo build instead of starting over. Removed after success.
export GOCACHE="$cache_dir/gocache"
# flux pins Rust 1.83 in rust-toolchain.toml; its default `strict` feature denies warnings
# that newer compilers emit. Use the installed stable toolchain and keep warnings as warnings.
export RUSTUP_TOOLCHAIN="${RUSTUP_TOOLCHAIN:-stable}"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cap-lints=warn"
export CARGO_TERM_COLOR=never
# The system pkg-config truncates the file named by PKG_CONFIG_LOG; never let it be the build log.
unset PKG_CONFIG_LOG

go_mod_field() { # <json file> <field>: the first string value of that field in `go mod download -json`
  sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" "$1" | head -n 1
}

run_logged() { # run a command with its output in the build log, at low priority
  log "+ $*"
  printf '\n+ %s\n' "$*" >>"$build_log"
  nice -n 10 "$@" >>"$build_log" 2>&1
}

build() {
  cd "$work_dir"
  log "+ go mod download -json $INFLUXDB_MODULE@$INFLUXDB_VERSION"
  go mod download -json "$INFLUXDB_MODULE@$INFLUXDB_VERSION" >"$work_dir/influxdb.json" 2>>"$build_log"
  local influxdb_go_mod influxdb_commit influxdb_info influxdb_date
  influxdb_go_mod="$(go_mod_field "$work_dir/influxdb.json" GoMod)"
  influxdb_commit="$(go_mod_field "$work_dir/influxdb.json" Hash)"
  influxdb_info="$(go_mod_field "$work_dir/influxdb.json" Info)"
  influxdb_date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$influxdb_info" 2>/dev/null || true)"
  [ -f "$influxdb_go_mod" ] || die "could not find influxdb's go.mod (see $work_dir/influxdb.json)"

  # `go install pkg@version` refuses modules with replace directives, so build from a
  # throwaway main module that requires influxdb and repeats its replace directives.
  local go_directive
  go_directive="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$influxdb_go_mod" | head -n 1)"
  {
    printf 'module envmon.local/influxd-build\n\ngo %s\n\n' "$go_directive"
    printf 'require %s %s\n\n' "$INFLUXDB_MODULE" "$INFLUXDB_VERSION"
    # single-line replace directives and replace ( ... ) blocks
    awk '
      /^replace[ \t]*\($/ { inblock = 1; print; next }
      inblock { print; if ($0 ~ /^\)/) inblock = 0; next }
      /^replace[ \t]/ { print }
    ' "$influxdb_go_mod"
  } >"$work_dir/go.mod"
  log "wrapper go.mod:"
  sed 's/^/    /' "$work_dir/go.mod" >&2

  # Resolve the full module graph (same versions as influxdb's own go.mod, by MVS).
  run_logged go get "$INFLUXDB_MODULE/cmd/influxd@$INFLUXDB_VERSION"
  run_logged go get "$PKG_CONFIG_MODULE"

  # influxdata/pkg-config copies the read-only flux sources into $GOCACHE/pkgconfig unless
  # they are already there; an interrupted copy would be reused as is, so copy them atomically.
  local flux_version flux_dir flux_copy
  flux_version="$(go list -m -f '{{.Version}}' github.com/influxdata/flux)"
  flux_dir="$(go list -m -f '{{.Dir}}' github.com/influxdata/flux)"
  flux_copy="$GOCACHE/pkgconfig/github.com/influxdata/flux@$flux_version"
  if [ ! -d "$flux_copy" ]; then
    mkdir -p "$(dirname "$flux_copy")"
    rm -rf "$flux_copy.partial"
    cp -R "$flux_dir" "$flux_copy.partial"
    chmod -R u+w "$flux_copy.partial"
    mv "$flux_copy.partial" "$flux_copy"
  fi
  log "flux $flux_version sources for libflux: $flux_copy"

  # The Go build asks `pkg-config` for flux; InfluxData's pkg-config then builds libflux
  # with cargo and passes every other request to the system pkg-config found later on PATH.
  mkdir -p "$work_dir/bin"
  run_logged go build -o "$work_dir/bin/pkg-config" "$PKG_CONFIG_MODULE"
  export PATH="$work_dir/bin:$PATH"
  unset PKG_CONFIG
  log "system pkg-config: $system_pkg_config; wrapper: $(command -v pkg-config)"

  # As influxdb's GNUmakefile: Flux's assembly only works on amd64 and s390x.
  local tags="$BUILD_TAGS"
  case "$(go env GOARCH)" in amd64 | s390x) ;; *) tags="$tags,noasm" ;; esac
  local ldflags="-s -w -X main.version=$INFLUXDB_VERSION -X main.commit=${influxdb_commit:0:7} -X main.date=$influxdb_date"
  run_logged go build -tags "$tags" -ldflags "$ldflags" -o "$work_dir/influxd" \
    "$INFLUXDB_MODULE/cmd/influxd"

  "$work_dir/influxd" version >&2 || die "the built influxd does not run"
  chmod 0755 "$work_dir/influxd"
  mv -f "$work_dir/influxd" "$binary"
  # The build cache (about 2 GB) only served this build; the binary is what is kept.
  rm -rf "$GOCACHE"
}

started_at=$(date +%s)
build
log "built $binary in $(($(date +%s) - started_at)) s ($(du -h "$binary" | cut -f1))"
printf '%s\n' "$binary"
