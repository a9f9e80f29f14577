package dev.troupe.coordinator.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Hands out a dataset's examples epoch after epoch, in each epoch's {@link EpochOrder}, and keeps a
 * {@link DataCursor} of where it is. Saving {@link #cursor()} and building a new stream from it
 * continues the exact same sequence. Not thread-safe: one owner (the coordinator) draws from it.
 *
 * @param <T> the example type
 */
public final class DataStream<T> {
    private final Dataset<T> data;
    private final EpochOrder order;
    private final long seed;
    private long epoch;
    private long index;

    /**
     * A stream that continues from {@code cursor}.
     *
     * @throws IllegalArgumentException if the cursor points past the dataset, which means the
     *     dataset changed since the cursor was saved
     */
    public DataStream(Dataset<T> data, DataCursor cursor, boolean shuffle) {
        this.data = Objects.requireNonNull(data, "data");
        if (cursor.index() >= data.size()) {
            throw new IllegalArgumentException(
                    "cursor "
                            + cursor
                            + " points past the dataset of "
                            + data.size()
                            + " examples: the dataset changed since the cursor was saved");
        }
        this.order = new EpochOrder(data.size(), cursor.seed(), shuffle);
        this.seed = cursor.seed();
        this.epoch = cursor.epoch();
        this.index = cursor.index();
    }

    /** A stream from the start of epoch 0. */
    public static <T> DataStream<T> start(Dataset<T> data, long seed, boolean shuffle) {
        return new DataStream<>(data, DataCursor.start(seed), shuffle);
    }

    /** Where the next example comes from. */
    public DataCursor cursor() {
        return new DataCursor(seed, epoch, index);
    }

    /** The next example; after the last of an epoch comes the first of the next. */
    public T next() {
        T example = data.get(order.indexAt(epoch, index));
        index++;
        if (index == data.size()) {
            index = 0;
            epoch++;
        }
        return example;
    }

    /** The next {@code count} examples (crossing into the next epoch if need be). */
    public List<T> next(int count) {
        List<T> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(next());
        }
        return batch;
    }
}
