#!/usr/bin/env bash
# Builds the bench module and runs the tensor-transport benchmark: throughput and latency of the
# tensor channel over IPC and UDP (loopback) for tensors from 4 KB to 1 GB, against an in-process
# memory copy and a TCP socket measured in the same run, and the time of one LoRA adapter sync
# (Qwen2.5-0.5B shape, 8.8M parameters) from a learner to 4 subscriber processes. Prints a table
# and writes bench/results/transport.json. See bench/README.md.
#
# Usage: bench/run-transport.sh [--quick] [results.json]
#   --quick        sizes up to 64 MB and fewer repetitions, to check that it runs (not a baseline)
#   results.json   where to write the results (default bench/results/transport.json)
# Environment: MVN_ARGS, extra Maven arguments (e.g. -o to stay offline).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

# shellcheck disable=SC2086  # MVN_ARGS is a list of words
mvn -B -q ${MVN_ARGS:-} package dependency:build-classpath -pl bench -am \
    -DskipTests -Dmdep.analyze.skip=true -Dspotless.check.skip=true \
    -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt

export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# Agrona's buffer code needs sun.nio.ch open on Java 17. The child JVMs (receivers, subscribers)
# are started by the benchmark with the same class path and flags.
exec java -Xmx2g ${BENCH_JAVA_OPTS:-} \
    -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" \
    dev.troupe.bench.transport.TransportBenchmarks "$@"
