#!/usr/bin/env python3
"""Joins the two systems' GPU figures (hf.json, troupe.json, launch counts) into
bench/results/gpu-{rollout,learner,e2e}.json, each with both systems and a ratio, and prints a table.
  combine.py RAW_DIR MODELS_DIR RESULTS_DIR
"""
import json
import os
import sys

raw, models, results = sys.argv[1:4]
hf = json.load(open(os.path.join(raw, "hf.json")))
tr = json.load(open(os.path.join(raw, "troupe.json")))
bw = hf["copy_bandwidth_bytes_per_s"]
meta = {"gpu": hf["gpu"], "torch": hf["torch"], "transformers": hf["transformers"],
        "peft": hf["peft"], "troupe_device": tr["device"], "java": tr["java"],
        "libtorch": "the node's (torch " + hf["torch"] + ") through Bytedeco pytorch 2.10.0-1.5.13 JNI",
        "copy_bandwidth_bytes_per_s": bw, "command": "bench/run-gpu.sh (on the GPU node)"
        + (" as PART=python then PART=troupe: one job on one node, two commands"
           if os.environ.get("PART") == "troupe" else "")}
if os.environ.get("REUSED"):
    meta["reused_from_an_earlier_job_on_the_same_gpu_kind"] = os.environ["REUSED"]


def params(cfg):
    h, i, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    d = h // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * d
    layer = (h * h + h) + 2 * (h * kv + kv) + h * h + 3 * h * i + 2 * h
    return cfg["vocab_size"] * h + L * layer + h, L, kv


def load(name):
    try:
        return json.load(open(os.path.join(raw, name)))
    except (OSError, ValueError):
        return None


def div(a, b):
    return a / b if a is not None and b else None


def launches(system):
    try:
        a = int(open(os.path.join(raw, f"launch-{system}-16.txt")).read())
        b = int(open(os.path.join(raw, f"launch-{system}-48.txt")).read())
        return (b - a) / 32
    except (OSError, ValueError):
        return None


