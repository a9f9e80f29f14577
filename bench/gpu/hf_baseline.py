#!/usr/bin/env python3
"""The Python side of the GPU benchmarks (bench/run-gpu.sh): makes the random models both systems
load, and measures Hugging Face transformers + PEFT on the same GPU in the same job.

  hf_baseline.py make   MODELS_DIR [SHAPE]         random bf16 models of Qwen2.5-0.5B/1.5B shape
  hf_baseline.py bench  MODELS_DIR OUT.json [--quick]
  hf_baseline.py learner MODELS_DIR SHAPE OUT.json  one learner step, alone in its process
  hf_baseline.py probe  MODELS_DIR SHAPE NEW_TOKENS  one generate call (for launch counting)

Random weights made by transformers from the configurations: the shapes decide the speed.
"""
import json
import os
import sys
import time

import torch
import transformers
from transformers import Qwen2Config, Qwen2ForCausalLM

SHAPES = {
    # The published configurations of Qwen2.5-0.5B and Qwen2.5-1.5B (architecture fields).
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2),
    "qwen2.5-1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                         num_attention_heads=12, num_key_value_heads=2),
}
COMMON = dict(vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
              rms_norm_eps=1e-6, tie_word_embeddings=True, hidden_act="silu",
              use_sliding_window=False, bos_token_id=151643, eos_token_id=151643,
              torch_dtype="bfloat16")

PROMPTS, GROUP, PROMPT_TOKENS, NEW_TOKENS = 64, 8, 128, 256
LEARN_SEQS, LEARN_LEN, LEARN_PROMPT = 16, 384, 128
LORA_R, LORA_ALPHA = 16, 32
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make(models_dir, only=None):
    for name, shape in SHAPES.items():
        if only and name != only:
            continue
        d = os.path.join(models_dir, name)
        if os.path.exists(os.path.join(d, "config.json")):
            continue
        torch.manual_seed(1234)
        cfg = Qwen2Config(**shape, **COMMON)
        with torch.device("cuda"):
            model = Qwen2ForCausalLM(cfg).to(torch.bfloat16)
        model.save_pretrained(d, safe_serialization=True)
        del model
        torch.cuda.empty_cache()
        print(f"made {name} in {d}", flush=True)


def load(models_dir, name):
    model = Qwen2ForCausalLM.from_pretrained(os.path.join(models_dir, name),
                                             dtype=torch.bfloat16, attn_implementation="sdpa")
    return model.cuda().eval()


def prompts(vocab, n=PROMPTS, group=GROUP, length=PROMPT_TOKENS, seed=7):
    g = torch.Generator().manual_seed(seed)
    p = torch.randint(0, vocab, (n, length), generator=g)
    return p.repeat_interleave(group, dim=0).cuda()


def generate(model, ids, new_tokens, cache):
    kw = dict(do_sample=True, temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=new_tokens,
              min_new_tokens=new_tokens, pad_token_id=0, attention_mask=torch.ones_like(ids))
    if cache != "dynamic":
        kw["cache_implementation"] = cache
    with torch.no_grad():
        return model.generate(ids, **kw)


def timed(fn):
    torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t, out


def copy_bandwidth():
    """Device-to-device copy, bytes read plus written per second (the decode roofline's rate)."""
    a = torch.empty(1 << 30, dtype=torch.uint8, device="cuda").random_(0, 255)
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    secs, _ = timed(lambda: [b.copy_(a) for _ in range(20)])
    return 2 * a.numel() * 20 / secs


