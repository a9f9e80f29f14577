package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.awaitTrue;
import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.proto.v1.TensorBatchBegin;
import dev.troupe.proto.v1.TensorHeader;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.internal.BodyFrameFlyweight;
import dev.troupe.transport.internal.ChunkFrameFlyweight;
import dev.troupe.transport.internal.EndFrameFlyweight;
import dev.troupe.transport.internal.FrameFlyweight;
import io.aeron.ExclusivePublication;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Hand-made frames against a tensor-set subscriber: each kind of bad input is dropped and counted
 * under its status, and the subscriber keeps its last good version byte for byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
    private static final int STREAM = 3001;
    private static final long[] SHAPE = {64};

    private TransportNode node;
    private TensorSetSubscriber sub;
    private ExclusivePublication pub;
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private byte[] good;
    private long goodCorrelationId;

    @BeforeEach
    void start() throws Exception {
        node = TransportNode.start(testConfig(freshDirectory()));
        ChannelSpec spec = ChannelSpec.ipc("bad", STREAM);
        TensorLayout layout =
                new TensorLayout(List.of(new TensorLayout.Entry("w", DType.F32, SHAPE)));
        sub =
                TensorSetSubscriber.open(
                        node, spec, "rollout-0", "adapter", layout, ComputeDevice.CPU);
        pub = node.aeron().addExclusivePublication("aeron:ipc?term-length=1m|mtu=8192", STREAM);
        awaitTrue("connected", 5000, pub::isConnected);
        good = new byte[256];
        for (int i = 0; i < good.length; i++) {
            good[i] = (byte) (i * 7 + 1);
        }
        goodCorrelationId = 100;
        sendBatch(1, goodCorrelationId, DType.F32, SHAPE, good, false, false);
        assertEquals(1L, sub.whenVersion(1).get(10, TimeUnit.SECONDS));
    }

    @AfterEach
    void stop(TestInfo info) {
        try {
            sub.close();
            pub.close();
            node.close();
        } catch (RuntimeException e) {
            throw new AssertionError("closing after " + info.getDisplayName(), e);
        }
    }

    private void offer(int length) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pub.offer(buffer, 0, length) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not offer a frame");
            }
            Thread.sleep(1);
        }
    }

    private void begin(long version, long correlationId, DType dtype, long[] shape, long bytes)
            throws InterruptedException {
        TensorHeader.Builder h =
                TensorHeader.newBuilder()
                        .setName("w")
                        .setDtype(dev.troupe.transport.internal.ProtoDTypes.toProto(dtype))
                        .setVersion(version)
                        .setLengthBytes(bytes);
        for (long s : shape) {
            h.addShape(s);
        }
        byte[] body =
                TensorBatchBegin.newBuilder()
                        .setBatchName("adapter")
                        .setVersion(version)
                        .setCorrelationId(correlationId)
                        .setChunkLengthBytes(128)
                        .setSenderName("test")
                        .addTensors(h)
                        .build()
                        .toByteArray();
        BodyFrameFlyweight f = new BodyFrameFlyweight();
        f.wrap(buffer, 0);
        f.header(version, correlationId, FrameFlyweight.TYPE_BEGIN);
        f.bodyLength(body.length);
        buffer.putBytes(f.bodyOffset(), body);
        offer(BodyFrameFlyweight.BODY_OFFSET + body.length);
    }

    private void chunk(long version, long correlationId, long at, byte[] bytes, int len, int crc)
            throws InterruptedException {
        ChunkFrameFlyweight c = new ChunkFrameFlyweight();
        c.wrap(buffer, 0);
        c.header(version, correlationId, FrameFlyweight.TYPE_CHUNK);
        c.tensorIndex(0).runningCrc(crc).tensorOffset(at).payloadLength(len);
        buffer.putBytes(c.payloadOffset(), bytes, (int) at, len);
        offer(ChunkFrameFlyweight.CHUNK_HEADER_LENGTH + len);
    }

    private void end(long version, long correlationId, long total, int crc)
            throws InterruptedException {
        EndFrameFlyweight e = new EndFrameFlyweight();
        e.wrap(buffer, 0);
        e.header(version, correlationId, FrameFlyweight.TYPE_END);
        e.tensorCount(1).totalBytes(total).crc(0, crc);
        offer(EndFrameFlyweight.length(1));
    }

    /** A batch of one tensor in 128-byte chunks, optionally with a bad CRC or cut short. */
    private void sendBatch(
            long version,
            long correlationId,
            DType dtype,
            long[] shape,
            byte[] bytes,
            boolean corruptCrc,
            boolean cutShort)
            throws InterruptedException {
        begin(version, correlationId, dtype, shape, bytes.length);
        CRC32C crc = new CRC32C();
        int sendUpTo = cutShort ? bytes.length / 2 : bytes.length;
        for (int at = 0; at < sendUpTo; at += 128) {
            int len = Math.min(128, bytes.length - at);
            crc.update(bytes, at, len);
            int value = (int) crc.getValue();
            chunk(version, correlationId, at, bytes, len, corruptCrc && at > 0 ? ~value : value);
        }
        end(version, correlationId, bytes.length, (int) crc.getValue());
    }

    private void awaitDiscard(TransferStatus status, long count) throws InterruptedException {
        awaitTrue(
                status + " counted " + count + " (" + sub.counters() + ")",
                5000,
                () -> sub.counters().discards(status) >= count);
        try (TensorSetLease lease = sub.acquire().orElseThrow()) {
            assertEquals(1, lease.version(), "the last good version stays current");
            assertArrayEquals(good, Tensors.toBytes(lease.tensor("w")));
        }
    }

    @Test
    void shouldCountTruncatedHeaderAsMalformed() throws Exception {
        FrameFlyweight f = new FrameFlyweight();
        f.wrap(buffer, 0);
        f.header(2, 200, FrameFlyweight.TYPE_BEGIN);
        offer(FrameFlyweight.HEADER_LENGTH + 2); // a begin frame with no room for its body
        awaitDiscard(TransferStatus.MALFORMED, 1);
    }

    @Test
    void shouldCountCorruptHeaderAsMalformed() throws Exception {
        BodyFrameFlyweight f = new BodyFrameFlyweight();
        f.wrap(buffer, 0);
        f.header(2, 200, FrameFlyweight.TYPE_BEGIN);
        f.bodyLength(40);
        for (int i = 0; i < 40; i++) {
            buffer.putByte(f.bodyOffset() + i, (byte) 0xFF); // not a Protobuf message
        }
        offer(BodyFrameFlyweight.BODY_OFFSET + 40);
        awaitDiscard(TransferStatus.MALFORMED, 1);
        // A body length past the frame's end is a truncated header.
        f.bodyLength(4000);
        offer(BodyFrameFlyweight.BODY_OFFSET + 40);
        awaitDiscard(TransferStatus.MALFORMED, 2);
    }

    @Test
    void shouldDropVersionWhoseChecksumDiffers() throws Exception {
        byte[] other = good.clone();
        other[5] ^= 1;
        sendBatch(2, 201, DType.F32, SHAPE, other, true, false);
        awaitDiscard(TransferStatus.CHECKSUM_MISMATCH, 1);
    }

    @Test
    void shouldDropVersionWhoseShapeOrDtypeDiffers() throws Exception {
        sendBatch(2, 202, DType.F32, new long[] {8, 8}, good, false, false);
        awaitDiscard(TransferStatus.LAYOUT_MISMATCH, 1);
        sendBatch(3, 203, DType.I32, SHAPE, good, false, false);
        awaitDiscard(TransferStatus.LAYOUT_MISMATCH, 2);
    }

    @Test
    void shouldDropVersionThatEndsBeforeAllBytes() throws Exception {
        sendBatch(2, 204, DType.F32, SHAPE, good, false, true);
        awaitDiscard(TransferStatus.TRUNCATED, 1);
    }

    @Test
    void shouldCountLateFrameOfOlderVersionAndIgnoreIt() throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(good, 0, 128);
        byte[] zeros = new byte[256];
        chunk(1, goodCorrelationId, 0, zeros, 128, (int) crc.getValue());
        awaitDiscard(TransferStatus.STALE_FRAME, 1);
        sendBatch(1, 205, DType.F32, SHAPE, good, false, false); // v1 again
        awaitDiscard(TransferStatus.STALE_VERSION, 1);
    }
}
