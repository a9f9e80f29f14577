package dev.troupe.transport;

import com.typesafe.config.ConfigFactory;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Shared helpers of the transport tests: configs with short timeouts, tensors, sinks. */
final class TransportTestSupport {
    private TransportTestSupport() {}

    /** A fresh Aeron directory name for one test. */
    static String freshDirectory() {
        Path base =
                Path.of("/dev/shm").toFile().isDirectory()
                        ? Path.of("/dev/shm")
                        : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("troupe-test-" + UUID.randomUUID()).toString();
    }

    /** HOCON overrides for tests: small logs, short timeouts, in {@code directory}. */
    static String testOverrides(String directory) {
        return "troupe.transport {\n"
                + "  driver {\n"
                + "    directory = \""
                + directory
                + "\"\n"
                + "    ipc-term-length = 1m\n"
                + "    udp-term-length = 1m\n"
                + "    client-liveness-timeout = 2s\n"
                + "    image-liveness-timeout = 2s\n"
                + "    publication-unblock-timeout = 3s\n"
                + "    driver-timeout = 5s\n"
                + "  }\n"
                + "  send-timeout = 2s\n"
                + "  ack-timeout = 3s\n"
                + "  receive-timeout = 1s\n"
                + "  hello-interval = 100ms\n"
                + "  receiver-timeout = 3s\n"
                + "}\n";
    }

    static TransportConfig testConfig(String directory, String extra) {
        return TransportConfig.from(
                ConfigFactory.parseString(extra)
                        .withFallback(ConfigFactory.parseString(testOverrides(directory)))
                        .withFallback(ConfigFactory.defaultReference()));
    }

    static TransportConfig testConfig(String directory) {
        return testConfig(directory, "");
    }

    /** A CPU tensor whose bytes are a function of {@code seed} and position. */
    static Tensor patterned(DType dtype, long seed, long... shape) {
        Tensor t = Tensors.empty(ComputeDevice.CPU, dtype, shape);
        long n = t.nbytes();
        if (n == 0) {
            return t;
        }
        byte[] bytes = new byte[(int) n];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < bytes.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            bytes[i] = (byte) x;
        }
        if (dtype == DType.BOOL) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] &= 1;
            }
        }
        try (BytePointer p = new BytePointer(t.data_ptr())) {
            p.capacity(n).put(bytes);
        }
        return t;
    }

    static void awaitTrue(String what, long timeoutMs, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** A sink that writes into fresh buffers it owns and records every commit and discard. */
    static final class RecordingSink implements TensorSink {
        record Committed(BatchDescriptor batch, List<byte[]> bytes) {}

        record Discarded(BatchDescriptor batch, TransferStatus status, String detail) {}

        final CopyOnWriteArrayList<Committed> committed = new CopyOnWriteArrayList<>();
        final CopyOnWriteArrayList<Discarded> discarded = new CopyOnWriteArrayList<>();

        /** prepare() of this version completes {@link #entered} and waits for {@link #gate}. */
        volatile long gateVersion = Long.MIN_VALUE;

        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final CompletableFuture<Void> entered = new CompletableFuture<>();

        @Override
        public BatchTarget prepare(BatchDescriptor batch) {
            if (batch.version() == gateVersion) {
                entered.complete(null);
                gate.join();
            }
            List<Tensor> out = new ArrayList<>();
            for (var h : batch.tensors()) {
                long[] shape = h.getShapeList().stream().mapToLong(Long::longValue).toArray();
                out.add(
                        Tensors.zeros(
                                ComputeDevice.CPU,
                                dev.troupe.transport.internal.ProtoDTypes.fromProto(h.getDtype()),
                                shape));
            }
            return BatchTarget.into(out.toArray(new Tensor[0]), null);
        }

        @Override
        public void commit(BatchDescriptor batch, BatchTarget target) {
            List<byte[]> bytes = new ArrayList<>();
            for (Tensor t : target.hostTargets()) {
                bytes.add(Tensors.toBytes(t));
                t.close();
            }
            committed.add(new Committed(batch, bytes));
        }

        @Override
        public void discard(
                BatchDescriptor batch, BatchTarget target, TransferStatus status, String detail) {
            if (target != null) {
                for (Tensor t : target.hostTargets()) {
                    t.close();
                }
            }
            discarded.add(new Discarded(batch, status, detail));
        }
    }
}
