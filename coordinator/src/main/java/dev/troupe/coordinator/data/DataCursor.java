package dev.troupe.coordinator.data;

/**
 * Where a run is in its data: the whole state needed to continue the same sequence of examples
 * after a restart. Three numbers, saved with each checkpoint (any serializer of records will do;
 * Jackson writes {@code {"seed":7,"epoch":1,"index":42}}).
 *
 * @param seed the shuffle seed; epoch {@code e}'s order is a pure function of (seed, e)
 * @param epoch passes completed over the dataset, 0 or more
 * @param index position of the next example within the epoch's order, 0 or more
 */
public record DataCursor(long seed, long epoch, long index) {

    public DataCursor {
        if (epoch < 0 || index < 0) {
            throw new IllegalArgumentException(
                    "epoch and index must be 0 or more: epoch " + epoch + ", index " + index);
        }
    }

    /** The start of a run with this seed. */
    public static DataCursor start(long seed) {
        return new DataCursor(seed, 0, 0);
    }
}