def rollout(model, quick):
    cfg = model.config
    ids = prompts(cfg.vocab_size, n=8 if quick else PROMPTS)
    new = 32 if quick else NEW_TOKENS
    best = None
    runs = {}
    for cache in ["dynamic", "static"]:
        try:
            generate(model, ids[:, :], 4, cache)  # warm-up: kernels, cache allocation
            secs, out = timed(lambda: generate(model, ids, new, cache))
            assert out.shape[1] == ids.shape[1] + new, out.shape
            tps = ids.shape[0] * new / secs
            runs[cache] = {"seconds": secs, "tokens_per_s": tps}
            if best is None or tps > runs[best]["tokens_per_s"]:
                best = cache
        except Exception as e:  # a cache setting this version lacks: recorded, not fatal
            runs[cache] = {"error": repr(e)[:300]}
    # Launch-bound decode: one short sequence, so the GPU work per step is tiny.
    one = prompts(cfg.vocab_size, n=1, group=1, length=8)
    generate(model, one, 4, best)
    s64, _ = timed(lambda: generate(model, one, 64, best))
    s8, _ = timed(lambda: generate(model, one, 8, best))
    return {"sequences": ids.shape[0], "prompt_tokens": PROMPT_TOKENS, "new_tokens": new,
            "cache": best, "tokens_per_s": runs[best]["tokens_per_s"], "runs": runs,
            "batch1_step_ms": (s64 - s8) / 56 * 1e3}


def grpo_loss(logits, ids, adv, prompt):
    """Token-mean clipped-ratio GRPO loss on completion tokens, log-probs in fp32 (as TRL)."""
    logits = logits[:, prompt - 1:-1].float()
    logp = torch.log_softmax(logits, -1)
    tok = logp.gather(-1, ids[:, prompt:, None]).squeeze(-1)
    with torch.no_grad():
        entropy = -(logp.exp() * logp).sum(-1).mean()
    ratio = torch.exp(tok - tok.detach())
    a = adv[:, None]
    pg = -torch.min(ratio * a, torch.clamp(ratio, 0.8, 1.28) * a)
    return pg.mean(), entropy


