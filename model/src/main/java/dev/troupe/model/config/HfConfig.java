package dev.troupe.model.config;

/**
 * A family-specific {@code config.json}, bound field by field with the Hugging Face key names, that
 * knows its family's defaults and turns itself into a {@link DecoderSpec}.
 */
public interface HfConfig {

    /**
     * The normalised architecture.
     *
     * @throws IllegalArgumentException naming the key and the problem when a value is out of range
     */
    DecoderSpec toSpec();
}
