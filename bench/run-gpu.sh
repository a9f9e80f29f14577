#!/usr/bin/env bash
# The GPU benchmarks, both systems in one job on one GPU (bench/README.md, "GPU"): random bf16
# models of Qwen2.5-0.5B and -1.5B shape made by transformers, then transformers + PEFT
# (bench/gpu/hf_baseline.py) and Troupe (dev.troupe.bench.gpu.GpuBenchmarks, from the GPU bundle)
# on the same models: rollout tokens/s, one GRPO learner step (seconds, peak memory), one end-to-end
# GRPO step, kernel launches per decode step (CUPTI). Writes gpu-{rollout,learner,e2e}.json.
#
# Run on the GPU node, from the repository root, with the bundle (scripts/gpu/make-bundle.sh) at
# .device/bundle.tar.xz or unpacked at $TROUPE_BUNDLE:
#   bench/run-gpu.sh [--quick] [RESULTS_DIR]     (default RESULTS_DIR: $OUT or bench/results)
# HF_JSON=FILE reuses the Python side's figures of an earlier job instead of measuring them again;
# LEARNER_JSON_DIR=DIR reuses both systems' learner-step figures (learner-*.json) of an earlier job;
# PROBES_DIR=DIR the op probe and decode launch counts (op-probe.txt, launch-*.txt).
# The results name what was reused.
# PART=python, then PART=troupe with the same RESULTS_DIR and MODELS on the same node, splits the
# job in two commands (for a per-command time limit): the first makes the models and measures the
# Python side, the second Troupe's, the launch counts and the combined files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=""
PART=${PART:-all}
case "$PART" in all|python|troupe) ;; *) echo "PART must be all, python or troupe, got '$PART'" >&2; exit 2;; esac
if [ "${1:-}" = "--quick" ]; then QUICK=--quick; shift; fi
RESULTS=${1:-${OUT:-$ROOT/bench/results}}
RAW=$RESULTS/raw
mkdir -p "$RAW"
BUNDLE=${TROUPE_BUNDLE:-/tmp/bundle}
[ -d "$BUNDLE" ] || tar -C "$(dirname "$BUNDLE")" -xJf .device/bundle.tar.xz
MODELS=${MODELS:-/tmp/troupe-gpu-models}
TROUPE_MAIN="$BUNDLE/bin/troupe --main"
TROUPE="$TROUPE_MAIN dev.troupe.bench.gpu.GpuBenchmarks"
export TROUPE_JAVA_OPTS="${TROUPE_JAVA_OPTS:--Xmx16g}"

nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv | tee "$RAW/gpu.txt"
python3 bench/gpu/hf_baseline.py make "$MODELS"

if [ "$PART" != troupe ]; then
  if [ -n "${HF_JSON:-}" ]; then
    cp "$HF_JSON" "$RAW/hf.json"  # the Python side's figures from an earlier job on this GPU kind
  else
    python3 bench/gpu/hf_baseline.py bench "$MODELS" "$RAW/hf.json" $QUICK 2>&1 | tee "$RAW/hf.log"
  fi
  # The learner step, each system alone in a fresh process: the GPU memory a process holds at
  # the end (nvidia-smi) is then that step's peak, measured the same way for both systems.
  for shape in qwen2.5-0.5b qwen2.5-1.5b; do
    if [ -n "${LEARNER_JSON_DIR:-}" ]; then
      cp "$LEARNER_JSON_DIR"/learner-hf-$shape*.json "$RAW/"
    else
      python3 bench/gpu/hf_baseline.py learner "$MODELS" $shape "$RAW/learner-hf-$shape.json" $QUICK 2>&1 | tail -1
    fi
  done
fi
[ "$PART" = python ] && exit 0
for f in hf.json learner-hf-qwen2.5-0.5b.json learner-hf-qwen2.5-1.5b.json; do
  [ -f "$RAW/$f" ] || { echo "$RAW/$f is missing: run PART=python first (same RESULTS_DIR)" >&2; exit 2; }
