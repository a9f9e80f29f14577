package dev.troupe.transport.internal;

import dev.troupe.proto.v1.ReceiverHello;
import dev.troupe.transport.BatchDelivery;
import dev.troupe.transport.SenderListener;
import dev.troupe.transport.TransferStatus;
import dev.troupe.transport.TransportException;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Streams batches onto one data publication and collects the receivers' answers from the control
 * stream. One batch streams at a time (a publication is ordered); any number wait for answers. The
 * per-chunk path neither allocates nor logs; a batch's start and end (futures, error messages) and
 * receivers' hellos (Protobuf) do, once per batch or hello.
 */
public final class SenderAgent implements Agent {
    /** Chunks written per duty cycle, so answers and timeouts are served during a long batch. */
    private static final int CHUNKS_PER_DUTY_CYCLE = 64;

    private static final int CONTROL_FRAGMENTS_PER_POLL = 32;
    private static final long HOUSEKEEPING_INTERVAL_NS = 10_000_000L;

    private final String roleName;
    private final String channelDescription;
    private final ExclusivePublication data;
    private final Subscription control;
    private final ManyToOneConcurrentArrayQueue<OutgoingBatch> queue;
    private final SenderListener listener;
    private final long sendTimeoutNs;
    private final long ackTimeoutNs;
    private final long receiverTimeoutNs;
    private final int chunkLength;

    private final BufferClaim claim = new BufferClaim();
    private final ChunkFrameFlyweight chunk = new ChunkFrameFlyweight();
    private final EndFrameFlyweight endFrame = new EndFrameFlyweight();
    private final FrameFlyweight frame = new FrameFlyweight();
    private final AckFrameFlyweight ack = new AckFrameFlyweight();
    private final BodyFrameFlyweight body = new BodyFrameFlyweight();
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private final CRC32C crc = new CRC32C();
    private final UnsafeBuffer abortBuffer =
            new UnsafeBuffer(ByteBuffer.allocateDirect(BodyFrameFlyweight.BODY_OFFSET));
    private final FragmentHandler controlHandler;

    private final ArrayList<OutgoingBatch> awaiting = new ArrayList<>();
    private final Long2ObjectHashMap<Peer> peers = new Long2ObjectHashMap<>();
    private final Map<String, Long> peerIdsByName;

    private OutgoingBatch current;
    private long nextHousekeepingNs;
    private long nowNs;
    private volatile boolean closed;

    private static final class Peer {
        final long id;
        final String name;
        long lastSeenNs;

