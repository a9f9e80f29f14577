#!/usr/bin/env bash
# Builds a self-contained bundle that runs Troupe (the troupe command, the GPU benchmarks and the GPU
# tests) on a GPU node with no Java and no network (README.md, "GPU nodes"):
#   .device/bundle/jre       a jlinked Java runtime (Temurin 25 from the build machine)
#   .device/bundle/lib       the project's jars and their runtime dependencies, without the CPU
#                            libtorch natives and without other platforms' natives
#   .device/bundle/jni       the JNI libraries of Bytedeco's GPU build, linked at run time against the
#                            node's own libtorch (mode "node", the default)
#   .device/bundle/bin/troupe  the launcher: bin/troupe [--libtorch DIR] COMMAND ...
#   .device/bundle.tar.xz    all of the above, to carry to the node
# Usage: scripts/gpu/make-bundle.sh [--natives node|bytedeco] [path-to-jdk-with-jlink]
#   node      (default) JNI libraries only; the node's libtorch (--libtorch DIR, TORCH_LIB, or the
#             node's Python torch) provides libtorch and CUDA. Small enough to carry.
#   bytedeco  Bytedeco's whole GPU natives jar (libtorch + CUDA, about 460 MB) for a node that has
#             neither; needs Maven access at build time.
set -euo pipefail
NATIVES=node
if [ "${1:-}" = "--natives" ]; then NATIVES=$2; shift 2; fi
case "$NATIVES" in node|bytedeco) ;; *) echo "--natives must be node or bytedeco" >&2; exit 2 ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JDK=${1:-${TROUPE_JLINK_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}}
OUT=$ROOT/.device
B=$OUT/bundle
PT_VERSION=2.10.0-1.5.13
JUNIT_CONSOLE=1.14.1
M2=${M2_REPO:-$HOME/.m2/repository}
MVN=${MVN:-"mvn -B -q"}

cd "$ROOT"
$MVN -DskipTests install
rm -rf "$B" && mkdir -p "$B/lib" "$B/jni" "$B/bin"

# Runtime dependencies of the command (cli) and the benchmarks (bench), plus the model and tensor
# test dependencies (the GPU tests run on the node through the JUnit console launcher).
: >"$OUT/cp.txt"
for spec in "cli runtime" "bench runtime" "model test"; do
  set -- $spec
  $MVN -pl "$1" dependency:build-classpath -Dmdep.includeScope="$2" -Dmdep.outputFile="$OUT/cp-$1.txt"
  tr ':' '\n' <"$OUT/cp-$1.txt" >>"$OUT/cp.txt"
done
sort -u "$OUT/cp.txt" | while read -r jar; do
  [ -n "$jar" ] || continue
  case "$(basename "$jar")" in
    troupe-*) ;;  # copied below from target/
    pytorch-*-linux-x86_64.jar) ;;  # CPU libtorch: the node brings its own
    openblas-*-linux-x86_64.jar)
      # JavaCPP loads the torch preset's parent, openblas (its JNI library), even when libtorch is
      # the node's, which never calls it. That JNI library binds libopenblas lazily
      # (no data relocations against it), so an empty library with libopenblas's soname stands in
      # for the 37 MB one: nothing of it is ever called.
      o="$B/lib/$(basename "$jar")"
      cp "$jar" "$o"
      d=org/bytedeco/openblas/linux-x86_64
      zip -q -d "$o" "$d/libjniopenblas_full.so" "$d/include/*" "$d/lib/*"
      # (Bytedeco's own libtorch links libopenblas for CPU BLAS: the "bytedeco" mode keeps it.)
      if [ "$NATIVES" = node ] && command -v cc >/dev/null; then
        s=$(mktemp -d) && mkdir -p "$s/$d"
        echo 'void troupe_openblas_stand_in(void) {}' >"$s/stub.c"
        cc -shared -fPIC -Wl,-soname,libopenblas.so.0 -o "$s/$d/libopenblas.so.0" "$s/stub.c"
        zip -q -d "$o" "$d/libopenblas.so.0" "$d/libgfortran.so.5" "$d/libquadmath.so.0"
        (cd "$s" && zip -q "$o" "$d/libopenblas.so.0") && rm -rf "$s"
      fi ;;
    lmdbjava-*|jnr-*|jffi-*|asm-*) ;;  # Pekko's durable distributed-data store (LMDB): unused
    jmh-*|commons-math3-*|jopt-simple-*) ;;  # JMH: the CPU benchmarks only, never run from here
    *) cp "$jar" "$B/lib/" ;;
  esac
