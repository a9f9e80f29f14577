#!/usr/bin/env bash
# The troupe command inside a GPU bundle (scripts/gpu/make-bundle.sh):
#   bin/troupe [--libtorch DIR] COMMAND ARGS...     COMMAND: run, sft, eval, node, generate, ...
#   bin/troupe [--libtorch DIR] --main CLASS ARGS... another main class (the GPU benchmarks)
#   bin/troupe [--libtorch DIR] --junit ARGS...      the JUnit console launcher (the GPU tests)
# With a bundle built with "node" natives, libtorch and its CUDA libraries are the node's: the
# folder given by --libtorch (or TORCH_LIB), else the lib folder of the node's Python torch.
set -euo pipefail
B=$(cd "$(dirname "$0")/.." && pwd)
LIBTORCH=${TORCH_LIB:-}
if [ "${1:-}" = "--libtorch" ]; then LIBTORCH=$2; shift 2; fi
JAVA_OPTS=(-Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0
  -Dorg.bytedeco.javacpp.platform.extension=-gpu --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED)
if [ "$(cat "$B/NATIVES" 2>/dev/null || echo node)" = node ]; then
  if [ -z "$LIBTORCH" ]; then
    LIBTORCH=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null) || {
      echo "troupe: no libtorch: pass --libtorch DIR (the folder of libtorch_cuda.so) or set TORCH_LIB" >&2
      exit 2
    }
  fi
  if [ ! -f "$LIBTORCH/libtorch_cuda.so" ]; then
    echo "troupe: $LIBTORCH has no libtorch_cuda.so (--libtorch wants libtorch's lib folder)" >&2
    exit 2
  fi
  # The CUDA libraries of a pip-installed torch live beside it under nvidia/.
  NV=$(cd "$LIBTORCH/../../nvidia" 2>/dev/null && pwd || true)
  EXTRA=""
  for d in cu13/lib cudnn/lib nccl/lib cusparselt/lib nvshmem/lib cublas/lib cuda_runtime/lib; do
    if [ -n "$NV" ] && [ -d "$NV/$d" ]; then EXTRA="$NV/$d:$EXTRA"; fi
  done
  export LD_LIBRARY_PATH="$B/jni:$LIBTORCH:$EXTRA${LD_LIBRARY_PATH:-}"
  JAVA_OPTS+=("-Djava.library.path=$B/jni:$LIBTORCH")
fi
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
JARS=$(ls "$B"/lib/*.jar | tr '\n' ':')
# Freshly built jars carried beside an older bundle come first.
if [ -n "${TROUPE_EXTRA_JARS:-}" ]; then
  JARS="$(ls "$TROUPE_EXTRA_JARS"/*.jar | tr '\n' ':')$JARS"
fi
case "${1:-}" in
  --main) MAIN=$2; shift 2; exec "$B/jre/bin/java" ${TROUPE_JAVA_OPTS:-} "${JAVA_OPTS[@]}" -cp "$JARS" "$MAIN" "$@" ;;
  --junit) shift; exec "$B/jre/bin/java" ${TROUPE_JAVA_OPTS:-} "${JAVA_OPTS[@]}" \
      -jar "$B/junit-platform-console-standalone.jar" execute --class-path "$JARS" \
      --disable-banner "$@" ;;
  *) exec "$B/jre/bin/java" ${TROUPE_JAVA_OPTS:-} "${JAVA_OPTS[@]}" -cp "$JARS" dev.troupe.cli.Main "$@" ;;
esac