        Peer(long id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    /**
     * @param roleName this sender's name
     * @param channelDescription the channel, for error messages
     * @param peerIdsByName receivers this agent knows, kept up to date for callers on other threads
     */
    public SenderAgent(
            String roleName,
            String channelDescription,
            ExclusivePublication data,
            Subscription control,
            ManyToOneConcurrentArrayQueue<OutgoingBatch> queue,
            SenderListener listener,
            long sendTimeoutNs,
            long ackTimeoutNs,
            long receiverTimeoutNs,
            ConcurrentHashMap<String, Long> peerIdsByName) {
        this.roleName = roleName;
        this.channelDescription = channelDescription;
        this.data = data;
        this.control = control;
        this.queue = queue;
        this.listener = listener;
        this.sendTimeoutNs = sendTimeoutNs;
        this.ackTimeoutNs = ackTimeoutNs;
        this.receiverTimeoutNs = receiverTimeoutNs;
        this.peerIdsByName = peerIdsByName;
        this.chunkLength = chunkLength(data);
        this.controlHandler = new FragmentAssembler(this::onControl);
    }

    /** Payload bytes of a chunk on {@code publication}: a whole frame fits one MTU. */
    public static int chunkLength(Publication publication) {
        return publication.maxPayloadLength() - ChunkFrameFlyweight.CHUNK_HEADER_LENGTH;
    }

    @Override
    public String roleName() {
        return "tensor-sender-" + roleName;
    }

    @Override
    public int doWork() {
        nowNs = System.nanoTime();
        int work = control.poll(controlHandler, CONTROL_FRAGMENTS_PER_POLL);
        if (current == null) {
            current = queue.poll();
            if (current != null) {
                start(current);
                work++;
            }
        }
        if (current != null) {
            work += stream(current);
        }
        if (nowNs >= nextHousekeepingNs) {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += housekeeping();
        }
        return work;
    }

    private void start(OutgoingBatch b) {
        b.lastProgressNs = nowNs;
        if (b.targetIds != null) {
            b.expectedIds = b.targetIds;
            b.expectedNames = b.targetNames;
        } else {
            int n = peers.size();
            b.expectedIds = new long[n];
            b.expectedNames = new String[n];
            int i = 0;
            for (Peer p : peers.values()) {
                b.expectedIds[i] = p.id;
                b.expectedNames[i] = p.name;
                i++;
            }
        }
        b.answers = new TransferStatus[b.expectedIds.length];
    }

    private int stream(OutgoingBatch b) {
        switch (b.state) {
            case OutgoingBatch.BEGIN:
                {
                    long r = data.offer(b.beginFrame, 0, b.beginLength);
                    if (r < 0) {
                        return onBlocked(b, r);
                    }
                    b.state = OutgoingBatch.CHUNKS;
                    b.tensorIndex = 0;
                    b.tensorOffset = 0;
                    b.lastProgressNs = nowNs;
                    crc.reset();
                    return 1;
                }
            case OutgoingBatch.CHUNKS:
                return streamChunks(b);
            case OutgoingBatch.END:
                {
                    long r = data.offer(b.endFrame, 0, b.endLength);
                    if (r < 0) {
                        return onBlocked(b, r);
                    }
                    b.releaseOwned();
                    b.endSentNs = nowNs;
                    b.state = OutgoingBatch.AWAITING_ACKS;
                    current = null;
                    b.handle.sent().complete(null);
                    if (b.expectedIds.length == 0) {
                        completeDelivered(b);
                    } else {
                        awaiting.add(b);
                    }
                    return 1;
                }
            default:
                throw new IllegalStateException("batch in state " + b.state);
        }
    }

    private int streamChunks(OutgoingBatch b) {
        int work = 0;
        endFrame.wrap(b.endFrame, 0);
        for (int n = 0; n < CHUNKS_PER_DUTY_CYCLE; n++) {
            if (b.tensorIndex == b.memory.length) {
                b.state = OutgoingBatch.END;
                return work + 1;
            }
            TensorMemory m = b.memory[b.tensorIndex];
            long remaining = m.lengthBytes() - b.tensorOffset;
            if (remaining == 0) {
                endFrame.crc(b.tensorIndex, (int) crc.getValue());
                b.tensorIndex++;
                b.tensorOffset = 0;
                crc.reset();
                continue;
            }
            int payload = (int) Math.min(remaining, chunkLength);
            long r = data.tryClaim(ChunkFrameFlyweight.CHUNK_HEADER_LENGTH + payload, claim);
            if (r < 0) {
                return work + onBlocked(b, r);
            }
            chunk.wrap(claim.buffer(), claim.offset());
            source.wrap(m.address() + b.tensorOffset, payload);
            claim.buffer().putBytes(chunk.payloadOffset(), source, 0, payload);
            // The checksum after the copy reads the chunk from cache: one pass over the tensor's
            // memory instead of two.
            crc.update(m.window(b.tensorOffset, payload));
            chunk.header(b.handle.version(), b.handle.correlationId(), FrameFlyweight.TYPE_CHUNK);
            chunk.tensorIndex(b.tensorIndex)
                    .runningCrc((int) crc.getValue())
                    .tensorOffset(b.tensorOffset)
                    .payloadLength(payload);
            claim.commit();
            b.tensorOffset += payload;
            b.lastProgressNs = nowNs;
            work++;
        }
        return work;
    }

    /** Acts on an offer or tryClaim result below zero. */
    private int onBlocked(OutgoingBatch b, long result) {
        if (result == Publication.NOT_CONNECTED
                && b.expectedIds.length == 0
                && b.state == OutgoingBatch.BEGIN) {
            // Sent to nobody: no receiver is connected and none was expected.
            b.releaseOwned();
            current = null;
            b.handle.sent().complete(null);
            completeDelivered(b);
            return 1;
        }
        if (result == Publication.BACK_PRESSURED
                || result == Publication.ADMIN_ACTION
                || result == Publication.NOT_CONNECTED) {
            if (nowNs - b.lastProgressNs > sendTimeoutNs) {
                String why =
                        result == Publication.NOT_CONNECTED
                                ? "not connected: no receiver is subscribed"
                                : "back-pressured: a receiver is slow or has stopped reading";
                failCurrent(
                        b,
                        TransferStatus.NOT_SENT,
                        "no progress for " + nanosToSeconds(sendTimeoutNs) + " s (" + why + ")");
            }
            return 0;
        }
        String why =
                result == Publication.CLOSED
                        ? "the publication is closed"
                        : result == Publication.MAX_POSITION_EXCEEDED
                                ? "the publication reached its maximum position (reopen the"
                                        + " sender)"
                                : "publication result " + result;
        failCurrent(b, TransferStatus.NOT_SENT, why);
        return 1;
    }

    private void failCurrent(OutgoingBatch b, TransferStatus status, String why) {
        if (b.state != OutgoingBatch.BEGIN) {
            // Best effort: receivers drop the partial batch now rather than at their timeout.
            body.wrap(abortBuffer, 0);
            body.header(b.handle.version(), b.handle.correlationId(), FrameFlyweight.TYPE_ABORT);
            body.bodyLength(0);
            data.offer(abortBuffer, 0, BodyFrameFlyweight.BODY_OFFSET);
        }
        b.releaseOwned();
        current = null;
        TransportException e = new TransportException(status, describe(b) + ": " + why);
        b.handle.sent().completeExceptionally(e);
        b.handle.delivered().completeExceptionally(e);
    }

    private String describe(OutgoingBatch b) {
        StringBuilder names = new StringBuilder("[");
        String[] expected = b.expectedNames != null ? b.expectedNames : b.targetNames;
        if (expected != null) {
            for (int i = 0; i < expected.length; i++) {
                names.append(i == 0 ? "" : ", ").append(expected[i]);
            }
        }
        names.append(']');
        return "batch '"
                + b.handle.batchName()
                + "' v"
                + b.handle.version()
                + " from "
                + roleName
                + " on "
                + channelDescription
                + " to receivers "
                + names;
    }

    private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < FrameFlyweight.HEADER_LENGTH) {
            return;
        }
        frame.wrap(buffer, offset);
        if (frame.protocolVersion() != FrameFlyweight.PROTOCOL_VERSION) {
            return;
        }
        byte type = frame.type();
        if (type == FrameFlyweight.TYPE_ACK && length >= AckFrameFlyweight.LENGTH) {
            ack.wrap(buffer, offset);
            onAck(ack.correlationId(), ack.receiverId(), TransferStatus.fromCode(ack.status()));
        } else if (type == FrameFlyweight.TYPE_HELLO && length >= BodyFrameFlyweight.BODY_OFFSET) {
            body.wrap(buffer, offset);
            int len = body.bodyLength();
            if (len < 0 || len > length - BodyFrameFlyweight.BODY_OFFSET) {
                return;
            }
            byte[] bytes = new byte[len];
            buffer.getBytes(body.bodyOffset(), bytes);
            try {
                onHello(ReceiverHello.parseFrom(bytes));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                // A corrupt hello is dropped: the receiver repeats it every hello interval.
            }
        }
    }