rollout, learner, e2e = dict(meta), dict(meta), dict(meta)
rows = []
for shape in ["qwen2.5-0.5b", "qwen2.5-1.5b"]:
    if shape not in hf or shape not in tr:
        continue
    cfg = json.load(open(os.path.join(models, shape, "config.json")))
    n, L, kv = params(cfg)
    h_r, t_r = hf[shape]["rollout"], tr[shape]["rollout"]
    B, new, prompt = t_r["sequences"], t_r["new_tokens"], t_r["prompt_tokens"]
    kv_bytes = L * 2 * B * kv * 2 * (prompt + new / 2)  # mean context over the decode
    step_floor = (2 * n + kv_bytes) / bw
    roof = B / step_floor
    entry = {"parameters": n, "sequences": B, "prompt_tokens": prompt, "new_tokens": new,
             "decode_roofline_tokens_per_s": roof,
             "decode_roofline_note": "(weights bf16 + mean KV cache) bytes per step / copy bandwidth",
             "transformers": {**h_r, "roofline_fraction": h_r["tokens_per_s"] / roof},
             "troupe": {**t_r, "roofline_fraction": t_r["tokens_per_s"] / roof},
             "ratio": t_r["tokens_per_s"] / h_r["tokens_per_s"],
             "ratio_unmerged": t_r["lora"]["tokens_per_s"] / h_r["tokens_per_s"],
             "ratio_note": "Troupe with the rank-16 adapter merged into the weights (a GPU rollout's "
                           "default, troupe.rollout.adapter = auto; decode steps replayed as a CUDA "
                           "graph) over transformers generate on the base model; ratio_unmerged: "
                           "the adapter applied on the side, as the learner computes it"}
    if shape == "qwen2.5-0.5b":
        for sysname, key in [("hf", "transformers"), ("troupe", "troupe")]:
            lp = launches(sysname)
            entry[key]["launches_per_decode_step"] = lp
        # Kernel launches the host makes per step (a replayed CUDA graph counts as none) and the
        # kernels a step runs (the same steps launched op by op).
        entry["troupe"]["launches_note"] = ("launches_per_decode_step: kernel launches the host "
                                            "makes per decode step (sampling, input updates; the "
                                            "step itself is one CUDA graph replay); "
                                            "kernels_per_decode_step: the kernels of one step with "
                                            "the adapter unmerged, launched op by op")
        entry["troupe"]["kernels_per_decode_step"] = launches("troupe-eager")
        for sysname, key in [("hf", "transformers"), ("troupe", "troupe")]:
            step_ms = 1e3 * B / entry[key]["tokens_per_s"]
            entry[key]["decode_step_ms"] = step_ms
    rollout[shape] = entry
    h_l = load(f"learner-hf-{shape}.json") or hf[shape].get("learner", {})
    t_l = {k: load(f"learner-troupe-{shape}-{c}.json")
           for k, c in [("chunked", 64), ("unchunked", 384), ("recomputed", "64-recompute")]}
    t_l["seconds_per_step"] = (t_l["chunked"] or {}).get("seconds_per_step")
    t_l["process_gpu_memory_bytes"] = (t_l["chunked"] or {}).get("process_gpu_memory_bytes")
    h_l["peak_memory_bytes_compared"] = h_l.get("process_gpu_memory_bytes", h_l.get("peak_memory_bytes"))
    t_l["peak_memory_bytes"] = t_l["process_gpu_memory_bytes"]
    learner[shape] = {"transformers_peft": h_l, "troupe": t_l,
                      "ratio": div(h_l.get("seconds_per_step"), t_l.get("seconds_per_step")),
                      "memory_ratio": div(t_l.get("peak_memory_bytes"), h_l.get("peak_memory_bytes_compared")),
                      "recomputed_ratio": div(h_l.get("seconds_per_step"),
                                              (t_l["recomputed"] or {}).get("seconds_per_step")),
                      "recomputed_memory_ratio": div((t_l["recomputed"] or {}).get("process_gpu_memory_bytes"),
                                                     h_l.get("peak_memory_bytes_compared")),
                      "ratio_note": "speed: PEFT seconds over Troupe seconds; memory: Troupe over PEFT, "
                                    "ratio/memory_ratio for Troupe's default (chunked LM head), "
                                    "recomputed_* with troupe.learner.recompute-activations; "
                                    "each the GPU memory its process holds (nvidia-smi) after the steps, "
                                    "alone in a fresh process"}
    rows.append((shape, h_r["tokens_per_s"], t_r["tokens_per_s"], entry["ratio"], roof,
                 h_l.get("seconds_per_step") or float("nan"), t_l.get("seconds_per_step") or float("nan"),
                 learner[shape]["ratio"] or float("nan"),
                 (h_l.get("peak_memory_bytes_compared") or float("nan")) / 1e9,
                 (t_l.get("peak_memory_bytes") or float("nan")) / 1e9))
    if "e2e" in hf[shape] and "e2e" in tr[shape]:
        e2e[shape] = {"transformers_peft": hf[shape]["e2e"], "troupe": tr[shape]["e2e"],
                      "ratio": hf[shape]["e2e"]["seconds_per_step"] / tr[shape]["e2e"]["seconds_per_step"]}

os.makedirs(results, exist_ok=True)
for name, obj in [("gpu-rollout.json", rollout), ("gpu-learner.json", learner), ("gpu-e2e.json", e2e)]:
    with open(os.path.join(results, name), "w") as f:
        json.dump(obj, f, indent=2)
print(f"GPU: {meta['gpu']}, copy bandwidth {bw / 1e12:.2f} TB/s")
print(f"{'shape':14} {'HF tok/s':>9} {'Troupe':>9} {'ratio':>6} {'roofline':>9} | "
      f"{'PEFT s':>7} {'Troupe s':>8} {'ratio':>6} {'PEFT GB':>8} {'Troupe GB':>9}")
for r in rows:
    print(f"{r[0]:14} {r[1]:9.0f} {r[2]:9.0f} {r[3]:6.2f} {r[4]:9.0f} | "
          f"{r[5]:7.3f} {r[6]:8.3f} {r[7]:6.2f} {r[8]:8.1f} {r[9]:9.1f}")
for shape, e in e2e.items():
    if isinstance(e, dict) and "ratio" in e:
        print(f"e2e {shape}: PEFT {e['transformers_peft']['seconds_per_step']:.2f} s, "
              f"Troupe {e['troupe']['seconds_per_step']:.2f} s per GRPO step, ratio {e['ratio']:.2f}")
if "qwen2.5-0.5b" in rollout:
    r = rollout["qwen2.5-0.5b"]
    for k in ["transformers", "troupe"]:
        print(f"0.5b {k}: launches/decode step {r[k].get('launches_per_decode_step')} "
              f"(kernels {r[k].get('kernels_per_decode_step', r[k].get('launches_per_decode_step'))}), "
              f"batch-1 step {r[k].get('batch1_step_ms', r[k].get('lora', {}).get('batch1_step_ms'))} ms, "
              f"B=512 step {r[k]['decode_step_ms']:.2f} ms")
