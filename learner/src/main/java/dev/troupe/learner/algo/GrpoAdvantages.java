package dev.troupe.learner.algo;

import java.util.HashMap;
import java.util.Map;

/**
 * Group-relative advantages of GRPO (<a href="https://arxiv.org/abs/2402.03300">DeepSeekMath</a>):
 * each completion's outcome reward is compared with the other completions of the same prompt,
 *
 * <pre>
 *   A_i = (r_i - mean_g(r)) / (std_g(r) + eps)     (scaleByStd)
 *   A_i =  r_i - mean_g(r)                          (Dr. GRPO, https://arxiv.org/abs/2503.20783)
 * </pre>
 *
 * where {@code g} is the group of {@code i} and {@code std} the unbiased (n - 1) standard
 * deviation, as {@code torch.std} and veRL use. A group of one has nothing to compare with: its
 * advantage is 0 (veRL would use the raw reward there). Every token of a completion gets its
 * completion's advantage.
 */
public final class GrpoAdvantages {
    private GrpoAdvantages() {}

    /**
     * @param rewards outcome reward per completion
     * @param groupIds the prompt (group) of each completion
     * @param eps added to the standard deviation
     * @param scaleByStd divide by the group's standard deviation
     * @return advantage per completion
     */
    public static float[] compute(float[] rewards, int[] groupIds, double eps, boolean scaleByStd) {
        if (rewards.length != groupIds.length) {
            throw new IllegalArgumentException(
                    rewards.length + " rewards but " + groupIds.length + " group ids");
        }
        Map<Integer, double[]> stats = new HashMap<>(); // group -> {n, sum, sumSq}
        for (int i = 0; i < rewards.length; i++) {
            double[] s = stats.computeIfAbsent(groupIds[i], g -> new double[3]);
            s[0]++;
            s[1] += rewards[i];
        }
        Map<Integer, double[]> meanStd = new HashMap<>();
        for (Map.Entry<Integer, double[]> e : stats.entrySet()) {
            double n = e.getValue()[0];
            meanStd.put(e.getKey(), new double[] {e.getValue()[1] / n, 0});
        }
        for (int i = 0; i < rewards.length; i++) {
            double[] ms = meanStd.get(groupIds[i]);
            double d = rewards[i] - ms[0];
            stats.get(groupIds[i])[2] += d * d;
        }
        float[] out = new float[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            double[] s = stats.get(groupIds[i]);
            if (s[0] < 2) {
                out[i] = 0f;
                continue;
            }
            double mean = meanStd.get(groupIds[i])[0];
            double centred = rewards[i] - mean;
            if (scaleByStd) {
                double std = Math.sqrt(s[2] / (s[0] - 1));
                centred /= std + eps;
            }
            out[i] = (float) centred;
        }
        return out;
    }
}
