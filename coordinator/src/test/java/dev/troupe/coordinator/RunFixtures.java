package dev.troupe.coordinator;

import com.typesafe.config.ConfigFactory;

/** Small run configs for the run tests: a tiny model and a few short steps, CPU. */
final class RunFixtures {
    private RunFixtures() {}

    /** A short run: SFT warm start, GRPO, evaluations, with every message serialized. */
    static RunConfig shortRun(String extra) {
        return RunConfig.from(
                ConfigFactory.parseString(
                        """
                                pekko.actor.serialize-messages = on
                                troupe {
                                  model {
                                    device = cpu
                                    cpu-threads = 1
                                    tiny { hidden-size = 64, intermediate-size = 128, layers = 2,
                                           heads = 2, kv-heads = 1 }
                                  }
                                  metrics.progress = off
                                  data {
                                    prompt { format = plain, template = "{question}\\n" }
                                    arithmetic { operations = ["+"], max-digits = 1, test-share = 0.2, test-size = 12 }
                                    sft { response-template = "<think>{reasoning}</think><answer>{answer}</answer>",
                                          include-reasoning = true }
                                  }
                                  sft { steps = 6, batch-size = 16, learning-rate = 3e-3 }
                                  rollout { group-size = 4, max-new-tokens = 24 }
                                  grpo { steps = 4, prompts-per-step = 4, kl-beta = 0.01 }
                                  learner { learning-rate = 1e-3, micro-batch-size = 8 }
                                  eval { problems = 12 }
                                  reward.functions = [ { name = "tiered_0_1_10" },
                                                       { name = "format", weight = 0.5 } ]
                                }
                                """
                                // Last, so the test's settings win.
                                + extra),
                "test");
    }
}