    private void onHello(ReceiverHello hello) {
        Peer p = peers.get(hello.getReceiverId());
        if (p == null) {
            Long previous = peerIdsByName.get(hello.getReceiverName());
            if (previous != null) {
                // A restarted receiver: the old instance will never answer.
                peers.remove(previous.longValue());
                answerForGone(previous, hello.getReceiverName());
            }
            p = new Peer(hello.getReceiverId(), hello.getReceiverName());
            peers.put(p.id, p);
            peerIdsByName.put(p.name, p.id);
        }
        p.lastSeenNs = nowNs;
        listener.onHello(p.name, p.id, hello.getBatchName(), hello.getHaveVersion());
    }

    private void onAck(long correlationId, long receiverId, TransferStatus status) {
        for (int i = 0, n = awaiting.size(); i < n; i++) {
            OutgoingBatch b = awaiting.get(i);
            if (b.handle.correlationId() != correlationId) {
                continue;
            }
            for (int j = 0; j < b.expectedIds.length; j++) {
                if (b.expectedIds[j] == receiverId && b.answers[j] == null) {
                    b.answers[j] = status;
                    b.answered++;
                    listener.onAck(
                            b.expectedNames[j],
                            b.handle.batchName(),
                            b.handle.version(),
                            status,
                            nowNs - b.submitNs);
                }
            }
            if (b.answered == b.expectedIds.length) {
                awaiting.remove(i);
                completeDelivered(b);
            }
            return;
        }
    }

