package dev.troupe.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The MLP activations of the supported architectures, by their Hugging Face names. */
public enum HiddenAct {
    /** x * sigmoid(x); HF names it "silu" or "swish". */
    SILU("silu", "swish"),
    /** Exact GELU with erf. */
    GELU("gelu"),
    /** GELU with the tanh approximation. */
    GELU_TANH("gelu_pytorch_tanh", "gelu_new", "gelu_fast"),
    RELU("relu");

    private final String[] names;

    HiddenAct(String... names) {
        this.names = names;
    }

    /**
     * The activation with this HF name.
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static HiddenAct fromHfName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (HiddenAct a : values()) {
            for (String s : a.names) {
                if (s.equals(n)) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException(
                "unsupported hidden_act '"
                        + name
                        + "' (valid: "
                        + Arrays.stream(values())
                                .flatMap(a -> Arrays.stream(a.names))
                                .collect(Collectors.joining(", "))
                        + ")");
    }
}
