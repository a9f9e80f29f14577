package dev.troupe.model;

import dev.troupe.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Error measures between a result and a reference, over the positions a mask selects. */
final class Compare {
    private Compare() {}

    /**
     * Largest |a - b| over rows whose mask is 1.
     *
     * @param a (B, T, ...) or (B, T)
     * @param b same shape
     * @param mask (B, T) of 0/1, or null for everything
     */
    static double maxAbsError(Tensor a, Tensor b, Tensor mask) {
        float[] x = Tensors.toFloats(a);
        float[] y = Tensors.toFloats(b);
        if (x.length != y.length) {
            throw new AssertionError("sizes differ: " + x.length + " vs " + y.length);
        }
        long[] m = mask == null ? null : Tensors.toLongs(mask);
        int rows = m == null ? 1 : m.length;
        int per = x.length / rows;
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            if (m != null && m[r] == 0) {
                continue;
            }
            for (int i = r * per; i < (r + 1) * per; i++) {
                double d = Math.abs((double) x[i] - y[i]);
                if (Double.isNaN(d)) {
                    return Double.POSITIVE_INFINITY;
                }
                worst = Math.max(worst, d);
            }
        }
        return worst;
    }

    /** ||a - b|| / ||b||. */
    static double relativeError(Tensor a, Tensor b) {
        float[] x = Tensors.toFloats(a);
        float[] y = Tensors.toFloats(b);
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            num += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
            den += (double) y[i] * y[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
}
