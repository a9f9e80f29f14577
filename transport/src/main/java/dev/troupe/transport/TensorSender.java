package dev.troupe.transport;

import dev.troupe.proto.v1.TensorBatchBegin;
import dev.troupe.proto.v1.TensorHeader;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.internal.BodyFrameFlyweight;
import dev.troupe.transport.internal.EndFrameFlyweight;
import dev.troupe.transport.internal.FrameFlyweight;
import dev.troupe.transport.internal.IdleStrategies;
import dev.troupe.transport.internal.OutgoingBatch;
import dev.troupe.transport.internal.ProtoDTypes;
import dev.troupe.transport.internal.SenderAgent;
import dev.troupe.transport.internal.TensorMemory;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.bytedeco.pytorch.Tensor;

/**
 * The sending end of a tensor channel: sends versioned batches of named tensors to every receiver
 * on the channel (or to some of them), straight from the tensors' native memory, and reports when
 * each receiver has applied them. It runs its own {@link AgentRunner} thread; {@link #send} only
 * prepares the frames and queues the batch, so an actor may call it from its dispatcher and {@code
 * pipeToSelf} the returned futures.
 *
 * <p>Receivers announce themselves over the channel's control stream; a batch sent to "all" is
 * expected by every receiver known when it starts streaming. Each tensor travels as chunk frames
 * claimed with {@code tryClaim} (one MTU each) carrying the running CRC32C; a publication that
 * cannot make progress for the send timeout fails the batch naming the stream and the receivers.
 */
public final class TensorSender implements AutoCloseable {
    private static final int QUEUE_CAPACITY = 1024;

    private final String name;
    private final ChannelSpec spec;
    private final ExclusivePublication data;
    private final Subscription control;
    private final ManyToOneConcurrentArrayQueue<OutgoingBatch> queue =
            new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    private final ConcurrentHashMap<String, Long> receivers = new ConcurrentHashMap<>();
    private final AgentRunner runner;
    private final int chunkLength;
    private static final AtomicLong CORRELATION_IDS = new AtomicLong(System.nanoTime());

