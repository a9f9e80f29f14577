package dev.troupe.model.config;

/**
 * The family-specific keys of a {@code config.json}, bound with the Hugging Face key names; the
 * family knows its transformers defaults and its structure, and turns itself and the {@link
 * CommonConfig} keys into a {@link DecoderSpec}.
 */
public interface HfConfig {

    /**
     * The normalised architecture.
     *
     * @throws IllegalArgumentException naming the key and the problem when a value is out of range
     */
    DecoderSpec toSpec(CommonConfig common);
}
