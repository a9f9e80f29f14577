package dev.troupe.coordinator.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataStreamTest {
    static final Dataset<Integer> HUNDRED = Dataset.of(IntStream.range(0, 100).boxed().toList());

    @Test
    void shouldVisitEveryExampleOncePerEpochInADifferentOrderEachEpoch() {
        DataStream<Integer> stream = DataStream.start(HUNDRED, 9, true);

        List<Integer> first = stream.next(100);
        assertEquals(new DataCursor(9, 1, 0), stream.cursor());
        List<Integer> second = stream.next(100);

        assertEquals(IntStream.range(0, 100).boxed().toList(), first.stream().sorted().toList());
        assertEquals(IntStream.range(0, 100).boxed().toList(), second.stream().sorted().toList());
        assertNotEquals(first, second);
        assertNotEquals(IntStream.range(0, 100).boxed().toList(), first);
    }

    @Test
    void shouldGiveTheSameOrderForTheSameSeedAndAnotherForAnotherSeed() {
        assertEquals(
                DataStream.start(HUNDRED, 1, true).next(250),
                DataStream.start(HUNDRED, 1, true).next(250));
        assertNotEquals(
                DataStream.start(HUNDRED, 1, true).next(100),
                DataStream.start(HUNDRED, 2, true).next(100));
    }

    @Test
    void shouldContinueTheSameSequenceFromASavedAndRestoredCursor() throws Exception {
        List<Integer> uninterrupted = DataStream.start(HUNDRED, 5, true).next(250);

        DataStream<Integer> before = DataStream.start(HUNDRED, 5, true);
        List<Integer> seen = new ArrayList<>(before.next(137));
        ObjectMapper json = new ObjectMapper();
        String saved = json.writeValueAsString(before.cursor());
        assertEquals("{\"seed\":5,\"epoch\":1,\"index\":37}", saved);

        DataStream<Integer> after =
                new DataStream<>(HUNDRED, json.readValue(saved, DataCursor.class), true);
        seen.addAll(after.next(113));

        assertEquals(uninterrupted, seen);
    }

    @Test
    void shouldKeepFileOrderWithoutShuffling() {
        List<Integer> order = DataStream.start(HUNDRED, 5, false).next(150);
        assertEquals(IntStream.range(0, 150).map(i -> i % 100).boxed().toList(), order);
    }

    @Test
    void shouldPermuteDeterministicallyAsAPureFunctionOfSeedAndEpoch() {
        EpochOrder a = new EpochOrder(1000, 3, true);
        EpochOrder b = new EpochOrder(1000, 3, true);
        // b computes epoch 4 first, then 2: the cache must not leak between epochs.
        int[] a2 = IntStream.range(0, 1000).map(i -> a.indexAt(2, i)).toArray();
        IntStream.range(0, 1000).forEach(i -> b.indexAt(4, i));
        int[] b2 = IntStream.range(0, 1000).map(i -> b.indexAt(2, i)).toArray();
        assertEquals(IntStream.of(a2).boxed().toList(), IntStream.of(b2).boxed().toList());
        // Positions land roughly uniformly: the mean of the first half's indices is near 499.5.
        double mean = IntStream.range(0, 500).map(i -> a.indexAt(7, i)).average().orElseThrow();
        assertTrue(Math.abs(mean - 499.5) < 50, "mean " + mean);
    }

    @Test
    void shouldRefuseACursorPastTheDataset() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new DataStream<>(HUNDRED, new DataCursor(1, 0, 100), true));
        assertTrue(e.getMessage().contains("the dataset changed"), e.getMessage());
    }
}
