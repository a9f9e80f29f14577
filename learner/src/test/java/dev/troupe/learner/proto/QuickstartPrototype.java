package dev.troupe.learner.proto;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.learner.algo.GrpoAdvantages;
import dev.troupe.learner.algo.LossAggregation;
import dev.troupe.learner.optim.AdamW;
import dev.troupe.learner.optim.GradientClipping;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.RandomModels;
import dev.troupe.model.TokenLogProbs;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraConfig;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Scratch: how fast does a tiny model learn arithmetic with SFT then GRPO on this CPU? */
public class QuickstartPrototype {
    static final String CHARS = "0123456789+-*=<>/answer ?:Qthik";
    static final int PAD = 0, EOS = 1, BOS = 2;

    static int id(char c) {
        int i = CHARS.indexOf(c);
        if (i < 0) throw new IllegalArgumentException("char " + c);
        return i + 3;
    }

    static int[] enc(String s) {
        int[] o = new int[s.length()];
        for (int i = 0; i < s.length(); i++) o[i] = id(s.charAt(i));
        return o;
    }

    static String dec(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int t : ids) {
            if (t == EOS) break;
            if (t >= 3) b.append(CHARS.charAt(t - 3));
        }
        return b.toString();
    }

    record Problem(int a, int b, int answer) {
        String prompt() {
            int d = Integer.getInteger("digits", 2);
            return Boolean.getBoolean("think") ? String.format("%0" + d + "d+%0" + d + "d=", a, b) : a + "+" + b + "=";
        }
        String completion() {
            if (!Boolean.getBoolean("think")) return "<answer>" + answer + "</answer>";
            int d = Integer.getInteger("digits", 2);
            StringBuilder t = new StringBuilder("<think>");
            int x = a, y = b;
            for (int i = 0; i < d; i++) {
                if (i > 0) t.append(' ');
                t.append(x % 10).append('+').append(y % 10).append('=').append(x % 10 + y % 10);
                x /= 10;
                y /= 10;
            }
            return t + "</think><answer>" + answer + "</answer>";
        }
    }

    static List<Problem> problems(Random r, int n, boolean test) {
        List<Problem> out = new ArrayList<>();
        while (out.size() < n) {
            int a = r.nextInt(maxA), b = r.nextInt(maxB);
            if (Boolean.getBoolean("noCarry") && carries(a, b)) continue;
            boolean isTest = ((a * 131 + b * 7) % 5) == 0;
            if (isTest != test) continue;
            out.add(new Problem(a, b, a + b));
        }
        return out;
    }

    static int maxA = 100, maxB = 100;

    static boolean carries(int a, int b) {
        while (a > 0 || b > 0) {
            if (a % 10 + b % 10 >= 10) return true;
            a /= 10;
            b /= 10;
        }
        return false;
    }
    static final Pattern ANS = Pattern.compile("(?:<think>[^<]*</think>)?<answer>(-?\\d+)</answer>");

    public static void main(String[] args) {
        int hidden = Integer.parseInt(System.getProperty("hidden", "128"));
        int layers = Integer.parseInt(System.getProperty("layers", "4"));
        int rank = Integer.parseInt(System.getProperty("rank", "16"));
        int sftSteps = Integer.parseInt(System.getProperty("sft", "200"));
        int grpoSteps = Integer.parseInt(System.getProperty("grpo", "100"));
        double sftLr = Double.parseDouble(System.getProperty("sftLr", "3e-3"));
        double grpoLr = Double.parseDouble(System.getProperty("grpoLr", "1e-3"));
        maxA = Integer.parseInt(System.getProperty("maxA", "100"));
        maxB = Integer.parseInt(System.getProperty("maxB", "100"));
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "qwen2");
        c.put("vocab_size", CHARS.length() + 3);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", hidden * 2);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 4);
        c.put("max_position_embeddings", 128);
        c.put("tie_word_embeddings", true);
        c.put("initializer_range", Double.parseDouble(System.getProperty("std", "0.1")));
        Random rnd = new Random(1);
        List<Problem> train = problems(rnd, 20000, false);
        List<Problem> test = problems(new Random(2), 300, true);
        long t0 = System.nanoTime();
        try (DecoderModel model = RandomModels.create(c, 1, ComputeDevice.CPU, DType.F32);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(rank, 2 * rank, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")), 3);
                AdamW opt = new AdamW(lora.peftTensors(), 0.9, 0.99, 1e-8, 0.0)) {
            System.out.printf("lora params %d%n", lora.numParameters());
            BatchGenerator gen = new BatchGenerator(model);
            int cursor = 0;
            for (int step = 0; step < sftSteps; step++) {
                List<Problem> batch = train.subList(cursor, cursor + 64);
                cursor = (cursor + 64) % (train.size() - 64);
                double loss = sftStep(model, lora, opt, batch, sftLr);
                if (step % 100 == 99 || step == sftSteps - 1) {
                    System.out.printf("sft %d loss %.4f acc %.3f  t=%.0fs%n", step + 1, loss, eval(gen, lora, test)[0], (System.nanoTime() - t0) / 1e9);
                }
            }
            double[] before = eval(gen, lora, test);
            System.out.printf("after SFT: acc %.3f format %.3f t=%.0fs%n", before[0], before[1], (System.nanoTime() - t0) / 1e9);
            for (int step = 0; step < grpoSteps; step++) {
                List<Problem> batch = new ArrayList<>();
                for (int i = 0; i < 16; i++) batch.add(train.get(rnd.nextInt(train.size())));
                double[] r = grpoStep(model, gen, lora, opt, batch, 8, grpoLr, step);
                if (step % 10 == 9) {
                    double[] e = eval(gen, lora, test);
                    System.out.printf("grpo %d reward %.3f train-acc %.3f test-acc %.3f format %.3f t=%.0fs%n", step + 1, r[0], r[1], e[0], e[1], (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }

    static double sftStep(DecoderModel model, LoraAdapter lora, AdamW opt, List<Problem> batch, double lr) {
        try (PointerScope scope = new PointerScope()) {
            int n = batch.size();
            List<int[]> seqs = new ArrayList<>();
            List<Integer> promptLens = new ArrayList<>();
            int maxLen = 0;
            for (Problem p : batch) {
                int[] pr = enc(p.prompt());
                int[] co = enc(p.completion());
                int[] s = new int[pr.length + co.length + 1];
                System.arraycopy(pr, 0, s, 0, pr.length);
                System.arraycopy(co, 0, s, pr.length, co.length);
                s[s.length - 1] = EOS;
                seqs.add(s);
                promptLens.add(pr.length);
                maxLen = Math.max(maxLen, s.length);
            }
            long[] ids = new long[n * maxLen];
            long[] mask = new long[n * maxLen];
            float[] lossMask = new float[n * (maxLen - 1)];
            for (int i = 0; i < n; i++) {
                int[] s = seqs.get(i);
                for (int j = 0; j < s.length; j++) {
                    ids[i * maxLen + j] = s[j];
                    mask[i * maxLen + j] = 1;
                }
                for (int j = promptLens.get(i) - 1; j < s.length - 1; j++) lossMask[i * (maxLen - 1) + j] = 1;
            }
            Tensor idsT = Tensors.fromLongs(ids, n, maxLen);
            Tensor maskT = Tensors.fromLongs(mask, n, maxLen);
            Tensor lm = Tensors.fromFloats(lossMask, n, maxLen - 1);
            TokenLogProbs.Result r = TokenLogProbs.compute(model, idsT, maskT, null, lora, true, 64, false);
            Tensor loss = LossAggregation.TOKEN_MEAN.apply(r.logProbs().neg(), lm);
            opt.zeroGrad();
            loss.backward();
            GradientClipping.clipByGlobalNorm(lora.parameters(), 1.0);
            opt.step(lr);
            return Tensors.item(loss);
        }
    }

    static double[] grpoStep(DecoderModel model, BatchGenerator gen, LoraAdapter lora, AdamW opt, List<Problem> batch, int g, double lr, int step) {
        List<int[]> prompts = new ArrayList<>();
        for (Problem p : batch) for (int k = 0; k < g; k++) prompts.add(enc(p.prompt()));
        List<GeneratedSequence> out = gen.generate(prompts, new GenerationConfig(64, 1.0, 0, 1.0, step, Set.of(EOS), PAD), lora);
        int n = prompts.size();
        float[] rewards = new float[n];
        int[] groups = new int[n];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            groups[i] = i / g;
            String text = dec(out.get(i).tokens());
            Matcher m = ANS.matcher(text);
            boolean format = m.matches() && out.get(i).stopped();
            boolean right = format && Integer.parseInt(m.group(1)) == batch.get(i / g).answer();
            rewards[i] = right ? 1f : (format ? 0.1f : 0f);
            if (right) correct++;
        }
        float[] adv = GrpoAdvantages.compute(rewards, groups, 1e-6, true);
        try (PointerScope scope = new PointerScope()) {
            int maxLen = 0;
            List<int[]> seqs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] pr = prompts.get(i);
                int[] co = out.get(i).tokens();
                int[] s = new int[pr.length + co.length];
                System.arraycopy(pr, 0, s, 0, pr.length);
                System.arraycopy(co, 0, s, pr.length, co.length);
                seqs.add(s);
                maxLen = Math.max(maxLen, s.length);
            }
            long[] ids = new long[n * maxLen];
            long[] mask = new long[n * maxLen];
            float[] lossMask = new float[n * (maxLen - 1)];
            float[] advTok = new float[n * (maxLen - 1)];
            for (int i = 0; i < n; i++) {
                int[] s = seqs.get(i);
                int pl = prompts.get(i).length;
                for (int j = 0; j < s.length; j++) { ids[i * maxLen + j] = s[j]; mask[i * maxLen + j] = 1; }
                for (int j = pl - 1; j < s.length - 1; j++) { lossMask[i * (maxLen - 1) + j] = 1; advTok[i * (maxLen - 1) + j] = adv[i]; }
            }
            Tensor idsT = Tensors.fromLongs(ids, n, maxLen);
            Tensor maskT = Tensors.fromLongs(mask, n, maxLen);
            Tensor lm = Tensors.fromFloats(lossMask, n, maxLen - 1);
            Tensor a = Tensors.fromFloats(advTok, n, maxLen - 1);
            TokenLogProbs.Result r = TokenLogProbs.compute(model, idsT, maskT, null, lora, true, 64, false);
            Tensor logp = r.logProbs();
            Tensor ratio = logp.sub(logp.detach()).exp();
            Tensor loss = LossAggregation.TOKEN_MEAN.apply(a.neg().mul(ratio), lm);
            opt.zeroGrad();
            loss.backward();
            GradientClipping.clipByGlobalNorm(lora.parameters(), 1.0);
            opt.step(lr);
        }
        double mean = 0;
        for (float r : rewards) mean += r;
        return new double[] {mean / n, correct / (double) n};
    }

    static double[] eval(BatchGenerator gen, LoraAdapter lora, List<Problem> test) {
        List<int[]> prompts = new ArrayList<>();
        for (Problem p : test) prompts.add(enc(p.prompt()));
        List<GeneratedSequence> out = gen.generate(prompts, GenerationConfig.greedy(64, Set.of(EOS), PAD), lora);
        int correct = 0, format = 0;
        for (int i = 0; i < 0; i++) System.out.println("  sample: " + test.get(i).prompt() + " -> [" + dec(out.get(i).tokens()) + "] " + java.util.Arrays.toString(out.get(i).tokens()) + " stopped=" + out.get(i).stopped());
        for (int i = 0; i < test.size(); i++) {
            Matcher m = ANS.matcher(dec(out.get(i).tokens()));
            if (m.matches() && out.get(i).stopped()) {
                format++;
                if (Integer.parseInt(m.group(1)) == test.get(i).answer()) correct++;
            }
        }
        return new double[] {correct / (double) test.size(), format / (double) test.size()};
    }
}
