#!/usr/bin/env bash
# Copies Troupe's own jars (every module, built with mvn install) and the model, tensor and
# transport test classes (the GPU tests) into DEST: the bundle's lib (make-bundle.sh) or .device/extra
# (refresh-extra.sh).
# Usage: scripts/gpu/project-jars.sh DEST
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$1
mkdir -p "$DEST"
cd "$ROOT"
for m in proto runconfig testkit tensor model transport reward rollout learner coordinator cli bench; do
  cp "$m/target/troupe-$m-0.1.0-SNAPSHOT.jar" "$DEST/"
done
(cd model/target/test-classes && jar cf "$DEST/troupe-model-tests.jar" .)
(cd tensor/target/test-classes && jar cf "$DEST/troupe-tensor-tests.jar" .)
(cd transport/target/test-classes && jar cf "$DEST/troupe-transport-tests.jar" .)
