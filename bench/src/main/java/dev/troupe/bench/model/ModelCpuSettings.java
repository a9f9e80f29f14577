package dev.troupe.bench.model;

/**
 * JMH settings shared by the model CPU benchmarks, chosen so that the whole suite (8 forks) runs in
 * about three minutes on a 2-core machine while the slowest operation (prefill of 8 x 128 tokens)
 * still completes several times per iteration.
 */
final class ModelCpuSettings {
    private ModelCpuSettings() {}

    static final int WARMUP_ITERATIONS = 2;
    static final int MEASUREMENT_ITERATIONS = 4;
    static final int ITERATION_SECONDS = 2;

    /**
     * JavaCPP's own native-memory ceilings are off: libtorch manages its memory and the benchmarks
     * free every per-operation handle through a PointerScope.
     */
    static final String JAVACPP_NO_LIMIT_PHYSICAL = "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0";

    static final String JAVACPP_NO_LIMIT = "-Dorg.bytedeco.javacpp.maxBytes=0";
}
