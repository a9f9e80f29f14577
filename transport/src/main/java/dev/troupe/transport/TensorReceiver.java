package dev.troupe.transport;

import dev.troupe.transport.internal.IdleStrategies;
import dev.troupe.transport.internal.ReceiverAgent;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;

/**
 * The receiving end of a tensor channel: reassembles batches into the tensors its {@link
 * TensorSink} preallocated, verifies every chunk's running CRC32C and each tensor's final one,
 * hands complete batches to the sink, and acknowledges each batch to the sender (applied, or
 * dropped and why). It announces itself to the sender when it starts and every hello interval, with
 * the version its sink holds, so a late or restarted receiver is known and can be brought up to
 * date.
 *
 * <p>Anything wrong (a malformed frame, a checksum or layout mismatch, a stale frame, a broken
 * stream) is dropped and counted in {@link #counters()}; the sink learns of each dropped batch and
 * keeps its last good tensors. It runs its own {@link AgentRunner} thread.
 */
public final class TensorReceiver implements AutoCloseable {
    private final String name;
    private final long receiverId;
    private final ChannelSpec spec;
    private final Subscription data;
    private final ExclusivePublication control;
    private final ReceiverCounters counters = new ReceiverCounters();
    private final ReceiverAgent agent;
    private final AgentRunner runner;

    private TensorReceiver(
            String name,
            String batchInterest,
            ChannelSpec spec,
            Subscription data,
            ExclusivePublication control,
            TensorSink sink,
            TransportConfig config) {
        this.name = name;
        this.spec = spec;
        this.data = data;
        this.control = control;
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        this.receiverId = id;
        this.agent =
                new ReceiverAgent(
                        name,
                        receiverId,
                        batchInterest,
                        spec.describe(),
                        data,
                        control,
                        sink,
                        counters,
                        config.receiveTimeoutNs(),
                        config.helloIntervalNs());
        this.runner =
                new AgentRunner(
                        IdleStrategies.of(config.idleStrategy()),
                        t ->
                                System.getLogger(TensorReceiver.class.getName())
                                        .log(
                                                System.Logger.Level.ERROR,
                                                "receiver " + name + " on " + spec.describe(),
                                                t),
                        null,
                        agent);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Opens the receiving end of {@code spec} on {@code node}.
     *
     * @param name this receiver's stable name ("rollout-3"), in hellos and error messages
     * @param batchInterest the batch name it subscribes to, told to the sender in hellos
     * @param sink where batches go; called on the receiver's agent thread
     */
    public static TensorReceiver open(
            TransportNode node,
            ChannelSpec spec,
            String name,
            String batchInterest,
            TensorSink sink) {
        Subscription data =
                node.aeron()
                        .addSubscription(
                                spec.receiverDataChannel(node.config().udpHost()),
                                spec.dataStreamId());
        ExclusivePublication control;
        try {
            control =
                    node.aeron()
                            .addExclusivePublication(
                                    spec.receiverControlChannel(), spec.controlStreamId());
        } catch (RuntimeException e) {
            CloseHelper.quietClose(data);
            throw e;
        }
        return new TensorReceiver(name, batchInterest, spec, data, control, sink, node.config());
    }

    public String name() {
        return name;
    }

    /** Random per instance: a restarted receiver has a new id under the same name. */
    public long receiverId() {
        return receiverId;
    }

    public ChannelSpec spec() {
        return spec;
    }

    /** What this receiver applied and dropped. */
    public ReceiverCounters counters() {
        return counters;
    }

    /** Whether a sender's data stream is connected. */
    public boolean connected() {
        return data.isConnected();
    }

    /** Announces this receiver and its version to the sender now (e.g. to ask for a resend). */
    public void requestHello() {
        agent.requestHello();
    }

    /** Stops the agent (dropping any batch in progress) and closes the streams. */
    @Override
    public void close() {
        CloseHelper.closeAll(runner, control, data);
    }
}