    private void answerForGone(long receiverId, String name) {
        for (int i = awaiting.size() - 1; i >= 0; i--) {
            OutgoingBatch b = awaiting.get(i);
            for (int j = 0; j < b.expectedIds.length; j++) {
                if (b.expectedIds[j] == receiverId && b.answers[j] == null) {
                    b.answers[j] = TransferStatus.BROKEN_STREAM;
                    b.answered++;
                    listener.onAck(
                            name,
                            b.handle.batchName(),
                            b.handle.version(),
                            TransferStatus.BROKEN_STREAM,
                            nowNs - b.submitNs);
                }
            }
            if (b.answered == b.expectedIds.length) {
                awaiting.remove(i);
                completeDelivered(b);
            }
        }
    }

    private void completeDelivered(OutgoingBatch b) {
        Map<String, TransferStatus> answers = new LinkedHashMap<>();
        boolean ok = true;
        for (int j = 0; j < b.expectedIds.length; j++) {
            TransferStatus s = b.answers[j] == null ? TransferStatus.TIMED_OUT : b.answers[j];
            answers.put(b.expectedNames[j], s);
            ok &= s == TransferStatus.OK;
        }
        if (ok) {
            b.handle
                    .delivered()
                    .complete(
                            new BatchDelivery(
                                    b.handle.batchName(),
                                    b.handle.version(),
                                    b.handle.bytes(),
                                    answers,
                                    nowNs - b.submitNs));
        } else {
            TransferStatus first = TransferStatus.OK;
            for (TransferStatus s : answers.values()) {
                if (s != TransferStatus.OK) {
                    first = s;
                    break;
                }
            }
            b.handle
                    .delivered()
                    .completeExceptionally(
                            new TransportException(
                                    first,
                                    describe(b)
                                            + ": not applied by every receiver (ack timeout "
                                            + nanosToSeconds(ackTimeoutNs)
                                            + " s): "
                                            + answers));
        }
    }

    private int housekeeping() {
        int work = 0;
        for (int i = awaiting.size() - 1; i >= 0; i--) {
            OutgoingBatch b = awaiting.get(i);
            if (nowNs - b.endSentNs > ackTimeoutNs) {
                awaiting.remove(i);
                for (int j = 0; j < b.expectedIds.length; j++) {
                    if (b.answers[j] == null) {
                        listener.onAck(
                                b.expectedNames[j],
                                b.handle.batchName(),
                                b.handle.version(),
                                TransferStatus.TIMED_OUT,
                                nowNs - b.submitNs);
                    }
                }
                completeDelivered(b);
                work++;
            }
        }
        if (!peers.isEmpty()) {
            Long2ObjectHashMap<Peer>.ValueIterator it = peers.values().iterator();
            while (it.hasNext()) {
                Peer p = it.next();
                if (nowNs - p.lastSeenNs > receiverTimeoutNs) {
                    it.remove();
                    peerIdsByName.remove(p.name, p.id);
                    listener.onReceiverLost(p.name);
                    work++;
                }
            }
        }
        return work;
    }

    /** Fails whatever is queued, streaming or awaiting answers: the sender is closing. */
    @Override
    public void onClose() {
        closed = true;
        if (current != null) {
            failCurrent(current, TransferStatus.NOT_SENT, "the sender closed");
        }
        OutgoingBatch b;
        while ((b = queue.poll()) != null) {
            b.releaseOwned();
            TransportException e =
                    new TransportException(
                            TransferStatus.NOT_SENT, describe(b) + ": the sender closed");
            b.handle.sent().completeExceptionally(e);
            b.handle.delivered().completeExceptionally(e);
        }
        for (OutgoingBatch a : awaiting) {
            a.handle
                    .delivered()
                    .completeExceptionally(
                            new TransportException(
                                    TransferStatus.TIMED_OUT,
                                    describe(a) + ": the sender closed before every answer came"));
        }
        awaiting.clear();
    }

    public boolean isClosed() {
        return closed;
    }

    private static String nanosToSeconds(long ns) {
        return String.format(java.util.Locale.ROOT, "%.1f", ns / 1e9);
    }
}
