package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.patterned;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A sender and receivers on one node over IPC: what arrives, and what a sender is told. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TensorChannelTest {
    private TransportNode node;

    @BeforeEach
    void start() {
        node = TransportNode.start(testConfig(freshDirectory()));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void shouldDeliverEveryDtypeAndShapeByteIdentical() throws Exception {
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        ChannelSpec spec = ChannelSpec.ipc("test", 1001);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int seed = 0;
        for (DType d : DType.values()) {
            tensors.put("t-" + d, patterned(d, seed++, 3, 5, 7));
        }
        tensors.put("scalar", patterned(DType.F32, 99));
        tensors.put("empty", patterned(DType.F32, 98, 0, 4));
        // Several chunks: 1 MiB at a 65 KB MTU.
        tensors.put("large", patterned(DType.BF16, 97, 512, 1024));
        // Not contiguous: the sender makes a host copy.
        Tensor base = patterned(DType.F32, 96, 8, 6);
        tensors.put("transposed", base.t());
        try (TensorSender sender = TensorSender.open(node, spec, "learner", SenderListener.NONE);
                TensorReceiver receiver =
                        TensorReceiver.open(node, spec, "rollout-0", "adapter", sink)) {
            awaitTrue("receiver known", 5000, () -> sender.receivers().contains("rollout-0"));
            BatchSend send = sender.send("adapter", 7, tensors);
            BatchDelivery delivery = send.delivered().get(10, TimeUnit.SECONDS);
            assertEquals(Map.of("rollout-0", TransferStatus.OK), delivery.receivers());
            assertEquals(1, sink.committed.size());
            var c = sink.committed.get(0);
            assertEquals(7, c.batch().version());
            int i = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                var h = c.batch().tensors().get(i);
                assertEquals(e.getKey(), h.getName());
                assertArrayEquals(
                        Tensors.shape(e.getValue()),
                        h.getShapeList().stream().mapToLong(Long::longValue).toArray(),
                        e.getKey());
                assertArrayEquals(Tensors.toBytes(e.getValue()), c.bytes().get(i), e.getKey());
                i++;
            }
            assertEquals(0, receiver.counters().totalDiscards(), receiver.counters().toString());
            assertEquals(send.bytes(), receiver.counters().bytesApplied());
        } finally {
            tensors.values().forEach(Tensor::close);
            base.close();
        }
    }

    @Test
    void shouldDeliverToEveryReceiverAndReportEachAnswer() throws Exception {
        ChannelSpec spec = ChannelSpec.ipc("fanout", 1011);
        TransportTestSupport.RecordingSink a = new TransportTestSupport.RecordingSink();
        TransportTestSupport.RecordingSink b = new TransportTestSupport.RecordingSink();
        List<String> acks = new java.util.concurrent.CopyOnWriteArrayList<>();
        SenderListener listener =
                new SenderListener() {
                    @Override
                    public void onAck(
                            String receiverName,
                            String batchName,
                            long version,
                            TransferStatus status,
                            long elapsedNs) {
                        acks.add(receiverName + ":" + version + ":" + status);
                    }
                };
        try (Tensor t = patterned(DType.F32, 1, 1000);
                TensorSender sender = TensorSender.open(node, spec, "learner", listener);
                TensorReceiver ra = TensorReceiver.open(node, spec, "a", "x", a);
                TensorReceiver rb = TensorReceiver.open(node, spec, "b", "x", b)) {
            awaitTrue("both known", 5000, () -> sender.receivers().size() == 2);
            sender.send("x", 1, Map.of("w", t)).delivered().get(10, TimeUnit.SECONDS);
            BatchDelivery only =
                    sender.sendTo(List.of("b"), "x", 2, Map.of("w", t))
                            .delivered()
                            .get(10, TimeUnit.SECONDS);
            assertEquals(Map.of("b", TransferStatus.OK), only.receivers());
            assertEquals(1, a.committed.size(), "a skips the batch sent to b alone");
            assertEquals(2, b.committed.size());
            assertEquals(0, ra.counters().totalDiscards(), ra.counters().toString());
            assertTrue(acks.containsAll(List.of("a:1:OK", "b:1:OK", "b:2:OK")), acks.toString());
        }
    }

    @Test
    void shouldFailNamingStreamAndReceiverWhenNobodyReads() throws Exception {
        ChannelSpec spec = ChannelSpec.ipc("lonely", 1021);
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        try (Tensor t = patterned(DType.F32, 1, 1000);
                TensorSender sender =
                        TensorSender.open(node, spec, "learner", SenderListener.NONE)) {
            TensorReceiver r = TensorReceiver.open(node, spec, "rollout-7", "x", sink);
            awaitTrue("receiver known", 5000, () -> sender.receivers().contains("rollout-7"));
            r.close();
            CompletableFuture<BatchDelivery> f = sender.send("x", 1, Map.of("w", t)).delivered();
            ExecutionException e =
                    assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
            TransportException te = assertInstanceOf(TransportException.class, e.getCause());
            assertTrue(te.getMessage().contains("channel 'lonely'"), te.getMessage());
            assertTrue(te.getMessage().contains("stream 1021"), te.getMessage());
            assertTrue(te.getMessage().contains("rollout-7"), te.getMessage());
        }
    }

    @Test
    void shouldRefuseBatchWhoseHeadersOutgrowOneMessageAndSendTheNext() throws Exception {
        // The test node's IPC term is 1 MB, so one message holds 128 KB: 3,000 tensor headers
        // with long names do not fit one begin frame.
        ChannelSpec spec = ChannelSpec.ipc("many", 1031);
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        Map<String, Tensor> many = new LinkedHashMap<>();
        try (Tensor t = patterned(DType.F32, 1, 4);
                TensorSender sender =
                        TensorSender.open(node, spec, "learner", SenderListener.NONE);
                TensorReceiver r = TensorReceiver.open(node, spec, "rollout-1", "x", sink)) {
            awaitTrue("receiver known", 5000, () -> sender.receivers().contains("rollout-1"));
            for (int i = 0; i < 3000; i++) {
                many.put("base_model.model.model.layers." + i + ".self_attn.q_proj.lora_A", t);
            }
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> sender.send("x", 1, many));
            assertTrue(e.getMessage().contains("batch 'x' v1"), e.getMessage());
            assertTrue(e.getMessage().contains("largest message of 131072 bytes"), e.getMessage());
            // Nothing of it went out; the channel still carries the next batch.
            sender.send("x", 2, Map.of("w", t)).delivered().get(10, TimeUnit.SECONDS);
            assertEquals(0, r.counters().totalDiscards(), r.counters().toString());
        }
    }

    @Test
    void shouldHoldBackRatherThanDropWhenReceiverIsSlow() throws Exception {
        // A receiver that stalls at the start of a batch: the sender is back-pressured (the batch
        // is
        // 4 log terms long) and carries on when the receiver reads again; nothing is lost.
        ChannelSpec spec = ChannelSpec.ipc("slow", 1031);
        TransportTestSupport.RecordingSink sink = new TransportTestSupport.RecordingSink();
        sink.gateVersion = 1;
        try (Tensor t = patterned(DType.F32, 5, 1024, 1024);
                TensorSender sender =
                        TensorSender.open(node, spec, "learner", SenderListener.NONE);
                TensorReceiver r = TensorReceiver.open(node, spec, "slowpoke", "x", sink)) {
            awaitTrue("receiver known", 5000, () -> sender.receivers().contains("slowpoke"));
            BatchSend send = sender.send("x", 1, Map.of("w", t));
            Thread.sleep(1000); // under the 2 s send timeout
            assertTrue(!send.sent().isDone(), "the sender must wait for the stalled receiver");
            sink.gate.complete(null);
            try {
                send.delivered().get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError(
                        "receiver: " + r.counters() + ", discarded " + sink.discarded, e);
            }
            assertArrayEquals(Tensors.toBytes(t), sink.committed.get(0).bytes().get(0));
            assertEquals(0, r.counters().totalDiscards(), r.counters().toString());
        }
    }
}