done
scripts/gpu/project-jars.sh "$B/lib"

# Jars that carry natives for every platform: keep linux-x86_64 only.
for t in "$B"/lib/tokenizers-*.jar; do
  zip -q -d "$t" 'native/lib/osx-*' 'native/lib/win-*' 'native/lib/linux-aarch64/*' >/dev/null || true
done
for t in "$B"/lib/jna-*.jar; do
  unzip -Z1 "$t" | grep -E '^com/sun/jna/[a-z0-9]+-[^/]+/.+' | grep -v '^com/sun/jna/linux-x86-64/' \
    | xargs -r zip -q -d "$t" >/dev/null
done

# Stored (uncompressed) jars compress far better in the tar.xz than deflated ones.
for j in "$B"/lib/*.jar; do
  d=$(mktemp -d) && (cd "$d" && unzip -q "$j" && rm "$j" && zip -q -0 -r -X "$j" .) && rm -rf "$d"
done

$MVN dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_CONSOLE \
  -DoutputDirectory="$B" -Dmdep.stripVersion=true

GPU_JAR=$M2/org/bytedeco/pytorch/$PT_VERSION/pytorch-$PT_VERSION-linux-x86_64-gpu.jar
[ -f "$GPU_JAR" ] || $MVN dependency:get -Dartifact=org.bytedeco:pytorch:$PT_VERSION:jar:linux-x86_64-gpu
if [ "$NATIVES" = node ]; then
  # JNI libraries of the GPU build only (their libtorch/CUDA libraries are the node's).
  unzip -q -j -o "$GPU_JAR" 'org/bytedeco/pytorch/linux-x86_64-gpu/libjnitorch*.so' -d "$B/jni"
  # The CUDA runtime API (CUDA graphs).
  CUDA_VERSION=$(sed -n 's:.*<dep.cuda.version>\(.*\)</dep.cuda.version>.*:\1:p' pom.xml)
  CUDA_JAR=$M2/org/bytedeco/cuda/$CUDA_VERSION/cuda-$CUDA_VERSION-linux-x86_64.jar
  [ -f "$CUDA_JAR" ] || $MVN dependency:get -Dartifact=org.bytedeco:cuda:$CUDA_VERSION:jar:linux-x86_64
  # libtorch's CUDA API (torch_cuda: streams, allocator pools) loads the JNI libraries of the CUDA
  # presets it inherits, each linked against the node's CUDA library of that name.
  for l in cudart cublas cudnn cusparse cusolver cupti; do
    unzip -q -j -o "$CUDA_JAR" "org/bytedeco/cuda/linux-x86_64/libjni$l.so" -d "$B/jni"
  done
else
  cp "$GPU_JAR" "$B/lib/"
fi
echo "$NATIVES" >"$B/NATIVES"
cp scripts/gpu/bundle-launcher.sh "$B/bin/troupe"
chmod +x "$B/bin/troupe"

# A Java runtime with the modules the jars need.
MODULES=$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  -q --class-path "$B/lib/*" "$B"/lib/troupe-*.jar)
MODULES="$MODULES,jdk.unsupported,jdk.zipfs,jdk.crypto.ec"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-0 --output "$B/jre"

# java.desktop is there for java.beans (jinjava); its graphics, font and sound libraries are only
# loaded by AWT, which nothing here uses on a headless node.
for l in awt_xawt splashscreen jsound fontmanager freetype lcms mlib_image javajpeg jawt; do
  rm -f "$B/jre/lib/lib$l.so"
done

XZ_OPT="-9 -T0" tar -C "$OUT" -cJf "$OUT/bundle.tar.xz" bundle
echo "modules: $MODULES"
echo "bundle ($NATIVES natives):"
du -sh "$B/jre" "$B/lib" "$B/jni" "$OUT/bundle.tar.xz"
