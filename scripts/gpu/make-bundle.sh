#!/usr/bin/env bash
# Builds a self-contained bundle to run Troupe (and its GPU tests) on a GPU node that has no Java,
# no network and only a Python install of PyTorch (README.md, "GPU nodes"):
#   .device/bundle/jre    a jlinked Java runtime (Temurin 25 from the build machine)
#   .device/bundle/lib    the project's jars and their dependencies, without the CPU libtorch natives
#   .device/bundle/jni    the JNI libraries of Bytedeco's GPU build, linked at run time against the
#                         node's own libtorch (LD_LIBRARY_PATH, set by scripts/gpu/env.sh)
#   .device/bundle.tar.xz all of the above, to carry to the node
# Usage: scripts/gpu/make-bundle.sh [path-to-jdk-with-jlink]
set -euo pipefail
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
rm -rf "$B" && mkdir -p "$B/lib" "$B/jni"

# Runtime and test dependencies of the model module (tests run on the node through the JUnit
# console launcher), minus the CPU natives of libtorch: the node brings its own libtorch.
$MVN -pl model dependency:build-classpath -DincludeScope=test -Dmdep.outputFile="$OUT/cp.txt"
tr ':' '\n' <"$OUT/cp.txt" | while read -r jar; do
  case "$(basename "$jar")" in
    pytorch-*-linux-x86_64.jar) ;;  # CPU libtorch: replaced by the node's
    openblas-*-linux-x86_64.jar)
      # JavaCPP loads the torch preset's parent, openblas (no-LAPACK flavour), even when libtorch
      # is the node's: keep its JNI libraries and the BLAS they link, drop the "full" flavour.
      cp "$jar" "$B/lib/"
      zip -q -d "$B/lib/$(basename "$jar")" \
        'org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so' \
        'org/bytedeco/openblas/linux-x86_64/include/*' 'org/bytedeco/openblas/linux-x86_64/lib/*' ;;
    *) cp "$jar" "$B/lib/" ;;
  esac
done
for m in testkit tensor model; do
  cp "$m/target/troupe-$m-0.1.0-SNAPSHOT.jar" "$B/lib/"
done
(cd model/target/test-classes && jar cf "$B/lib/troupe-model-tests.jar" .)
(cd tensor/target/test-classes && jar cf "$B/lib/troupe-tensor-tests.jar" .)

# DJL's tokenizer jar carries natives for every platform; keep linux-x86_64 only.
for t in "$B"/lib/tokenizers-*.jar; do
  zip -q -d "$t" 'native/lib/osx-*' 'native/lib/win-*' 'native/lib/linux-aarch64/*' >/dev/null || true
done

# Stored (uncompressed) jars compress far better in the tar.xz than deflated ones.
for j in "$B"/lib/*.jar; do
  d=$(mktemp -d) && (cd "$d" && unzip -q "$j" && rm "$j" && zip -q -0 -r -X "$j" .) && rm -rf "$d"
done

$MVN dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_CONSOLE \
  -DoutputDirectory="$B" -Dmdep.stripVersion=true

# JNI libraries of the GPU build only (their libtorch/CUDA libraries are the node's).
GPU_JAR=$M2/org/bytedeco/pytorch/$PT_VERSION/pytorch-$PT_VERSION-linux-x86_64-gpu.jar
[ -f "$GPU_JAR" ] || $MVN dependency:get -Dartifact=org.bytedeco:pytorch:$PT_VERSION:jar:linux-x86_64-gpu
unzip -q -j -o "$GPU_JAR" 'org/bytedeco/pytorch/linux-x86_64-gpu/libjnitorch*.so' -d "$B/jni"

# A Java runtime with the modules the jars need.
MODULES=$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  -q --class-path "$B/lib/*" "$B"/lib/troupe-*.jar)
MODULES="$MODULES,jdk.unsupported,jdk.zipfs,jdk.crypto.ec"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-0 --output "$B/jre"

XZ_OPT="-9 -T0" tar -C "$OUT" -cJf "$OUT/bundle.tar.xz" bundle
echo "modules: $MODULES"
du -sh "$B/jre" "$B/lib" "$B/jni" "$OUT/bundle.tar.xz"