done

# The launch counter (CUPTI), built here against the node's CUPTI; skipped if none is found.
NV=$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])' 2>/dev/null || true)
CUPTI_H=$(find /usr/local/cuda*/extras/CUPTI/include /usr/local/cuda*/include ${NV:+"$NV"} -name cupti.h 2>/dev/null | head -1 || true)
CUPTI_LIB=$(find /usr/local/cuda*/extras/CUPTI/lib64 ${NV:+"$NV"} -name 'libcupti.so*' 2>/dev/null | head -1 || true)
COUNTER=""
if [ -n "$CUPTI_H" ] && [ -n "$CUPTI_LIB" ] && cc -shared -fPIC -O2 bench/gpu/launch_counter.c \
    -I"$(dirname "$CUPTI_H")" -I/usr/local/cuda/include "$CUPTI_LIB" -Wl,-rpath,"$(dirname "$CUPTI_LIB")" -o /tmp/liblaunchcount.so; then
  COUNTER=/tmp/liblaunchcount.so
else
  echo "no CUPTI found (header '$CUPTI_H', library '$CUPTI_LIB'): launches per step not counted"
fi

$TROUPE bench "$MODELS" "$RAW/troupe.json" $QUICK 2>&1 | tee "$RAW/troupe.log"
for shape in qwen2.5-0.5b qwen2.5-1.5b; do
  if [ -n "${LEARNER_JSON_DIR:-}" ]; then
    cp "$LEARNER_JSON_DIR"/learner-troupe-$shape*.json "$RAW/"  # learner figures of an earlier job
    continue
  fi
  for chunk in 64 384; do
    $TROUPE learner "$MODELS" $shape $chunk "$RAW/learner-troupe-$shape-$chunk.json" $QUICK 2>&1 | tail -1
  done
  # Recomputed activations (troupe.learner.recompute-activations): the low-memory setting.
  $TROUPE learner "$MODELS" $shape 64 "$RAW/learner-troupe-$shape-64-recompute.json" $QUICK --recompute 2>&1 | tail -1
done
if [ -n "${PROBES_DIR:-}" ]; then
  # The op probe and the launch counts of an earlier job (decode launches do not depend on
  # the learner); saves the device minutes they take.
  cp "$PROBES_DIR"/op-probe.txt "$PROBES_DIR"/launch-*.txt "$RAW/"
else
  $TROUPE_MAIN dev.troupe.bench.gpu.GpuOpProbe > "$RAW/op-probe.txt" 2>&1 || true
fi

if [ -n "$COUNTER" ] && [ -z "$QUICK" ] && [ -z "${PROBES_DIR:-}" ]; then
  for n in 16 48; do
    LD_PRELOAD=$COUNTER TROUPE_LAUNCH_COUNT_FILE=$RAW/launch-hf-$n.txt \
      python3 bench/gpu/hf_baseline.py probe "$MODELS" qwen2.5-0.5b $n
    LD_PRELOAD=$COUNTER TROUPE_LAUNCH_COUNT_FILE=$RAW/launch-troupe-$n.txt \
      $TROUPE probe "$MODELS" qwen2.5-0.5b $n graph
    # The same steps launched op by op: every kernel a decode step runs (the graph's content).
    LD_PRELOAD=$COUNTER TROUPE_LAUNCH_COUNT_FILE=$RAW/launch-troupe-eager-$n.txt \
      $TROUPE probe "$MODELS" qwen2.5-0.5b $n eager
  done
fi
REUSED="${HF_JSON:+transformers/PEFT rollout and e2e figures from $HF_JSON; }${LEARNER_JSON_DIR:+learner-step figures (both systems) from $LEARNER_JSON_DIR; }${PROBES_DIR:+op probe and launch counts from $PROBES_DIR}" \
  python3 bench/gpu/combine.py "$RAW" "$MODELS" "$RESULTS"