    private TensorSender(
            String name,
            ChannelSpec spec,
            ExclusivePublication data,
            Subscription control,
            TransportConfig config,
            SenderListener listener) {
        this.name = name;
        this.spec = spec;
        this.data = data;
        this.control = control;
        this.chunkLength = SenderAgent.chunkLength(data);
        SenderAgent agent =
                new SenderAgent(
                        name,
                        spec.describe(),
                        data,
                        control,
                        queue,
                        listener,
                        config.sendTimeoutNs(),
                        config.ackTimeoutNs(),
                        config.receiverTimeoutNs(),
                        receivers);
        this.runner =
                new AgentRunner(
                        IdleStrategies.of(config.idleStrategy()),
                        t ->
                                System.getLogger(TensorSender.class.getName())
                                        .log(
                                                System.Logger.Level.ERROR,
                                                "sender " + name + " on " + spec.describe(),
                                                t),
                        null,
                        agent);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Opens the sending end of {@code spec} on {@code node}.
     *
     * @param name this sender's name, in receivers' and error messages ("learner-0")
     * @param listener hellos and answers of receivers, called on the agent thread
     */
    public static TensorSender open(
            TransportNode node, ChannelSpec spec, String name, SenderListener listener) {
        TransportConfig config = node.config();
        ExclusivePublication data =
                node.aeron()
                        .addExclusivePublication(
                                spec.senderDataChannel(config), spec.dataStreamId());
        Subscription control;
        try {
            control =
                    node.aeron()
                            .addSubscription(spec.senderControlChannel(), spec.controlStreamId());
        } catch (RuntimeException e) {
            CloseHelper.quietClose(data);
            throw e;
        }
        return new TensorSender(name, spec, data, control, config, listener);
    }

    public String name() {
        return name;
    }

    public ChannelSpec spec() {
        return spec;
    }

    /** Payload bytes per chunk frame on this channel. */
    public int chunkLengthBytes() {
        return chunkLength;
    }

    /** Names of the receivers that have announced themselves and not gone silent. */
    public Set<String> receivers() {
        return Set.copyOf(receivers.keySet());
    }

    /**
     * Sends a batch to every known receiver. See {@link #sendTo}.
     *
     * @param tensors the batch, in sending order (use a LinkedHashMap)
     */
    public BatchSend send(String batchName, long version, Map<String, Tensor> tensors) {
        return submit(batchName, version, tensors, null);
    }

    /**
     * Sends a batch to the named receivers only (others skip it).
     *
     * <p>A contiguous CPU tensor is sent from its own memory: it must not change until {@link
     * BatchSend#sent()} completes. Any other tensor (non-contiguous, or on a GPU) is first copied
     * to a contiguous host tensor on the calling thread.
     *
     * @throws IllegalArgumentException for a receiver name that has not announced itself, a tensor
     *     over 2 GiB, or more tensor headers than one message of the channel holds
     * @throws IllegalStateException when too many batches are queued
     */
    public BatchSend sendTo(
            Collection<String> receiverNames,
            String batchName,
            long version,
            Map<String, Tensor> tensors) {
        return submit(batchName, version, tensors, receiverNames);
    }

    private BatchSend submit(
            String batchName,
            long version,
            Map<String, Tensor> tensors,
            Collection<String> targetNames) {
        if (runner.isClosed()) {
            throw new IllegalStateException(
                    "sender " + name + " on " + spec.describe() + " is closed");
        }
        long submitNs = System.nanoTime();
        int n = tensors.size();
        String[] names = new String[n];
        TensorMemory[] memory = new TensorMemory[n];
        Tensor[] owned = new Tensor[n];
        long correlationId = CORRELATION_IDS.incrementAndGet();
        TensorBatchBegin.Builder begin =
                TensorBatchBegin.newBuilder()
                        .setBatchName(batchName)
                        .setVersion(version)
                        .setCorrelationId(correlationId)
                        .setChunkLengthBytes(chunkLength)
                        .setSenderName(name);
        long[] targetIds = null;
        String[] targets = null;
        if (targetNames != null) {
            targetIds = new long[targetNames.size()];
            targets = targetNames.toArray(new String[0]);
            for (int i = 0; i < targets.length; i++) {
                Long id = receivers.get(targets[i]);
                if (id == null) {
                    throw new IllegalArgumentException(
                            "receiver '"
                                    + targets[i]
                                    + "' has not announced itself on "
                                    + spec.describe()
                                    + " (known: "
                                    + receivers.keySet()
                                    + ")");
                }
                targetIds[i] = id;
                begin.addTargetReceiverIds(id);
            }
        }
        long total = 0;
        try {
            int i = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                Tensor host = t;
                if (!t.is_cpu() || !t.is_contiguous()) {
                    host = Tensors.hostContiguous(t, Tensors.dtype(t));
                    owned[i] = host;
                }
                names[i] = e.getKey();
                memory[i] = TensorMemory.of(host, e.getKey());
                TensorHeader.Builder h =
                        TensorHeader.newBuilder()
                                .setName(e.getKey())
                                .setDtype(ProtoDTypes.toProto(Tensors.dtype(host)))
                                .setVersion(version)
                                .setLengthBytes(memory[i].lengthBytes());
                for (long s : Tensors.shape(host)) {
                    h.addShape(s);
                }
                begin.addTensors(h);
                total += memory[i].lengthBytes();
                i++;
            }
        } catch (RuntimeException e) {
            closeOwned(owned);
            throw e;
        }
        byte[] beginBody = begin.build().toByteArray();
        int beginLength = BodyFrameFlyweight.BODY_OFFSET + beginBody.length;
        int endLength = EndFrameFlyweight.length(n);
        int largest = data.maxMessageLength();
        if (Math.max(beginLength, endLength) > largest) {
            closeOwned(owned);
            throw new IllegalArgumentException(
                    "batch '"
                            + batchName
                            + "' v"
                            + version
                            + " on "
                            + spec.describe()
                            + ": its "
                            + n
                            + " tensor headers take a "
                            + Math.max(beginLength, endLength)
                            + "-byte frame, over the channel's largest message of "
                            + largest
                            + " bytes (the term length / 8): send fewer tensors per batch or"
                            + " raise the term length");
        }
        UnsafeBuffer beginFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(beginLength));
        BodyFrameFlyweight bf = new BodyFrameFlyweight();
        bf.wrap(beginFrame, 0);
        bf.header(version, correlationId, FrameFlyweight.TYPE_BEGIN);
        bf.bodyLength(beginBody.length);
        beginFrame.putBytes(bf.bodyOffset(), beginBody);

        UnsafeBuffer endFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(endLength));
        EndFrameFlyweight ef = new EndFrameFlyweight();
        ef.wrap(endFrame, 0);
        ef.header(version, correlationId, FrameFlyweight.TYPE_END);
        ef.tensorCount(n).totalBytes(total);

        BatchSend handle = new BatchSend(batchName, version, correlationId, total);
        OutgoingBatch batch =
                new OutgoingBatch(
                        handle,
                        names,
                        memory,
                        owned,
                        beginFrame,
                        beginLength,
                        endFrame,
                        endLength,
                        targetIds,
                        targets,
                        submitNs);
        if (!queue.offer(batch)) {
            closeOwned(owned);
            throw new IllegalStateException(
                    "sender "
                            + name
                            + " on "
                            + spec.describe()
                            + ": "
                            + QUEUE_CAPACITY
                            + " batches already queued");
        }
        // Wake the agent if it is parked: the batch starts now rather than after its idle period.
        Thread agentThread = runner.thread();
        if (agentThread != null) {
            LockSupport.unpark(agentThread);
        }
        return handle;
    }

    /** Frees the host copies made for a batch that will not be sent. */
    private static void closeOwned(Tensor[] owned) {
        for (Tensor t : owned) {
            if (t != null) {
                t.close();
            }
        }
    }

    /**
     * Stops the agent (failing what is queued or unanswered) and closes the publication and
     * subscription.
     */
    @Override
    public void close() {
        CloseHelper.closeAll(runner, data, control);
    }
}
