package dev.troupe.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.troupe.reward.RewardActor.ErrorKind;
import dev.troupe.reward.RewardActor.FunctionScore;
import dev.troupe.reward.RewardActor.Outcome;
import dev.troupe.reward.RewardActor.SampleError;
import dev.troupe.reward.RewardActor.SampleScore;
import dev.troupe.reward.RewardActor.ScoreReply;
import dev.troupe.reward.RewardActor.ScoreRequest;
import dev.troupe.reward.testing.Inputs;
import dev.troupe.reward.testing.ScriptedReward;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@Timeout(60)
class RewardActorTest {

    @JUnit5TestKit public final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    private static final String SCRIPTED =
            "{ name = \"" + ScriptedReward.class.getName() + "\", label = scripted }";

    private final List<ActorRef<RewardActor.Command>> actors = new ArrayList<>();

    @AfterEach
    void stopActors() {
        ScriptedReward.releaseHung();
        actors.forEach(testKit::stop);
        actors.clear();
    }

    private ActorRef<RewardActor.Command> spawn(String hocon) {
        RewardConfig config =
                RewardConfig.load(
                        ConfigFactory.parseString(hocon)
                                .withFallback(ConfigFactory.defaultReference())
                                .resolve());
        ActorRef<RewardActor.Command> actor = testKit.spawn(RewardActor.create(config));
        actors.add(actor);
        return actor;
    }

    private static ScoreRequest request(
            long id, ActorRef<ScoreReply> replyTo, String... completions) {
        List<RewardInput> samples = new ArrayList<>();
        for (int i = 0; i < completions.length; i++) {
            samples.add(Inputs.sample(7, 3, i, completions[i], "#### 18"));
        }
        return new ScoreRequest(id, samples, replyTo);
    }

    private ScoreReply score(ActorRef<RewardActor.Command> actor, String... completions) {
        TestProbe<ScoreReply> probe = testKit.createTestProbe(ScoreReply.class);
        actor.tell(request(1L, probe.getRef(), completions));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    private static SampleError onlyError(SampleScore sample) {
        assertEquals(1, sample.errors().size(), sample.toString());
        return sample.errors().get(0);
    }

    @Test
    void shouldRunWithEveryMessageSerialized() {
        assertTrue(
                testKit.system().settings().config().getBoolean("pekko.actor.serialize-messages"));
    }

    @Test
    void shouldScoreEveryFunctionAndWeightedTotalInRequestOrder() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ { name = format, weight = 0.5 },"
                                + " { name = gsm8k_correctness, weight = 2.0, label = correct } ]");
        ScoreReply reply =
                score(
                        actor,
                        "<think>9 * 2</think><answer>18</answer>",
                        "<think>9 * 3</think><answer>27</answer>",
                        "9 * 2 = 18\n#### 18");

