package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {
    @TempDir Path tmp;

    static String fails(String text) {
        RuntimeException e =
                assertThrows(
                        RuntimeException.class,
                        () -> RunConfig.from(ConfigFactory.parseString(text), "test.conf"));
        return e.getMessage();
    }

    @Test
    void defaultsAreValid() {
        RunConfig c = RunConfig.from(ConfigFactory.empty(), "defaults");
        assertEquals(8, c.rollout().groupSize());
        assertEquals(RunConfig.ROLES, c.cluster().roles());
    }

    @Test
    void quickstartIsValid() {
        RunConfig c =
                RunConfig.load(
                        dev.troupe.testkit.RepoPaths.root()
                                .resolve("config/examples/quickstart.conf"));
        assertTrue(c.learner().grpo().steps() > 0);
        assertTrue(c.model().path().isEmpty());
    }

    @Test
    void unknownKeysAndSectionsAreNamed() {
        assertTrue(fails("troupe.grpo.setps = 3").contains("troupe.grpo.setps"));
        assertTrue(fails("troupe.rollout.temprature = 1").contains("troupe.rollout.temprature"));
        String section = fails("troupe.grop { steps = 3 }");
        assertTrue(section.contains("troupe.grop") && section.contains("unknown section"), section);
        assertTrue(
                fails("troupe.model.tiny.hiden-size = 3").contains("troupe.model.tiny.hiden-size"));
    }

    @Test
    void wrongTypesAndRangesAreNamed() {
        assertTrue(fails("troupe.grpo.steps = lots").contains("troupe.grpo.steps"));
        assertTrue(fails("troupe.rollout.top-p = 2").contains("troupe.rollout.top-p"));
        assertTrue(fails("troupe.cluster.roles = [gpu]").contains("unknown role 'gpu'"));
        assertTrue(fails("troupe.cluster.seed-nodes = [localhost]").contains("host:port"));
        assertTrue(fails("troupe.model.device = tpu").contains("troupe.model.device"));
        assertTrue(fails("troupe.model.tiny.heads = 3").contains("heads"));
    }

    @Test
    void rewardClassesAreCheckedBeforeAnythingLoads() {
        String missing =
                fails("troupe.reward.functions = [ { name = \"com.example.NoSuchReward\" } ]");
        assertTrue(missing.contains("com.example.NoSuchReward"), missing);
        String notReward = fails("troupe.reward.functions = [ { name = \"java.lang.String\" } ]");
        assertTrue(notReward.contains("java.lang.String"), notReward);
        assertTrue(notReward.contains("RewardFunction"), notReward);
    }

    @Test
    void fileErrorsNameTheFileAndLine() throws Exception {
        Path f = tmp.resolve("bad.conf");
        Files.writeString(f, "troupe {\n  grpo {\n    steps = -3\n  }\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertTrue(e.getMessage().contains("bad.conf"), e.getMessage());
        assertTrue(e.getMessage().contains(": 3"), e.getMessage());
        assertThrows(ConfigException.class, () -> RunConfig.load(tmp.resolve("none.conf")));
        Files.writeString(f, "troupe { grpo { steps = 3 }");
        ConfigException syntax = assertThrows(ConfigException.class, () -> RunConfig.load(f));
        assertTrue(syntax.getMessage().contains("bad.conf"), syntax.getMessage());
    }
}
