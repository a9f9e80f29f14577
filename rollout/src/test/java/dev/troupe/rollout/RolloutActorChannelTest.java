package dev.troupe.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.settings.LoraSettings;
import dev.troupe.proto.v1.ConfigureWorker;
import dev.troupe.proto.v1.GenerateReply;
import dev.troupe.proto.v1.UseAdapter;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.NoGrad;
import dev.troupe.tensor.SeededRandom;
import dev.troupe.tensor.Tensors;
import dev.troupe.testkit.RepoPaths;
import dev.troupe.transport.AdapterChannel;
import dev.troupe.transport.SenderListener;
import dev.troupe.transport.TensorSetPublisher;
import dev.troupe.transport.TransportConfig;
import dev.troupe.transport.TransportNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rollout entity that adapter versions reach over the tensor channel: one that starts after the
 * learner published (joins late) and one that restarts both fetch the current version without a new
 * publish, and generate with exactly the version they report.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RolloutActorChannelTest {
    static final Path MODEL = RepoPaths.fixture("hf", "qwen2");
    static final int STREAM = 4101;
    static final Duration WAIT = Duration.ofSeconds(30);

    static ActorTestKit kit;
    static TransportNode node;
    static String configJson;
    static DecoderModel model;
    static LoraSettings lora;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
        String dir =
                (Path.of("/dev/shm").toFile().isDirectory()
                                ? Path.of("/dev/shm")
                                : Path.of(System.getProperty("java.io.tmpdir")))
                        .resolve("troupe-test-" + UUID.randomUUID())
                        .toString();
        node =
                TransportNode.start(
                        TransportConfig.parse(
                                "troupe.transport { driver { directory = \""
                                        + dir
                                        + "\", ipc-term-length = 1m }, hello-interval = 100ms }"));
        Config run =
                ConfigFactory.parseString(
                                "troupe.model { device = cpu, dtype = float32 }\n"
                                        + "troupe.lora { rank = 4, alpha = 8 }\n"
                                        + "troupe.rollout.max-batch-sequences = 4")
                        .withFallback(ConfigFactory.defaultReference())
                        .resolve();
        configJson = run.withOnlyPath("troupe").root().render(ConfigRenderOptions.concise());
        lora = LoraSettings.from(run);
        model = ModelLoader.load(MODEL, ComputeDevice.CPU, DType.F32);
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
        node.close();
        model.close();
    }

    /** Adapter version {@code v}: B filled with a pattern of {@code v}, so versions differ. */
    static Map<String, Tensor> version(long v) {
        try (LoraAdapter a = LoraAdapter.create(model, lora.config(), lora.seed());
                NoGrad g = new NoGrad()) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var e : a.peftTensors().entrySet()) {
                Tensor t = e.getValue().clone();
                if (e.getKey().contains("lora_B")) {
                    try (SeededRandom random = new SeededRandom(ComputeDevice.CPU, 1000 + v);
                            Tensor r = random.normal(0, 0.5, Tensors.shape(t))) {
                        t.copy_(r);
                    }
                }
                out.put(e.getKey(), t);
            }
            return out;
        }
    }

    /** Configures {@code rollout}, swaps it to {@code v} over the channel and generates. */
    static GenerateReply swapAndGenerate(ActorRef<RolloutActor.Command> rollout, long v) {
        TestProbe<RolloutActor.Ready> ready = kit.createTestProbe();
        rollout.tell(
                new RolloutActor.Configure(
                        ConfigureWorker.newBuilder()
                                .setRunId("run-1")
                                .setConfigJson(configJson)
                                .setModelPath(MODEL.toString())
                                .build(),
                        ready.getRef()));
        assertEquals(
                "", ready.expectMessageClass(RolloutActor.Ready.class, WAIT).reply().getError());
        TestProbe<RolloutActor.AdapterSwapped> swapped = kit.createTestProbe();
        rollout.tell(
                new RolloutActor.SwapAdapter(
                        UseAdapter.newBuilder()
                                .setVersion(v)
                                .setPath(
                                        new AdapterChannel(TransportConfig.Media.IPC, "", 0, STREAM)
                                                .toString())
                                .build(),
                        swapped.getRef()));
        var s = swapped.expectMessageClass(RolloutActor.AdapterSwapped.class, WAIT).reply();
        assertEquals("", s.getError());
        assertEquals(v, s.getVersion());
        TestProbe<RolloutActor.Generated> generated = kit.createTestProbe();
        rollout.tell(
                new RolloutActor.Generate(
                        RolloutEngineTest.request(5, v, 1.0), generated.getRef()));
        GenerateReply g = generated.expectMessageClass(RolloutActor.Generated.class, WAIT).reply();
        assertEquals("", g.getError());
        return g;
    }

    /** What an engine holding version {@code tensors} directly generates for the same request. */
    static GenerateReply reference(long v, Map<String, Tensor> tensors) {
        try (RolloutEngine engine =
                new RolloutEngine(ModelLoader.load(MODEL, ComputeDevice.CPU, DType.F32), 4)) {
            engine.useAdapterTensors(
                    v, tensors, () -> LoraAdapter.create(engine.model(), lora.config(), 1));
            return engine.generate(RolloutEngineTest.request(5, v, 1.0));
        }
    }

    @Test
    void shouldFetchTheCurrentVersionWhenJoiningLateOrRestarting() throws Exception {
        AdapterChannel channel = new AdapterChannel(TransportConfig.Media.IPC, "", 0, STREAM);
        List<Map<String, Tensor>> versions = new ArrayList<>();
        try (TensorSetPublisher learner =
                TensorSetPublisher.open(
                        node,
                        channel.spec(),
                        "learner",
                        AdapterChannel.SET_NAME,
                        SenderListener.NONE)) {
            // Published before any rollout exists: nobody receives these.
            for (long v = 1; v <= 3; v++) {
                versions.add(version(v));
                learner.publish(v, versions.get((int) v - 1)).delivered().get(10, TimeUnit.SECONDS);
            }
            GenerateReply expected = reference(3, versions.get(2));
            GenerateReply other = reference(2, versions.get(1));
            assertTrue(
                    !RolloutEngineTest.tokens(expected).equals(RolloutEngineTest.tokens(other)),
                    "versions 2 and 3 should sample differently");

            ActorRef<RolloutActor.Command> late = kit.spawn(RolloutActor.create("0", node));
            GenerateReply first = swapAndGenerate(late, 3);
            assertEquals(3, first.getAdapterVersion());
            assertEquals(RolloutEngineTest.tokens(expected), RolloutEngineTest.tokens(first));

            // The entity restarts (same id, fresh state): it fetches version 3 again.
            kit.stop(late, WAIT);
            ActorRef<RolloutActor.Command> again = kit.spawn(RolloutActor.create("0", node));
            GenerateReply restarted = swapAndGenerate(again, 3);
            assertEquals(3, restarted.getAdapterVersion());
            assertEquals(RolloutEngineTest.tokens(expected), RolloutEngineTest.tokens(restarted));

            // And follows the next version as usual.
            versions.add(version(4));
            learner.publish(4, versions.get(3)).delivered().get(10, TimeUnit.SECONDS);
            GenerateReply next = swapAndGenerate(again, 4);
            assertEquals(4, next.getAdapterVersion());
            assertEquals(
                    RolloutEngineTest.tokens(reference(4, versions.get(3))),
                    RolloutEngineTest.tokens(next));
            kit.stop(again, WAIT);
        } finally {
            versions.forEach(m -> m.values().forEach(Tensor::close));
        }
    }
}
