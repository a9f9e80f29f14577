#!/usr/bin/env bash
# Runs JUnit tests from an unpacked bundle on a GPU node, e.g.
#   scripts/gpu/junit.sh --select-class dev.troupe.model.CudaParityTest
# Unpacks .device/bundle.tar.xz to /tmp if needed; reports go to ${OUT:-/tmp}/junit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -d /tmp/bundle ] || tar -C /tmp -xJf "$ROOT/.device/bundle.tar.xz"
source "$ROOT/scripts/gpu/env.sh" /tmp/bundle
REPORTS=${OUT:-/tmp}/junit
# Jars in .device/extra (freshly built project jars, carried beside an older bundle) come first.
EXTRA=$(ls "$ROOT"/.device/extra/*.jar 2>/dev/null | tr '\n' ':' || true)
cd "$ROOT"
# shellcheck disable=SC2086
exec "$JAVA" $JAVA_OPTS -Dtroupe.repo.root="$ROOT" -Dtroupe.results.dir="${OUT:-/tmp}" \
  -jar /tmp/bundle/junit-platform-console-standalone.jar execute \
  --class-path "$EXTRA$(ls /tmp/bundle/lib/*.jar | tr '\n' ':')" \
  --reports-dir "$REPORTS" --details=tree --disable-banner "$@"
