package dev.troupe.learner.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GrpoAdvantagesTest {
    @Test
    void shouldNormaliseByTheUnbiasedGroupStd() {
        // Group 0: rewards 1, 0, 0, 1 -> mean 0.5, unbiased std sqrt(1/3) = 0.57735.
        float[] a =
                GrpoAdvantages.compute(
                        new float[] {1, 0, 0, 1}, new int[] {0, 0, 0, 0}, 1e-6, true);
        double expected = 0.5 / (Math.sqrt(1.0 / 3.0) + 1e-6);
        assertArrayEquals(
                new float[] {
                    (float) expected, (float) -expected, (float) -expected, (float) expected
                },
                a,
                1e-6f);
    }

    @Test
    void shouldOnlyCentreWithoutStdScaling() {
        float[] a =
                GrpoAdvantages.compute(
                        new float[] {10, 1, 0, 1}, new int[] {7, 7, 7, 7}, 1e-6, false);
        assertArrayEquals(new float[] {7, -2, -3, -2}, a, 1e-6f);
    }

    @Test
    void shouldKeepGroupsApart() {
        float[] a =
                GrpoAdvantages.compute(
                        new float[] {1, 3, 10, 10}, new int[] {0, 0, 1, 1}, 1e-6, false);
        assertArrayEquals(new float[] {-1, 1, 0, 0}, a, 1e-6f);
    }

    @Test
    void shouldGiveZeroToAGroupOfOneAndToAGroupWithoutSpread() {
        float[] a =
                GrpoAdvantages.compute(
                        new float[] {5, 2, 2, 2}, new int[] {3, 4, 4, 4}, 1e-6, true);
        assertArrayEquals(new float[] {0, 0, 0, 0}, a, 0f);
    }

    @Test
    void shouldRejectMismatchedLengths() {
        assertThrows(
                IllegalArgumentException.class,
                () -> GrpoAdvantages.compute(new float[2], new int[3], 1e-6, true));
        assertEquals(0, GrpoAdvantages.compute(new float[0], new int[0], 1e-6, true).length);
    }
}
