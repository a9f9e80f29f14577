package dev.troupe.transport.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.proto.v1.ReceiverHello;
import dev.troupe.proto.v1.TensorBatchBegin;
import dev.troupe.proto.v1.TensorHeader;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.BatchDescriptor;
import dev.troupe.transport.BatchTarget;
import dev.troupe.transport.ReceiverCounters;
import dev.troupe.transport.TensorSink;
import dev.troupe.transport.TransferStatus;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.bytedeco.pytorch.Tensor;

/**
 * Reassembles batches from a data subscription into the tensors a {@link TensorSink} hands out,
 * verifies them, and answers the sender on its control stream. State is kept per sender session
 * (Aeron delivers each session's frames in order). The per-chunk path neither allocates nor logs; a
 * batch's begin (Protobuf, sink) and end do, once per batch.
 */
public final class ReceiverAgent implements Agent {
    private static final int FRAGMENTS_PER_POLL = 64;
    private static final long HOUSEKEEPING_INTERVAL_NS = 10_000_000L;
    private static final int MAX_PENDING_ACKS = 64;

    private static final int IDLE = 0;
    private static final int RECEIVING = 1;
    private static final int SKIPPING = 2;

    private final String name;
    private final long receiverId;
    private final String batchInterest;
    private final String channelDescription;
    private final Subscription data;
    private final ExclusivePublication control;
    private final TensorSink sink;
    private final ReceiverCounters counters;
    private final long receiveTimeoutNs;
    private final long helloIntervalNs;

    private final FragmentHandler handler;
    private final FrameFlyweight frame = new FrameFlyweight();
    private final ChunkFrameFlyweight chunk = new ChunkFrameFlyweight();
    private final EndFrameFlyweight end = new EndFrameFlyweight();
    private final BodyFrameFlyweight body = new BodyFrameFlyweight();
    private final AckFrameFlyweight ack = new AckFrameFlyweight();
    private final UnsafeBuffer ackBuffer =
            new UnsafeBuffer(ByteBuffer.allocateDirect(AckFrameFlyweight.LENGTH));
    private final UnsafeBuffer destination = new UnsafeBuffer(0, 0);
    private final Int2ObjectHashMap<Session> sessions = new Int2ObjectHashMap<>();

    private final long[] pendingAcks = new long[MAX_PENDING_ACKS * 4];
    private int pendingAckCount;

    private UnsafeBuffer helloBuffer;
    private int helloLength;
    private long helloVersion = Long.MIN_VALUE;
    private long nextHelloNs;
    private volatile boolean helloNow = true;
    private long nextHousekeepingNs;
    private long nowNs;

    /** One sender's stream. */
    private static final class Session {
        final int sessionId;
        final CRC32C crc = new CRC32C();
        int state = IDLE;
        long correlationId;
        long version;
        BatchDescriptor batch;
        BatchTarget target;
        TensorMemory[] memory;
        int[] crcs;
        int tensorIndex;
        long tensorOffset;
        long bytes;
        long lastFrameNs;

        Session(int sessionId) {
            this.sessionId = sessionId;
        }
    }

    public ReceiverAgent(
            String name,
            long receiverId,
            String batchInterest,
            String channelDescription,
            Subscription data,
            ExclusivePublication control,
            TensorSink sink,
            ReceiverCounters counters,
            long receiveTimeoutNs,
            long helloIntervalNs) {
        this.name = name;
        this.receiverId = receiverId;
        this.batchInterest = batchInterest;
        this.channelDescription = channelDescription;
        this.data = data;
        this.control = control;
        this.sink = sink;
        this.counters = counters;
        this.receiveTimeoutNs = receiveTimeoutNs;
        this.helloIntervalNs = helloIntervalNs;
        this.handler = new FragmentAssembler(this::onFragment);
    }

    @Override
    public String roleName() {
        return "tensor-receiver-" + name;
    }

    /** Makes the next duty cycle announce this receiver (and its version) to the sender. */
    public void requestHello() {
        helloNow = true;
    }

