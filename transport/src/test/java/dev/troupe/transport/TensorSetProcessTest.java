package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A publisher (this JVM) and subscriber JVMs over IPC through one media driver, as a learner and
 * rollouts on one host: every subscriber holds exactly the bytes of the version it reports; a late
 * subscriber and a restarted one are brought to the current version.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TensorSetProcessTest {
    private static final int STREAM = 6001;

    private static void publishAndAwait(TensorSetPublisher pub, long v, List<ChildJvm> subs)
            throws Exception {
        Map<String, Tensor> m = TensorSetTest.adapter(v);
        try {
            BatchDelivery d = pub.publish(v, m).delivered().get(20, TimeUnit.SECONDS);
            assertEquals(subs.size(), d.receivers().size(), d.toString());
        } finally {
            m.values().forEach(Tensor::close);
        }
        for (ChildJvm c : subs) {
            c.await(
                    "HOLD v" + v,
                    10_000,
                    l -> l.startsWith("HOLD ") && l.endsWith(" " + v + " OK"));
        }
    }

    @Test
    void shouldHaveEverySubscriberHoldExactlyTheVersionItReports() throws Exception {
        String dir = freshDirectory();
        List<ChildJvm> all = new ArrayList<>();
        try (TransportNode node = TransportNode.start(testConfig(dir));
                TensorSetPublisher pub =
                        TensorSetPublisher.open(
                                node,
                                ChannelSpec.ipc("adapter", STREAM),
                                "learner",
                                "adapter",
                                SenderListener.NONE)) {
            try {
                ChildJvm a =
                        ChildJvm.start(
                                "rollout-a",
                                SubscriberProcessMain.class,
                                dir,
                                "" + STREAM,
                                "rollout-a");
                ChildJvm b =
                        ChildJvm.start(
                                "rollout-b",
                                SubscriberProcessMain.class,
                                dir,
                                "" + STREAM,
                                "rollout-b");
                all.add(a);
                all.add(b);
                awaitTrue(
                        "two subscribers",
                        60_000,
                        () -> pub.subscribers().containsAll(List.of("rollout-a", "rollout-b")));
                for (long v = 1; v <= 3; v++) {
                    publishAndAwait(pub, v, List.of(a, b));
                }
                // A late subscriber gets the current version without a new publish.
                ChildJvm late =
                        ChildJvm.start(
                                "rollout-late",
                                SubscriberProcessMain.class,
                                dir,
                                "" + STREAM,
                                "rollout-late");
                all.add(late);
                late.await("HOLD v3", 60_000, l -> l.equals("HOLD rollout-late 3 OK"));
                // A restarted subscriber (same name, new instance) is brought up to date too.
                a.kill();
                ChildJvm again =
                        ChildJvm.start(
                                "rollout-a2",
                                SubscriberProcessMain.class,
                                dir,
                                "" + STREAM,
                                "rollout-a");
                all.add(again);
                again.await("HOLD v3 after restart", 60_000, l -> l.equals("HOLD rollout-a 3 OK"));
                publishAndAwait(pub, 4, List.of(b, late, again));
                for (ChildJvm c : all) {
                    assertTrue(c.lines.stream().noneMatch(l -> l.endsWith(" BAD")), c.dump());
                }
            } catch (AssertionError | Exception e) {
                StringBuilder dump = new StringBuilder(String.valueOf(e.getMessage()));
                for (ChildJvm c : all) {
                    dump.append('\n').append(c.dump());
                }
                throw new AssertionError(dump.toString(), e);
            } finally {
                for (ChildJvm c : all) {
                    c.close();
                }
            }
        }
    }
}
