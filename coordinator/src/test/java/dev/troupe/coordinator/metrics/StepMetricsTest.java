package dev.troupe.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class StepMetricsTest {

    @Test
    void shouldKeepValuesInTheOrderTheyWerePut() {
        StepMetrics m =
                StepMetrics.builder(3)
                        .wallTimeSeconds(10)
                        .put(MetricNames.ACCURACY, 0.5)
                        .put(MetricNames.KL, 0.01)
                        .put(MetricNames.rewardMean("gsm8k_correct"), 1)
                        .build();
        assertEquals(
                List.of("accuracy", "kl", "reward_gsm8k_correct_mean"),
                List.copyOf(m.values().keySet()));
        assertEquals(OptionalDouble.of(0.5), m.get("accuracy"));
        assertEquals(OptionalDouble.empty(), m.get("entropy"));
    }

    @Test
    void shouldPutThePopulationMeanAndStandardDeviation() {
        StepMetrics m =
                StepMetrics.builder(1).putMeanStd("reward", new double[] {1, 3, 5, 7}).build();
        assertEquals(4.0, m.get("reward_mean").getAsDouble());
        assertEquals(Math.sqrt(5), m.get("reward_std").getAsDouble(), 1e-12);
        assertEquals(
                0,
                StepMetrics.builder(1).putMeanStd("reward", new double[0]).build().values().size());
    }

    @Test
    void shouldRefuseNamesThatAreNotSnakeCaseOrAreReserved() {
        for (String bad :
                List.of(
                        "rewardMean",
                        "reward-mean",
                        "Reward",
                        "_x",
                        "x__y",
                        "x_",
                        "step",
                        "wall_time",
                        "")) {
            assertThrows(
                    IllegalArgumentException.class, () -> StepMetrics.builder(1).put(bad, 1), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> MetricNames.rewardMean("Format"));
        assertEquals("reward_format2_std", MetricNames.rewardStd("format2"));
    }
}
