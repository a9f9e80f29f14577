package dev.troupe.coordinator.data;

import dev.troupe.coordinator.internal.SplitMix64;

/**
 * The order in which each epoch visits a dataset of {@code size} examples: a seeded permutation per
 * epoch, a pure function of (size, seed, epoch), or the identity without shuffling.
 *
 * <p>The permutation is a Fisher-Yates shuffle drawn from a {@link SplitMix64} stream keyed by
 * (seed, epoch): for i from size - 1 down to 1, swap slot i with a uniform slot in [0, i]. The
 * current epoch's permutation is kept (4 bytes per example).
 */
public final class EpochOrder {
    private static final long EPOCH_STREAM = 0x6570_6f63_68L; // "epoch"

    private final int size;
    private final long seed;
    private final boolean shuffle;
    private long cachedEpoch = -1;
    private int[] cached;

    public EpochOrder(int size, long seed, boolean shuffle) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1: " + size);
        }
        this.size = size;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    public int size() {
        return size;
    }

    /** The dataset index visited at {@code position} of {@code epoch}. */
    public int indexAt(long epoch, long position) {
        if (epoch < 0 || position < 0 || position >= size) {
            throw new IndexOutOfBoundsException(
                    "epoch " + epoch + ", position " + position + " of " + size);
        }
        if (!shuffle) {
            return (int) position;
        }
        return permutation(epoch)[(int) position];
    }

    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            SplitMix64 random = new SplitMix64(SplitMix64.key(seed, EPOCH_STREAM, epoch));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cached = order;
            cachedEpoch = epoch;
        }
        return cached;
    }
}