    @Override
    public int doWork() {
        nowNs = System.nanoTime();
        int work = data.poll(handler, FRAGMENTS_PER_POLL);
        if (pendingAckCount > 0) {
            work += flushPendingAcks();
        }
        if (helloNow || nowNs >= nextHelloNs) {
            work += hello();
        }
        if (nowNs >= nextHousekeepingNs) {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += housekeeping();
        }
        return work;
    }

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        counters.frameReceived();
        if (length < FrameFlyweight.HEADER_LENGTH) {
            counters.discarded(TransferStatus.MALFORMED);
            return;
        }
        frame.wrap(buffer, offset);
        if (frame.protocolVersion() != FrameFlyweight.PROTOCOL_VERSION) {
            counters.discarded(TransferStatus.MALFORMED);
            return;
        }
        int sessionId = header.sessionId();
        Session s = sessions.get(sessionId);
        if (s == null) {
            s = new Session(sessionId);
            sessions.put(sessionId, s);
        }
        s.lastFrameNs = nowNs;
        switch (frame.type()) {
            case FrameFlyweight.TYPE_CHUNK -> onChunk(s, buffer, offset, length);
            case FrameFlyweight.TYPE_BEGIN -> onBegin(s, buffer, offset, length);
            case FrameFlyweight.TYPE_END -> onEnd(s, buffer, offset, length);
            case FrameFlyweight.TYPE_ABORT -> onAbort(s);
            default -> counters.discarded(TransferStatus.MALFORMED);
        }
    }

    private void onBegin(Session s, DirectBuffer buffer, int offset, int length) {
        long version = frame.version();
        long correlationId = frame.correlationId();
        if (s.state == RECEIVING) {
            fail(
                    s,
                    TransferStatus.TRUNCATED,
                    "batch v" + s.version + " was cut off by the begin of v" + version);
        }
        if (length < BodyFrameFlyweight.BODY_OFFSET) {
            refuse(s, version, correlationId, TransferStatus.MALFORMED);
            return;
        }
        body.wrap(buffer, offset);
        int bodyLength = body.bodyLength();
        if (bodyLength < 0 || bodyLength > length - BodyFrameFlyweight.BODY_OFFSET) {
            refuse(s, version, correlationId, TransferStatus.MALFORMED);
            return;
        }
        byte[] bytes = new byte[bodyLength];
        buffer.getBytes(body.bodyOffset(), bytes);
        TensorBatchBegin begin;
        try {
            begin = TensorBatchBegin.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            refuse(s, version, correlationId, TransferStatus.MALFORMED);
            return;
        }
        if (begin.getVersion() != version
                || begin.getCorrelationId() != correlationId
                || begin.getChunkLengthBytes() <= 0
                || !wellFormed(begin.getTensorsList())) {
            refuse(s, version, correlationId, TransferStatus.MALFORMED);
            return;
        }
        if (begin.getTargetReceiverIdsCount() > 0
                && !begin.getTargetReceiverIdsList().contains(receiverId)) {
            // For other receivers: skip its frames without counting them.
            s.state = SKIPPING;
            s.correlationId = correlationId;
            return;
        }
        BatchDescriptor batch =
                new BatchDescriptor(
                        begin.getBatchName(),
                        version,
                        correlationId,
                        begin.getSenderName(),
                        List.copyOf(begin.getTensorsList()));
        s.correlationId = correlationId;
        s.version = version;
        s.batch = batch;
        s.target = null;
        BatchTarget target;
        try {
            target = sink.prepare(batch);
        } catch (RuntimeException e) {
            target = BatchTarget.refuse(TransferStatus.REJECTED, String.valueOf(e.getMessage()));
        }
        // The sink may take its time (allocating, waiting for a buffer): the stream was not silent.
        nowNs = System.nanoTime();
        s.lastFrameNs = nowNs;
        if (target.refused()) {
            counters.discarded(target.refusal());
            sink.discard(
                    batch, null, target.refusal(), describe(s) + ": " + target.refusalDetail());
            queueAck(version, correlationId, target.refusal(), 0);
            s.state = SKIPPING;
            return;
        }
        s.target = target;
        String mismatch = checkTargets(batch, target);
        if (mismatch != null) {
            fail(s, TransferStatus.LAYOUT_MISMATCH, mismatch);
            return;
        }
        int n = batch.tensors().size();
        s.memory = new TensorMemory[n];
        for (int i = 0; i < n; i++) {
            s.memory[i] =
                    TensorMemory.of(target.hostTargets()[i], batch.tensors().get(i).getName());
        }
        s.crcs = new int[n];
        s.tensorIndex = 0;
        s.tensorOffset = 0;
        s.bytes = 0;
        s.crc.reset();
        s.state = RECEIVING;
        skipEmptyTensors(s);
    }

    private static boolean wellFormed(List<TensorHeader> headers) {
        for (TensorHeader h : headers) {
            DType d = ProtoDTypes.fromProto(h.getDtype());
            if (d == null || h.getName().isEmpty()) {
                return false;
            }
            long numel = 1;
            for (long dim : h.getShapeList()) {
                if (dim < 0) {
                    return false;
                }
                numel = Math.multiplyExact(numel, dim);
            }
            if (numel * d.sizeBytes() != h.getLengthBytes()) {
                return false;
            }
        }
        return true;
    }

    /** Null when every target fits its header, else what does not. */
    private static String checkTargets(BatchDescriptor batch, BatchTarget target) {
        Tensor[] host = target.hostTargets();
        List<TensorHeader> headers = batch.tensors();
        if (host.length != headers.size()) {
            return "the batch has " + headers.size() + " tensors, the sink gave " + host.length;
        }
        for (int i = 0; i < host.length; i++) {
            TensorHeader h = headers.get(i);
            Tensor t = host[i];
            DType want = ProtoDTypes.fromProto(h.getDtype());
            long[] shape = h.getShapeList().stream().mapToLong(Long::longValue).toArray();
            if (t == null
                    || !t.is_cpu()
                    || !t.is_contiguous()
                    || !DType.same(t.scalar_type(), want.scalarType())
                    || !Arrays.equals(Tensors.shape(t), shape)) {
                return "tensor '"
                        + h.getName()
                        + "' arrives as "
                        + want
                        + Arrays.toString(shape)
                        + " but the receiver holds "
                        + (t == null
                                ? "nothing"
                                : Tensors.describe(t)
                                        + (t.is_cpu() && t.is_contiguous()
                                                ? ""
                                                : " (not a contiguous host tensor)"));
            }
            Tensor[] device = target.deviceTargets();
            if (device != null && device[i] != null) {
                if (!DType.same(device[i].scalar_type(), want.scalarType())
                        || !Arrays.equals(Tensors.shape(device[i]), shape)) {
                    return "tensor '"
                            + h.getName()
                            + "' arrives as "
                            + want
                            + Arrays.toString(shape)
                            + " but its device tensor is "
                            + Tensors.describe(device[i]);
                }
            }
        }
        return null;
    }

    private void onChunk(Session s, DirectBuffer buffer, int offset, int length) {
        long correlationId = frame.correlationId();
        if (s.state != RECEIVING || correlationId != s.correlationId) {
            if (!(s.state == SKIPPING && correlationId == s.correlationId)) {
                counters.discarded(TransferStatus.STALE_FRAME);
            }
            return;
        }
        if (length < ChunkFrameFlyweight.CHUNK_HEADER_LENGTH) {
            fail(s, TransferStatus.MALFORMED, "a chunk frame of " + length + " bytes");
            return;
        }
        chunk.wrap(buffer, offset);
        int index = chunk.tensorIndex();
        long at = chunk.tensorOffset();
        int payload = chunk.payloadLength();
        if (index != s.tensorIndex
                || at != s.tensorOffset
                || payload <= 0
                || payload > length - ChunkFrameFlyweight.CHUNK_HEADER_LENGTH
                || index >= s.memory.length
                || payload > s.memory[index].lengthBytes() - at) {
            fail(
                    s,
                    TransferStatus.TRUNCATED,
                    "expected tensor "
                            + s.tensorIndex
                            + " at byte "
                            + s.tensorOffset
                            + ", got a chunk of "
                            + payload
                            + " bytes for tensor "
                            + index
                            + " at byte "
                            + at);
            return;
        }
        TensorMemory m = s.memory[index];
        destination.wrap(m.address() + at, payload);
        destination.putBytes(0, buffer, chunk.payloadOffset(), payload);
        s.crc.update(m.window(at, payload));
        if ((int) s.crc.getValue() != chunk.runningCrc()) {
            fail(
                    s,
                    TransferStatus.CHECKSUM_MISMATCH,
                    "CRC32C of tensor '"
                            + s.batch.tensors().get(index).getName()
                            + "' differs in the chunk at byte "
                            + at);
            return;
        }
        s.tensorOffset += payload;
        s.bytes += payload;
        if (s.tensorOffset == m.lengthBytes()) {
            s.crcs[index] = (int) s.crc.getValue();
            s.tensorIndex++;
            s.tensorOffset = 0;
            s.crc.reset();
            skipEmptyTensors(s);
        }
    }

    private static void skipEmptyTensors(Session s) {
        while (s.tensorIndex < s.memory.length && s.memory[s.tensorIndex].lengthBytes() == 0) {
            s.crcs[s.tensorIndex] = 0;
            s.tensorIndex++;
        }
    }

    private void onEnd(Session s, DirectBuffer buffer, int offset, int length) {
        long correlationId = frame.correlationId();
        if (s.state != RECEIVING || correlationId != s.correlationId) {
            if (s.state == SKIPPING && correlationId == s.correlationId) {
                s.state = IDLE;
            } else {
                counters.discarded(TransferStatus.STALE_FRAME);
            }
            return;
        }
        int n = s.memory.length;
        if (length < EndFrameFlyweight.length(0)) {
            fail(s, TransferStatus.MALFORMED, "an end frame of " + length + " bytes");
            return;
        }
        end.wrap(buffer, offset);
        if (end.tensorCount() != n || length < EndFrameFlyweight.length(n)) {
            fail(
                    s,
                    TransferStatus.MALFORMED,
                    "the end frame counts " + end.tensorCount() + " tensors, the batch has " + n);
            return;
        }
        if (s.tensorIndex != n || end.totalBytes() != s.bytes) {
            fail(
                    s,
                    TransferStatus.TRUNCATED,
                    "the batch ended after " + s.bytes + " of " + end.totalBytes() + " bytes");
            return;
        }
        List<TensorHeader> verified = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TensorHeader h = s.batch.tensors().get(i);
            if (end.crc(i) != s.crcs[i]) {
                fail(
                        s,
                        TransferStatus.CHECKSUM_MISMATCH,
                        "CRC32C of tensor '" + h.getName() + "' differs from the sender's");
                return;
            }
            verified.add(h.toBuilder().setCrc32C(s.crcs[i]).build());
        }
        BatchDescriptor done =
                new BatchDescriptor(
                        s.batch.batchName(),
                        s.version,
                        s.correlationId,
                        s.batch.senderName(),
                        List.copyOf(verified));
        try {
            Tensor[] device = s.target.deviceTargets();
            if (device != null) {
                for (int i = 0; i < n; i++) {
                    if (device[i] != null) {
                        device[i].copy_(s.target.hostTargets()[i]);
                    }
                }
            }
            sink.commit(done, s.target);
            nowNs = System.nanoTime();
        } catch (RuntimeException e) {
            fail(s, TransferStatus.REJECTED, "the sink refused the batch: " + e.getMessage());
            return;
        }
        counters.applied(s.bytes);
        queueAck(s.version, s.correlationId, TransferStatus.OK, s.bytes);
        clear(s, IDLE);
    }

    private void onAbort(Session s) {
        long correlationId = frame.correlationId();
        if (s.state == RECEIVING && correlationId == s.correlationId) {
            counters.discarded(TransferStatus.ABORTED_BY_SENDER);
            sink.discard(
                    s.batch,
                    s.target,
                    TransferStatus.ABORTED_BY_SENDER,
                    describe(s) + ": the sender gave it up");
            clear(s, IDLE);
        } else if (s.state == SKIPPING && correlationId == s.correlationId) {
            s.state = IDLE;
        }
    }

    /** Drops the batch in progress: counted, the sink told, the sender answered. */
    private void fail(Session s, TransferStatus status, String detail) {
        counters.discarded(status);
        sink.discard(s.batch, s.target, status, describe(s) + ": " + detail);
        queueAck(s.version, s.correlationId, status, s.bytes);
        clear(s, SKIPPING);
    }

    /** Drops a batch before it started: counted and answered. */
    private void refuse(Session s, long version, long correlationId, TransferStatus status) {
        counters.discarded(status);
        queueAck(version, correlationId, status, 0);
        s.state = SKIPPING;
        s.correlationId = correlationId;
    }

    private static void clear(Session s, int state) {
        s.state = state;
        s.batch = null;
        s.target = null;
        s.memory = null;
        s.crcs = null;
    }

    private String describe(Session s) {
        return "batch '"
                + (s.batch == null ? "?" : s.batch.batchName())
                + "' v"
                + s.version
                + " from "
                + (s.batch == null ? "session " + s.sessionId : s.batch.senderName())
                + " on "
                + channelDescription
                + " at receiver "
                + name;
    }

    private void queueAck(long version, long correlationId, TransferStatus status, long bytes) {
        if (sendAck(version, correlationId, status.code(), bytes)) {
            return;
        }
        if (pendingAckCount == MAX_PENDING_ACKS) {
            // The oldest answer is lost; its sender reports a timeout for it.
            System.arraycopy(pendingAcks, 4, pendingAcks, 0, (MAX_PENDING_ACKS - 1) * 4);
            pendingAckCount--;
        }
        int i = pendingAckCount * 4;
        pendingAcks[i] = version;
        pendingAcks[i + 1] = correlationId;
        pendingAcks[i + 2] = status.code();
        pendingAcks[i + 3] = bytes;
        pendingAckCount++;
    }

    private boolean sendAck(long version, long correlationId, int status, long bytes) {
        ack.wrap(ackBuffer, 0);
        ack.header(version, correlationId, FrameFlyweight.TYPE_ACK);
        ack.receiverId(receiverId).status(status).bytesReceived(bytes);
        return control.offer(ackBuffer, 0, AckFrameFlyweight.LENGTH) > 0;
    }

    private int flushPendingAcks() {
        int sent = 0;
        while (sent < pendingAckCount) {
            int i = sent * 4;
            if (!sendAck(
                    pendingAcks[i],
                    pendingAcks[i + 1],
                    (int) pendingAcks[i + 2],
                    pendingAcks[i + 3])) {
                break;
            }
            sent++;
        }
        if (sent > 0) {
            System.arraycopy(pendingAcks, sent * 4, pendingAcks, 0, (pendingAckCount - sent) * 4);
            pendingAckCount -= sent;
        }
        return sent;
    }

    private int hello() {
        long have = sink.haveVersion();
        if (have != helloVersion || helloBuffer == null) {
            byte[] bytes =
                    ReceiverHello.newBuilder()
                            .setReceiverId(receiverId)
                            .setReceiverName(name)
                            .setBatchName(batchInterest)
                            .setHaveVersion(have)
                            .build()
                            .toByteArray();
            helloLength = BodyFrameFlyweight.BODY_OFFSET + bytes.length;
            helloBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(helloLength));
            body.wrap(helloBuffer, 0);
            body.header(have, 0, FrameFlyweight.TYPE_HELLO);
            body.bodyLength(bytes.length);
            helloBuffer.putBytes(body.bodyOffset(), bytes);
            helloVersion = have;
        }
        if (control.offer(helloBuffer, 0, helloLength) > 0) {
            helloNow = false;
            nextHelloNs = nowNs + helloIntervalNs;
            return 1;
        }
        // Not connected yet or back-pressured: try again shortly, not every duty cycle.
        nextHelloNs = nowNs + Math.min(helloIntervalNs, 10_000_000L);
        helloNow = false;
        return 0;
    }

    private int housekeeping() {
        int work = 0;
        if (sessions.isEmpty()) {
            return 0;
        }
        Int2ObjectHashMap<Session>.ValueIterator it = sessions.values().iterator();
        while (it.hasNext()) {
            Session s = it.next();
            Image image = data.imageBySessionId(s.sessionId);
            boolean gone = image == null || image.isClosed();
            if (s.state == RECEIVING) {
                if (nowNs - s.lastFrameNs > receiveTimeoutNs) {
                    fail(
                            s,
                            TransferStatus.BROKEN_STREAM,
                            "the stream was silent for "
                                    + receiveTimeoutNs / 1_000_000
                                    + " ms mid-batch, after "
                                    + s.bytes
                                    + " of "
                                    + s.batch.totalBytes()
                                    + " bytes");
                    work++;
                } else if (gone) {
                    fail(
                            s,
                            TransferStatus.BROKEN_STREAM,
                            "the sender's image closed mid-batch, after "
                                    + s.bytes
                                    + " of "
                                    + s.batch.totalBytes()
                                    + " bytes");
                    work++;
                }
            } else if (gone && nowNs - s.lastFrameNs > receiveTimeoutNs) {
                it.remove();
                work++;
            }
        }
        return work;
    }

    /** Drops any batch in progress (the receiver is closing). */
    @Override
    public void onClose() {
        for (Session s : sessions.values()) {
            if (s.state == RECEIVING) {
                counters.discarded(TransferStatus.BROKEN_STREAM);
                sink.discard(
                        s.batch,
                        s.target,
                        TransferStatus.BROKEN_STREAM,
                        describe(s) + ": the receiver closed");
                clear(s, IDLE);
            }
        }
    }
}