def learner(model, quick, seqs=LEARN_SEQS, length=LEARN_LEN, steps=None):
    from peft import LoraConfig, get_peft_model
    cfg = model.config
    lcfg = LoraConfig(r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=0.0, target_modules=TARGETS,
                      task_type="CAUSAL_LM")
    pm = get_peft_model(model, lcfg)
    for n, p in pm.named_parameters():
        if "lora_" in n:
            p.data = p.data.float()  # fp32 master weights, as Troupe keeps them
    pm.train()
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=1e-5)
    g = torch.Generator().manual_seed(11)
    ids = torch.randint(0, cfg.vocab_size, (seqs, length), generator=g).cuda()
    adv = torch.randn(seqs, generator=g).cuda()

    def step():
        out = pm(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        loss, _ = grpo_loss(out, ids, adv, LEARN_PROMPT)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in pm.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(2):
        step()
    torch.cuda.reset_peak_memory_stats()
    n = steps or (2 if quick else 10)
    times = []
    for _ in range(n):
        s, _ = timed(step)
        times.append(s)
    peak = torch.cuda.max_memory_allocated()
    times.sort()
    res = {"sequences": seqs, "length": length, "seconds_per_step": times[len(times) // 2],
           "peak_memory_bytes": peak, "lora_parameters":
           sum(p.numel() for p in pm.parameters() if p.requires_grad)}
    return res, pm, opt


def e2e(model, quick):
    """One GRPO step as a transformers + PEFT user writes it: generate 64 x 8 with the adapter,
    score, then one optimiser step over the 512 sequences in micro-batches of 16."""
    _, pm, opt = learner(model, True, steps=1)
    cfg = model.config
    n = 8 if quick else PROMPTS
    new = 32 if quick else NEW_TOKENS
    ids = prompts(cfg.vocab_size, n=n)

    def step():
        pm.eval()
        with torch.no_grad():
            seqs = pm.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                               temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=new,
                               min_new_tokens=new, pad_token_id=0)
        rewards = (seqs[:, PROMPT_TOKENS:] % 2 == 0).float().mean(-1)  # stand-in reward
        r = rewards.view(-1, GROUP)
        adv = ((r - r.mean(-1, keepdim=True)) / (r.std(-1, keepdim=True) + 1e-4)).view(-1)
        pm.train()
        for i in range(0, seqs.shape[0], LEARN_SEQS):
            mb = seqs[i:i + LEARN_SEQS]
            out = pm(input_ids=mb, attention_mask=torch.ones_like(mb)).logits
            loss, _ = grpo_loss(out, mb, adv[i:i + LEARN_SEQS], PROMPT_TOKENS)
            (loss * mb.shape[0] / seqs.shape[0]).backward()
        torch.nn.utils.clip_grad_norm_([p for p in pm.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    secs, _ = timed(step)
    return {"prompts": n, "group": GROUP, "new_tokens": new, "seconds_per_step": secs}


def process_gpu_bytes():
    """GPU memory this process holds as nvidia-smi reports it (the measure Troupe's side uses)."""
    import subprocess
    out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory",
                          "--format=csv,noheader,nounits"], capture_output=True, text=True).stdout
    rows = [l.split(",") for l in out.strip().splitlines() if l.count(",") == 1]
    for pid, mib in rows:
        if int(pid) == os.getpid():
            return int(mib) << 20
    return int(rows[0][1]) << 20 if len(rows) == 1 else -1


def learner_alone(models_dir, name, out, quick):
    res, pm, opt = learner(load(models_dir, name), quick)
    res["max_memory_reserved_bytes"] = torch.cuda.max_memory_reserved()
    res["process_gpu_memory_bytes"] = process_gpu_bytes()
    print(name, "learner", json.dumps(res), flush=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=2)


def bench(models_dir, out, quick):
    res = {"system": "transformers+peft", "torch": torch.__version__,
           "transformers": transformers.__version__, "gpu": torch.cuda.get_device_name(0)}
    import peft
    res["peft"] = peft.__version__
    res["copy_bandwidth_bytes_per_s"] = copy_bandwidth()
    for name in SHAPES:
        r = {}
        model = load(models_dir, name)
        r["rollout"] = rollout(model, quick)
        print(name, "rollout", json.dumps(r["rollout"]), flush=True)
        r["learner"], pm, opt = learner(model, quick)
        print(name, "learner", json.dumps(r["learner"]), flush=True)
        del pm, opt, model
        torch.cuda.empty_cache()
        if name == "qwen2.5-0.5b":
            r["e2e"] = e2e(load(models_dir, name), quick)
            print(name, "e2e", json.dumps(r["e2e"]), flush=True)
            torch.cuda.empty_cache()
        res[name] = r
    with open(out, "w") as f:
        json.dump(res, f, indent=2)


def probe(models_dir, name, new):
    model = load(models_dir, name)
    ids = prompts(model.config.vocab_size)
    torch.cuda.synchronize()
    generate(model, ids, int(new), "dynamic")
    torch.cuda.synchronize()


def learner_profile(models_dir, name):
    """The transformers + PEFT learner step part by part (GpuLearnerProfile's counterpart):
    forward with the loss, backward, clipping, AdamW, each between synchronisations, median ms."""
    _, pm, opt = learner(load(models_dir, name), True, steps=1)
    cfg = pm.config
    g = torch.Generator().manual_seed(11)
    ids = torch.randint(0, cfg.vocab_size, (LEARN_SEQS, LEARN_LEN), generator=g).cuda()
    adv = torch.randn(LEARN_SEQS, generator=g).cuda()
    params = [p for p in pm.parameters() if p.requires_grad]
    state = {}

    def fwd():
        out = pm(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        state["loss"] = grpo_loss(out, ids, adv, LEARN_PROMPT)[0]

    parts = [("forward + loss", fwd), ("backward", lambda: state["loss"].backward()),
             ("gradient clipping", lambda: torch.nn.utils.clip_grad_norm_(params, 1.0)),
             ("AdamW step", opt.step), ("zero gradients", lambda: opt.zero_grad(set_to_none=True))]
    times = {n: [] for n, _ in parts}
    for _ in range(9):
        for n, fn in parts:
            times[n].append(timed(fn)[0] * 1e3)
    print(f"transformers + PEFT learner profile: {name}, {LEARN_SEQS} x {LEARN_LEN} tokens")
    for n, _ in parts:
        t = sorted(times[n][2:])
        print(f"{n:48s} {t[len(t) // 2]:9.2f} ms")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif cmd == "bench":
        bench(sys.argv[2], sys.argv[3], "--quick" in sys.argv)
    elif cmd == "learner":
        learner_alone(sys.argv[2], sys.argv[3], sys.argv[4], "--quick" in sys.argv)
    elif cmd == "learner-profile":
        learner_profile(sys.argv[2], sys.argv[3])
    elif cmd == "probe":
        probe(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: hf_baseline.py make|bench|learner|learner-profile|probe ...")
