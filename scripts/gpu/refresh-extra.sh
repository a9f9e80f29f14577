#!/usr/bin/env bash
# Rebuilds the project's own jars into .device/extra, to carry beside an existing bundle when only
# Troupe's code changed (the bundle's launcher puts $TROUPE_EXTRA_JARS first on the class path;
# scripts/gpu/junit.sh sets it to .device/extra).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
${MVN:-mvn -B -q} -DskipTests install
rm -rf .device/extra
scripts/gpu/project-jars.sh "$ROOT/.device/extra"
du -sh .device/extra
