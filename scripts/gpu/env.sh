# Sourced on a GPU node: points the JVM of an unpacked bundle at the node's own libtorch and CUDA
# libraries (those of its Python torch), and sets JAVA and JAVA_OPTS.
# Usage: source scripts/gpu/env.sh [bundle-dir] [libtorch-lib-dir]
TROUPE_BUNDLE=${1:-${TROUPE_BUNDLE:-/tmp/bundle}}
TORCH_LIB=${2:-${TORCH_LIB:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')}}
NV=$(cd "$TORCH_LIB/../../nvidia" 2>/dev/null && pwd || true)
for d in cu13/lib cudnn/lib nccl/lib cusparselt/lib nvshmem/lib cublas/lib cuda_runtime/lib; do
  [ -n "$NV" ] && [ -d "$NV/$d" ] && LD_LIBRARY_PATH="$NV/$d:${LD_LIBRARY_PATH:-}"
done
export LD_LIBRARY_PATH="$TROUPE_BUNDLE/jni:$TORCH_LIB:${LD_LIBRARY_PATH:-}"
export JAVA="$TROUPE_BUNDLE/jre/bin/java"
export JAVA_OPTS="-Dorg.bytedeco.javacpp.platform.extension=-gpu -Djava.library.path=$TROUPE_BUNDLE/jni:$TORCH_LIB -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0"
export TROUPE_CLASSPATH="$TROUPE_BUNDLE/lib/*"
