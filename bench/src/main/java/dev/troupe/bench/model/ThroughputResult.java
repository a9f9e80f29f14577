package dev.troupe.bench.model;

/**
 * One benchmark's measured throughput, in operations and in tokens.
 *
 * @param benchmark what one operation is: {@code prefill} or {@code decodeStep}
 * @param batchSize sequences per operation
 * @param sequenceTokens prompt length for prefill, cached context length for a decode step
 * @param adapter the adapter applied
 * @param tokensPerOperation tokens one operation processes: {@code batchSize * sequenceTokens} for
 *     prefill, {@code batchSize} for a decode step
 * @param operationsPerSecond JMH's mean score
 * @param operationsPerSecondError JMH's half-width of the 99.9% confidence interval (NaN when too
 *     few iterations ran to compute one)
 */
public record ThroughputResult(
        String benchmark,
        int batchSize,
        int sequenceTokens,
        AdapterVariant adapter,
        long tokensPerOperation,
        double operationsPerSecond,
        double operationsPerSecondError) {

    public static final String PREFILL = "prefill";
    public static final String DECODE_STEP = "decodeStep";

    public static ThroughputResult prefill(
            int batchSize,
            int promptTokens,
            AdapterVariant adapter,
            double operationsPerSecond,
            double operationsPerSecondError) {
        return new ThroughputResult(
                PREFILL,
                batchSize,
                promptTokens,
                adapter,
                (long) batchSize * promptTokens,
                operationsPerSecond,
                operationsPerSecondError);
    }

    public static ThroughputResult decodeStep(
            int batchSize,
            int contextTokens,
            AdapterVariant adapter,
            double operationsPerSecond,
            double operationsPerSecondError) {
        return new ThroughputResult(
                DECODE_STEP,
                batchSize,
                contextTokens,
                adapter,
                batchSize,
                operationsPerSecond,
                operationsPerSecondError);
    }

    public double tokensPerSecond() {
        return operationsPerSecond * tokensPerOperation;
    }

    public double tokensPerSecondError() {
        return operationsPerSecondError * tokensPerOperation;
    }

    /** Milliseconds per operation (per prefill, or per decode step of the whole batch). */
    public double millisPerOperation() {
        return 1000.0 / operationsPerSecond;
    }

    /** "B=8 T=128" for prefill (batch, prompt tokens), "B=8 ctx=128" for a decode step. */
    public String shape() {
        return benchmark.equals(PREFILL)
                ? "B=" + batchSize + " T=" + sequenceTokens
                : "B=" + batchSize + " ctx=" + sequenceTokens;
    }

    /** Whether {@code other} measures the same operation on the same shape. */
    public boolean sameShapeAs(ThroughputResult other) {
        return benchmark.equals(other.benchmark)
                && batchSize == other.batchSize
                && sequenceTokens == other.sequenceTokens;
    }
}
