#!/usr/bin/env bash
# Runs JUnit tests on a GPU node through the bundle's launcher, e.g.
#   scripts/gpu/junit.sh --select-class dev.troupe.model.CudaParityTest
# Unpacks .device/bundle.tar.xz to /tmp if needed; jars in .device/extra (refresh-extra.sh) come
# first; reports go to ${OUT:-/tmp}/junit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -d /tmp/bundle ] || tar -C /tmp -xJf "$ROOT/.device/bundle.tar.xz"
[ -d "$ROOT/.device/extra" ] && export TROUPE_EXTRA_JARS="$ROOT/.device/extra"
export TROUPE_JAVA_OPTS="${TROUPE_JAVA_OPTS:-} -Dtroupe.repo.root=$ROOT -Dtroupe.results.dir=${OUT:-/tmp}"
cd "$ROOT"
exec /tmp/bundle/bin/troupe --junit --reports-dir "${OUT:-/tmp}/junit" --details=tree "$@"
