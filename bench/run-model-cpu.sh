#!/usr/bin/env bash
# Builds the bench module and runs the model CPU benchmarks (JMH): prefill and decode tokens/s of a
# small random Qwen2-shaped model in fp32, with and without a LoRA adapter. Prints a table and
# writes bench/results/model-cpu.json. See bench/README.md.
#
# Usage: bench/run-model-cpu.sh [--quick] [results.json]
#   --quick        one short iteration per benchmark, to check that it runs (not a baseline)
#   results.json   where to write the results (default bench/results/model-cpu.json)
# Environment: MVN_ARGS, extra Maven arguments (e.g. -o to stay offline).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

# A run builds, it does not check: tests, dependency analysis and format checks belong to mvn verify.
# Packaged in one reactor build, so the class path names this work tree's jars (target/), not
# whatever snapshot another build last installed into the local repository.
# shellcheck disable=SC2086  # MVN_ARGS is a list of words
mvn -B -q ${MVN_ARGS:-} package dependency:build-classpath -pl bench -am \
    -DskipTests -Dmdep.analyze.skip=true -Dspotless.check.skip=true \
    -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt

# OpenBLAS's own thread pool fights libtorch's OpenMP threads for the cores (1.5-6x slower here);
# libtorch parallelises around BLAS calls itself. Troupe's launchers set the same default.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

# JMH forks one JVM per benchmark with this JVM's class path; the fork JVM options are set on the
# benchmark classes (@Fork). This JVM only runs JMH and reads libtorch's thread counts.
exec java -Xmx1g \
    -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 \
    -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" \
    dev.troupe.bench.model.ModelCpuBenchmarks "$@"
