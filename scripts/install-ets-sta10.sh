#!/usr/bin/env bash
# Fetches the OGC conformance test suite for SensorThings (ets-sta10 1.5, the all-in-one jar)
# from Maven Central with Maven, and caches it outside the repository.
#
# Usage: scripts/install-ets-sta10.sh    the LAST line of stdout is the absolute path of the jar
#
# Environment:
#   ENVMON_ETS_DIR  cache directory (default: ${XDG_CACHE_HOME:-~/.cache}/envmon/ets-sta10-1.5)
#
# Needs: Java 17 and Maven (Debian: openjdk-17-jre-headless maven).
set -euo pipefail

readonly ARTIFACT="org.opengis.cite:ets-sta10:1.5:jar:aio"
cache_dir="${ENVMON_ETS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/envmon/ets-sta10-1.5}"
jar="$cache_dir/ets-sta10-1.5-aio.jar"

if [ ! -s "$jar" ]; then
  command -v mvn >/dev/null 2>&1 || { echo "install-ets-sta10: Maven (mvn) is needed" >&2; exit 1; }
  mkdir -p "$cache_dir"
  echo "install-ets-sta10: fetching $ARTIFACT" >&2
  mvn -q -B dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$cache_dir" >&2
fi
java -version >/dev/null 2>&1 || { echo "install-ets-sta10: Java 17 is needed" >&2; exit 1; }
echo "$jar"
