package dev.troupe.bench.model;

import java.util.SplittableRandom;

/** Token ids for benchmark inputs: seeded, uniform over the vocabulary. */
final class BenchTokens {
    private BenchTokens() {}

    /** {@code count} ids in {@code [0, vocab)}, row-major for a (rows, cols) tensor. */
    static long[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(BenchModels.VOCAB_SIZE);
        }
        return ids;
    }
}
