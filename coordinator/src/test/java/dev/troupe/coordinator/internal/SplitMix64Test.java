package dev.troupe.coordinator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SplitMix64Test {
    @Test
    void shouldMatchTheReferenceSplitMix64Sequence() {
        // Vigna's splitmix64.c seeded with 0.
        SplitMix64 random = new SplitMix64(0);
        assertEquals(0xe220a8397b1dcdafL, random.next());
        assertEquals(0x6e789e6aa1b965f4L, random.next());
        assertEquals(0x06c45d188009454fL, random.next());
    }

    @Test
    void shouldDrawBoundedValuesInsideTheirRange() {
        SplitMix64 random = new SplitMix64(1);
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            counts[random.nextInt(3)]++;
            long v = random.nextLong(-2, 2);
            if (v < -2 || v > 2) {
                throw new AssertionError(v);
            }
        }
        for (int c : counts) {
            // Each of three outcomes near 10,000 (standard deviation about 82).
            assertEquals(10_000, c, 400);
        }
    }
}
