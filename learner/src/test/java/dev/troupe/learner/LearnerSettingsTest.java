package dev.troupe.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.troupe.learner.algo.LossAggregation;
import org.junit.jupiter.api.Test;

class LearnerSettingsTest {
    static Config config(String text) {
        return ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    @Test
    void grpoScheduleSpansEveryOptimiserStep() {
        LearnerSettings s =
                LearnerSettings.from(
                        config("troupe.grpo { steps = 10, epochs = 2, mini-batches = 3 }"));
        TrainerConfig t = s.grpoTrainer();
        assertEquals(60, t.schedule().totalSteps());
        assertEquals(2, t.epochs());
        assertEquals(3, t.miniBatches());
        assertEquals(1e-5, t.schedule().peak());
    }

    @Test
    void sftUsesItsOwnRateAndTokenMean() {
        LearnerSettings s =
                LearnerSettings.from(
                        config(
                                "troupe.sft { steps = 7, learning-rate = 3e-3 }\n"
                                        + "troupe.grpo.loss-aggregation = seq-mean-token-mean"));
        TrainerConfig t = s.sftTrainer();
        assertEquals(3e-3, t.schedule().peak());
        assertEquals(7, t.schedule().totalSteps());
        assertEquals(LossAggregation.TOKEN_MEAN, t.aggregation());
        assertEquals(LossAggregation.SEQ_MEAN_TOKEN_MEAN, s.grpoTrainer().aggregation());
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException unknown =
                assertThrows(
                        ConfigException.class,
                        () -> LearnerSettings.from(config("troupe.grpo.clip-hihg = 0.3")));
        assertTrue(unknown.getMessage().contains("troupe.grpo.clip-hihg"), unknown.getMessage());
        ConfigException type =
                assertThrows(
                        ConfigException.class,
                        () -> LearnerSettings.from(config("troupe.grpo.epochs = many")));
        assertTrue(type.getMessage().contains("troupe.grpo.epochs"), type.getMessage());
        ConfigException range =
                assertThrows(
                        ConfigException.class,
                        () -> LearnerSettings.from(config("troupe.grpo.clip-low = 1.5")));
        assertTrue(range.getMessage().contains("clip-low"), range.getMessage());
        ConfigException kl =
                assertThrows(
                        ConfigException.class,
                        () -> LearnerSettings.from(config("troupe.grpo.kl-estimator = k9")));
        assertTrue(kl.getMessage().contains("kl-estimator"), kl.getMessage());
    }
}
