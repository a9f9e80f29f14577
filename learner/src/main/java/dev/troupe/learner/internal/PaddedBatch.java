package dev.troupe.learner.internal;

import dev.troupe.learner.TrainSample;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Owned;
import dev.troupe.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Samples right-padded into tensors on a device. Log-probability position {@code j} predicts token
 * {@code j + 1}, so the per-position tensors have length {@code T - 1}.
 *
 * <p>Right padding puts every pad after its row's real tokens, so plain causal attention gives each
 * real token exactly what the padding mask would (positions are 0.. either way): the trainer runs
 * the model without a mask, which lets libtorch use flash attention. Pad positions compute garbage
 * that no loss position reads.
 *
 * @param ids (N, T) int64 token ids, padding 0
 * @param attention (N, T) int64, 1 for real tokens
 * @param completionMask (N, T-1) fp32, 1 where the predicted token is in its sample's {@link
 *     TrainSample#lossMask()} (a completion token; in SFT, a token of an assistant reply)
 * @param advantages (N, T-1) fp32, the sample's advantage at its completion positions
 * @param rolloutLogProbs (N, T-1) fp32 behaviour log-probs at completion positions, or null
 * @param firstLoss each row's first loss position (its prompt length - 1: a sample's first
 *     completion token is always in its loss)
 * @param rowLossTokens each row's number of loss positions (known on the host: counting them on the
 *     device would make the trainer wait for the GPU)
 */
public record PaddedBatch(
        Tensor ids,
        Tensor attention,
        Tensor completionMask,
        Tensor advantages,
        Tensor rolloutLogProbs,
        int[] firstLoss,
        int[] rowLossTokens)
        implements AutoCloseable {

    /** Builds the tensors; the batch owns them until closed. */
    public static PaddedBatch of(List<TrainSample> samples, ComputeDevice device) {
        int n = samples.size();
        int t = 0;
        boolean rollout = true;
        for (TrainSample s : samples) {
            t = Math.max(t, s.tokens().length);
            rollout &= s.rolloutLogProbs().length > 0;
        }
        long[] ids = new long[n * t];
        long[] att = new long[n * t];
        float[] mask = new float[n * (t - 1)];
        float[] adv = new float[n * (t - 1)];
        float[] lp = rollout ? new float[n * (t - 1)] : null;
        int[] first = new int[n];
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            TrainSample s = samples.get(i);
            int[] tok = s.tokens();
            boolean[] loss = s.lossMask();
            float[] rl = s.rolloutLogProbs();
            for (int j = 0; j < tok.length; j++) {
                ids[i * t + j] = tok[j];
                att[i * t + j] = 1;
            }
            // Position j predicts token j + 1: it counts when that token is in the loss.
            for (int j = s.promptLength() - 1; j < tok.length - 1; j++) {
                if (!loss[j + 1]) {
                    continue;
                }
                int k = i * (t - 1) + j;
                mask[k] = 1;
                adv[k] = s.advantage();
                if (lp != null) {
                    lp[k] = rl[j - (s.promptLength() - 1)];
                }
            }
            first[i] = s.promptLength() - 1;
            counts[i] = s.lossTokens();
        }
        try (Device d = device.torchDevice()) {
            return new PaddedBatch(
                    move(Tensors.fromLongs(ids, n, t), d, DType.I64),
                    move(Tensors.fromLongs(att, n, t), d, DType.I64),
                    move(Tensors.fromFloats(mask, n, t - 1), d, DType.F32),
                    move(Tensors.fromFloats(adv, n, t - 1), d, DType.F32),
                    lp == null ? null : move(Tensors.fromFloats(lp, n, t - 1), d, DType.F32),
                    first,
                    counts);
        }
    }

    /** Loss positions in rows [from, to). */
    public long lossTokens(long from, long to) {
        long n = 0;
        for (long i = from; i < to; i++) {
            n += rowLossTokens[(int) i];
        }
        return n;
    }

    /** Loss positions in the whole batch. */
    public long completionTokens() {
        return lossTokens(0, size());
    }

    /**
     * The first position of rows [from, to) that any loss reads: log-probs before it need no LM
     * head.
     */
    public long firstLossPosition(long from, long to) {
        int min = Integer.MAX_VALUE;
        for (long i = from; i < to; i++) {
            min = Math.min(min, firstLoss[(int) i]);
        }
        return min;
    }

    private static Tensor move(Tensor host, Device d, DType dtype) {
        Tensor out = Owned.keep(host.to(d, dtype.scalarType()));
        host.close();
        return out;
    }

    public long size() {
        return ids.size(0);
    }

    public long paddedLength() {
        return ids.size(1);
    }

    /** Rows [from, to) of a (N, ...) tensor, as a view. */
    public static Tensor rows(Tensor t, long from, long to) {
        return t == null ? null : t.narrow(0, from, to - from);
    }

    @Override
    public void close() {
        Owned.release(ids, attention, completionMask, advantages, rolloutLogProbs);
    }
}
