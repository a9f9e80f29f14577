package dev.troupe.model.layers;

import dev.troupe.tensor.DType;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Boolean attention masks (true = may attend) over cache positions, with transformers' semantics:
 * query at cache index {@code q} may see key {@code kv} when {@code kv <= q}, the key is not
 * padding, and, for a window {@code w}, {@code kv > q - w}.
 *
 * <p>One deliberate difference: a query that may see nothing (a padding position) is let see
 * itself, so its softmax stays finite. Its output is never used, but a NaN there would leak into
 * real positions through {@code 0 * NaN} in later layers.
 */
public final class AttentionMask {
    private AttentionMask() {}

    /**
     * @param keyValid (B, S) 1/true where the cache position holds a real token; S = past + T
     * @param queryLength T, the number of new positions (the last T of S)
     * @param window attention window in tokens, 0 for none
     * @return (B, 1, T, S) bool
     */
    public static Tensor build(Tensor keyValid, long queryLength, int window) {
        long total = keyValid.size(1);
        long past = total - queryLength;
        Device device = keyValid.device();
        Tensor kv;
        Tensor q;
        try (TensorOptions o = new TensorOptions(DType.I64.scalarType());
                Scalar end = new Scalar(total);
                Scalar start = new Scalar(past)) {
            TensorOptions onDevice = o.device(new org.bytedeco.pytorch.DeviceOptional(device));
            kv = torch.arange(end, onDevice).unsqueeze(0); // (1, S)
            q = torch.arange(start, end, onDevice).unsqueeze(1); // (T, 1)
        }
        Tensor allowed = kv.le(q); // (T, S)
        if (window > 0) {
            allowed = allowed.logical_and(kv.gt(q.sub(Ops.s((long) window))));
        }
        Tensor valid = Ops.to(keyValid, DType.BOOL).unsqueeze(1); // (B, 1, S)
        Tensor full = allowed.unsqueeze(0).logical_and(valid); // (B, T, S)
        Tensor self = kv.eq(q).unsqueeze(0); // (1, T, S)
        return full.logical_or(self).unsqueeze(1);
    }

    /**
     * The mask of one decode step over a whole indexed cache ({@link KvCache#useIndexedWrites}):
     * the query sits at cache index {@code queryIndex}; positions after it are not valid yet.
     *
     * @param keyValid (B, S) 1/true where the cache position holds a real token, the query's own
     *     position included
     * @param queryIndex (1) int64 on the device
     * @param window attention window in tokens, 0 for none
     * @return (B, 1, 1, S) bool
     */
    public static Tensor decodeStep(Tensor keyValid, Tensor queryIndex, int window) {
        Tensor valid = Ops.to(keyValid, DType.BOOL);
        if (window > 0) {
            Tensor kv;
            try (TensorOptions o = new TensorOptions(DType.I64.scalarType());
                    Scalar end = new Scalar(keyValid.size(1))) {
                kv =
                        torch.arange(
                                end,
                                o.device(
                                        new org.bytedeco.pytorch.DeviceOptional(
                                                keyValid.device())));
            }
            valid = valid.logical_and(kv.gt(queryIndex.sub(Ops.s((long) window))));
        }
        return valid.unsqueeze(1).unsqueeze(1);
    }
}
