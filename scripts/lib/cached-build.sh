# Shared by the scripts that build a tool from the Go module proxy and cache its binary outside the
# repository (install-influxdb.sh, install-telegraf.sh). Source it after setting:
#   TOOL_NAME        name used in log lines ("install-influxdb")
#   cache_dir        the cache directory for this version
#   binary_name      file name of the binary in cache_dir
#   version_args     arguments that make the binary print its version (a bash array)
# then call `prepare_cached_build "$@"`: it answers --help and --print-path, prints the cached
# binary's path and exits when it already works, and otherwise takes the build lock (one build per
# cache directory) and returns with `binary` set to the absolute path the build must produce.

log() { printf '[%s] %s\n' "$TOOL_NAME" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

cached_binary_works() {
  [ -x "$binary" ] && "$binary" "${version_args[@]}" >/dev/null 2>&1
}

print_cached_binary_and_exit() {
  printf '%s\n' "$binary"
  exit 0
}

prepare_cached_build() {
  binary="$cache_dir/$binary_name"
  case "${1:-}" in
    "") ;;
    --print-path)
      cached_binary_works && print_cached_binary_and_exit
      exit 1
      ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option '$1' (expected --print-path or nothing)" ;;
  esac
  if cached_binary_works; then print_cached_binary_and_exit; fi

  mkdir -p "$cache_dir"
  cache_dir="$(cd "$cache_dir" && pwd -P)"
  binary="$cache_dir/$binary_name"
  # One build at a time per cache directory; a second caller waits, then finds the binary.
  command -v flock >/dev/null 2>&1 || die "flock (util-linux) is required"
  exec 9>"$cache_dir/.lock"
  if ! flock -n 9; then
    log "another build is running (lock $cache_dir/.lock); waiting for it"
    flock 9
  fi
  if cached_binary_works; then print_cached_binary_and_exit; fi
}

require_go_1_25() {
  command -v go >/dev/null 2>&1 || die "go (>= 1.25) is required"
  local go_minor
  go_minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
  if [ -z "$go_minor" ] || [ "$go_minor" -lt 25 ]; then
    die "Go >= 1.25 is required, found $(go env GOVERSION)"
  fi
}

# Makes the build's scratch directory ($work_dir, inside the cache) and removes it on exit; a
# failed build shows the last lines of $build_log.
make_work_dir() {
  work_dir="$(mktemp -d "$cache_dir/build.XXXXXX")"
  trap on_build_exit EXIT
}

on_build_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "build FAILED (exit $status); last lines of $build_log:"
    tail -n 40 "$build_log" >&2 || true
  fi
  rm -rf "$work_dir"
}
