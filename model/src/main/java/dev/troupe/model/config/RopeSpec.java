package dev.troupe.model.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Rotary position embedding parameters, as Hugging Face's {@code rope_parameters} (or the older
 * {@code rope_theta} + {@code rope_scaling}) describe them, and the inverse frequencies they give.
 *
 * <p>Rotation: for position {@code p} and frequency index {@code i < d/2}, the angle is {@code p *
 * invFreq[i]}; {@code cos} and {@code sin} of the angles, repeated twice along the head dimension
 * and multiplied by {@link #attentionScaling()}, rotate {@code q} and {@code k} as {@code x * cos +
 * rotate_half(x) * sin} (<a href="https://arxiv.org/abs/2104.09864">RoFormer</a>). Scalings:
 *
 * <ul>
 *   <li>{@code default}: {@code invFreq[i] = 1 / theta^(2i/d)}.
 *   <li>{@code linear}: position interpolation, {@code invFreq / factor}.
 *   <li>{@code llama3}: frequencies with wavelength above {@code orig/lowFreqFactor} are divided by
 *       {@code factor}, those below {@code orig/highFreqFactor} kept, and those between blended.
 *   <li>{@code yarn}: (<a href="https://arxiv.org/abs/2309.00071">YaRN</a>) a linear ramp between
 *       extrapolated and interpolated frequencies over the dimensions whose rotation counts fall
 *       between {@code betaSlow} and {@code betaFast}, and an attention factor {@code 0.1
 *       ln(factor) + 1}.
 * </ul>
 *
 * Arithmetic follows transformers' {@code modeling_rope_utils.py} step by step in float32 where it
 * uses float32, so the frequencies agree to the last bit or two.
 */
public record RopeSpec(
        Type type,
        double theta,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositionEmbeddings,
        Double attentionFactor,
        double betaFast,
        double betaSlow,
        Double mscale,
        Double mscaleAllDim,
        boolean truncate) {

    /** Supported {@code rope_type} values. */
    public enum Type {
        DEFAULT("default"),
        LINEAR("linear"),
        LLAMA3("llama3"),
        YARN("yarn");

        private final String hfName;

        Type(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        /**
         * @throws IllegalArgumentException listing the supported names
         */
        public static Type fromHfName(String name) {
            for (Type t : values()) {
                if (t.hfName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "unsupported rope_type '"
                            + name
                            + "' (supported: "
                            + Arrays.stream(values())
                                    .map(Type::hfName)
                                    .collect(Collectors.joining(", "))
                            + ")");
        }
    }

    public static RopeSpec plain(double theta) {
        return new RopeSpec(Type.DEFAULT, theta, 1.0, 1.0, 4.0, 0, null, 32, 1, null, null, true);
    }

    /** The factor cos and sin are multiplied by (1 except for YaRN). */
    public double attentionScaling() {
        if (type != Type.YARN) {
            return 1.0;
        }
        if (attentionFactor != null) {
            return attentionFactor;
        }
        if (mscale != null && mscaleAllDim != null && mscale != 0 && mscaleAllDim != 0) {
            return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
        }
        return yarnMscale(factor, 1.0);
    }

    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** The {@code headDim / 2} inverse frequencies, as float32. */
    public float[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        float[] base = new float[half];
        for (int i = 0; i < half; i++) {
            // torch: arange(0, dim, 2).float() / dim, then theta ** that, then 1.0 / that
            // (float32).
            float exponent = (float) (2 * i) / (float) headDim;
            float power = (float) Math.pow((float) theta, exponent);
            base[i] = 1.0f / power;
        }
        return switch (type) {
            case DEFAULT -> base;
            case LINEAR -> {
                float f = (float) factor;
                float[] out = new float[half];
                for (int i = 0; i < half; i++) {
                    out[i] = base[i] / f;
                }
                yield out;
            }
            case LLAMA3 -> llama3(base);
            case YARN -> yarn(headDim);
        };
    }

    private float[] llama3(float[] invFreq) {
        float f = (float) factor;
        float oldContext = originalMaxPositionEmbeddings;
        float lowFreqWavelen = (float) (originalMaxPositionEmbeddings / lowFreqFactor);
        float highFreqWavelen = (float) (originalMaxPositionEmbeddings / highFreqFactor);
        float[] out = new float[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            float wavelen = (float) (2 * Math.PI) / invFreq[i];
            float llama = wavelen > lowFreqWavelen ? invFreq[i] / f : invFreq[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth =
                        (oldContext / wavelen - (float) lowFreqFactor)
                                / (float) (highFreqFactor - lowFreqFactor);
                llama = (1 - smooth) * llama / f + smooth * llama;
            }
            out[i] = llama;
        }
        return out;
    }

    private float[] yarn(int dim) {
        double low = correctionDim(betaFast, dim);
        double high = correctionDim(betaSlow, dim);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // as transformers: prevents a division by zero in the ramp
        }
        int half = dim / 2;
        float[] out = new float[half];
        float f = (float) factor;
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            float posFreq = (float) Math.pow((float) theta, exponent);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / (f * posFreq);
            float ramp = (float) ((i - low) / (high - low));
            ramp = Math.min(Math.max(ramp, 0f), 1f);
            float extrapolationFactor = 1 - ramp;
            out[i] =
                    interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return out;
    }

    private double correctionDim(double numRotations, int dim) {
        return (dim * Math.log(originalMaxPositionEmbeddings / (numRotations * 2 * Math.PI)))
                / (2 * Math.log(theta));
    }
}