        assertEquals(1L, reply.requestId());
        assertEquals(Outcome.SCORED, reply.outcome());
        assertEquals(1, reply.attempts());
        assertEquals(
                List.of(new SampleId(7, 3, 0), new SampleId(7, 3, 1), new SampleId(7, 3, 2)),
                reply.samples().stream().map(SampleScore::sampleId).toList());
        assertEquals(
                List.of(OptionalDouble.of(2.5), OptionalDouble.of(0.5), OptionalDouble.of(2.0)),
                reply.samples().stream().map(SampleScore::total).toList());
        SampleScore first = reply.samples().get(0);
        assertEquals(
                List.of("format", "correct"),
                first.functions().stream().map(FunctionScore::function).toList());
        assertEquals(1.0, first.functions().get(1).score());
        assertEquals("18", first.functions().get(1).details().get("extracted"));
        assertTrue(reply.samples().stream().allMatch(s -> s.errors().isEmpty()));
    }

    @Test
    void shouldRecordThrowingRewardAsErrorNotAsZero() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ { name = format }, "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group");
        ScoreReply reply = score(actor, "score:1", "throw");

        assertEquals(Outcome.DROPPED, reply.outcome());
        assertEquals(1, reply.attempts());
        assertEquals(OptionalDouble.of(1.0), reply.samples().get(0).total());
        SampleScore failed = reply.samples().get(1);
        assertEquals(OptionalDouble.empty(), failed.total());
        assertEquals(
                List.of("format"),
                failed.functions().stream().map(FunctionScore::function).toList());
        SampleError error = onlyError(failed);
        assertEquals(1, error.attempt());
        assertEquals(ErrorKind.THREW, error.kind());
        assertEquals("scripted", error.function());
        assertTrue(
                error.message().contains("IllegalStateException: scripted failure"),
                error.message());
        assertTrue(error.message().contains("ScriptedReward.score"), error.message());
    }

    @Test
    void shouldRecordNaNAndNullAsInvalidScore() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\ntroupe.reward.on-error = drop-group");
        ScoreReply reply = score(actor, "nan", "null", "score:0");

        assertEquals(Outcome.DROPPED, reply.outcome());
        assertEquals(ErrorKind.INVALID_SCORE, onlyError(reply.samples().get(0)).kind());
        assertEquals("returned score NaN", onlyError(reply.samples().get(0)).message());
        assertEquals(ErrorKind.INVALID_SCORE, onlyError(reply.samples().get(1)).kind());
        assertEquals("returned null", onlyError(reply.samples().get(1)).message());
        assertEquals(OptionalDouble.of(0.0), reply.samples().get(2).total());
    }

    @Test
    void shouldTimeOutSleepingRewardWhileOtherSamplesScore() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.sample-timeout = 300ms");
        long start = System.nanoTime();
        ScoreReply reply = score(actor, "sleep", "score:2", "score:3", "score:4");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "reply took " + took);
        assertEquals(Outcome.DROPPED, reply.outcome());
        SampleError error = onlyError(reply.samples().get(0));
        assertEquals(ErrorKind.TIMED_OUT, error.kind());
        assertEquals("scripted", error.function());
        assertTrue(error.message().contains("no result within 300 ms"), error.message());
        assertEquals(
                List.of(OptionalDouble.of(2.0), OptionalDouble.of(3.0), OptionalDouble.of(4.0)),
                reply.samples().subList(1, 4).stream().map(SampleScore::total).toList());
        // The actor is not blocked: the next group scores normally.
        assertEquals(Outcome.SCORED, score(actor, "score:5").outcome());
    }

    @Test
    void shouldReplaceWorkerStuckInRewardThatIgnoresInterrupts() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.sample-timeout = 300ms\n"
                                + "troupe.reward.worker-pool { size = 1, max-stuck-workers = 1 }");
        ScoreReply hung = score(actor, "hang");
        assertEquals(ErrorKind.TIMED_OUT, onlyError(hung.samples().get(0)).kind());
        assertTrue(onlyError(hung.samples().get(0)).message().contains("interrupted and replaced"));

        // The only original worker is still stuck; its replacement scores the next group.
        ScoreReply next = score(actor, "score:1", "score:2");
        assertEquals(Outcome.SCORED, next.outcome());
        assertEquals(OptionalDouble.of(2.0), next.samples().get(1).total());
    }

    @Test
    void shouldFailWithNoWorkerWhenEveryWorkerIsStuck() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.sample-timeout = 300ms\n"
                                + "troupe.reward.worker-pool { size = 1, max-stuck-workers = 0 }");
        assertEquals(ErrorKind.TIMED_OUT, onlyError(score(actor, "hang").samples().get(0)).kind());

        ScoreReply refused = score(actor, "score:1");
        assertEquals(Outcome.DROPPED, refused.outcome());
        SampleError error = onlyError(refused.samples().get(0));
        assertEquals(ErrorKind.NO_WORKER, error.kind());
        assertEquals("", error.function());
        assertTrue(error.message().contains("stuck"), error.message());
    }

    @Test
    void shouldRescoreOnlyFailedSamplesUntilTheyScore() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = rescore\n"
                                + "troupe.reward.max-retries = 2");
        ScoreReply reply = score(actor, "flaky:1", "score:2");

        assertEquals(Outcome.SCORED, reply.outcome());
        assertEquals(2, reply.attempts());
        SampleScore rescored = reply.samples().get(0);
        assertEquals(OptionalDouble.of(1.0), rescored.total());
        SampleError first = onlyError(rescored);
        assertEquals(1, first.attempt());
        assertEquals(ErrorKind.THREW, first.kind());
        assertEquals(OptionalDouble.of(2.0), reply.samples().get(1).total());
        assertEquals(List.of(), reply.samples().get(1).errors());
    }

    @Test
    void shouldDropGroupWhenRescoringRunsOut() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = rescore\n"
                                + "troupe.reward.max-retries = 1");
        ScoreReply reply = score(actor, "throw", "score:1");

        assertEquals(Outcome.DROPPED, reply.outcome());
        assertEquals(2, reply.attempts());
        assertEquals(
                List.of(1, 2),
                reply.samples().get(0).errors().stream().map(SampleError::attempt).toList());
        assertEquals(OptionalDouble.empty(), reply.samples().get(0).total());
        assertEquals(OptionalDouble.of(1.0), reply.samples().get(1).total());
        assertEquals(Map.of(ErrorKind.THREW, 2), reply.errorCounts());
    }

    @Test
    void shouldDropGroupAtOnceUnderDropGroupPolicy() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.max-retries = 3");
        ScoreReply reply = score(actor, "flaky:1");

        assertEquals(Outcome.DROPPED, reply.outcome());
        assertEquals(1, reply.attempts());
        assertEquals(ErrorKind.THREW, onlyError(reply.samples().get(0)).kind());
    }

    @Test
    void shouldAnswerConcurrentGroupsSeparately() {
        ActorRef<RewardActor.Command> actor =
                spawn(
                        "troupe.reward.functions = [ "
                                + SCRIPTED
                                + " ]\n"
                                + "troupe.reward.on-error = drop-group\n"
                                + "troupe.reward.sample-timeout = 500ms");
        TestProbe<ScoreReply> probe = testKit.createTestProbe(ScoreReply.class);
        actor.tell(request(1L, probe.getRef(), "sleep"));
        actor.tell(request(2L, probe.getRef(), "score:2"));

        ScoreReply fast = probe.receiveMessage(Duration.ofSeconds(10));
        ScoreReply slow = probe.receiveMessage(Duration.ofSeconds(10));
        assertEquals(2L, fast.requestId());
        assertEquals(Outcome.SCORED, fast.outcome());
        assertEquals(1L, slow.requestId());
        assertEquals(Outcome.DROPPED, slow.outcome());
    }

    @Test
    void shouldKeepOtherRewardActorsScoringWhenOneHasEveryWorkerStuck() {
        String stuckable =
                "troupe.reward.functions = [ "
                        + SCRIPTED
                        + " ]\n"
                        + "troupe.reward.on-error = drop-group\n"
                        + "troupe.reward.sample-timeout = 300ms\n"
                        + "troupe.reward.worker-pool { size = 1, max-stuck-workers = 0 }";
        ActorRef<RewardActor.Command> first = spawn(stuckable);
        ActorRef<RewardActor.Command> second = spawn(stuckable);
        assertEquals(ErrorKind.TIMED_OUT, onlyError(score(first, "hang").samples().get(0)).kind());
        assertEquals(Map.of(ErrorKind.NO_WORKER, 1), score(first, "score:1").errorCounts());

        assertEquals(Outcome.SCORED, score(second, "score:1").outcome());
    }

    @Test
    void shouldAnswerEmptyGroup() {
        ActorRef<RewardActor.Command> actor = spawn("");
        ScoreReply reply = score(actor);
        assertEquals(Outcome.SCORED, reply.outcome());
        assertEquals(List.of(), reply.samples());
    }
}
