package dev.troupe.coordinator.data;

import java.util.List;

/**
 * A finite, indexed collection of examples: {@code get(i)} returns the same example for the same
 * {@code i} every time, so an order over indices ({@link EpochOrder}) fixes what a run sees.
 *
 * @param <T> the example type ({@link Problem}, {@link Conversation})
 */
public interface Dataset<T> {

    /** How many examples; at least 1. */
    int size();

    /** Example {@code index}, in [0, size). */
    T get(int index);

    /** A dataset over a list (copied). */
    static <T> Dataset<T> of(List<T> items) {
        List<T> copy = List.copyOf(items);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one example");
        }
        return new Dataset<>() {
            @Override
            public int size() {
                return copy.size();
            }

            @Override
            public T get(int index) {
                return copy.get(index);
            }
        };
    }
}
