#!/usr/bin/env bash
# Rebuilds the project's own jars into .device/extra, to carry beside an existing bundle when only
# Troupe's code changed (scripts/gpu/junit.sh puts them first on the class path).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
${MVN:-mvn -B -q} -DskipTests install -pl testkit,tensor,model
rm -rf .device/extra && mkdir -p .device/extra
for m in testkit tensor model; do cp "$m/target/troupe-$m-0.1.0-SNAPSHOT.jar" .device/extra/; done
(cd model/target/test-classes && jar cf "$ROOT/.device/extra/troupe-model-tests.jar" .)
(cd tensor/target/test-classes && jar cf "$ROOT/.device/extra/troupe-tensor-tests.jar" .)
du -sh .device/extra
