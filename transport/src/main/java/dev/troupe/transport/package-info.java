/**
 * Tensors over Aeron: the tensor channel and versioned tensor sets (live LoRA adapter sync).
 *
 * <h2>Pieces</h2>
 *
 * <ul>
 *   <li>{@link dev.troupe.transport.TransportNode}: one per node. Starts an embedded Aeron media
 *       driver (or connects to an external one) and the Aeron client. Settings: {@link
 *       dev.troupe.transport.TransportConfig}, from {@code troupe.transport} in {@code
 *       reference.conf}.
 *   <li>{@link dev.troupe.transport.ChannelSpec}: where a channel runs (IPC, or UDP with
 *       multi-destination-cast from the sender), one data stream and one control stream.
 *   <li>{@link dev.troupe.transport.TensorSender} / {@link dev.troupe.transport.TensorReceiver}:
 *       the two ends of a channel. A batch (named, versioned, one or more tensors) is sent from the
 *       tensors' native memory with {@code tryClaim}, one MTU per chunk frame with the running
 *       CRC32C, and written by the receiver into tensors its {@link
 *       dev.troupe.transport.TensorSink} preallocated; every receiver acknowledges every batch.
 *       Each end runs one Agrona {@code AgentRunner} thread.
 *   <li>{@link dev.troupe.transport.TensorSetPublisher} / {@link
 *       dev.troupe.transport.TensorSetSubscriber}: versions of a tensor set (an adapter) from one
 *       publisher to every subscriber, with atomic version swap, leases, and catch-up of late or
 *       restarted subscribers.
 * </ul>
 *
 * <h2>From actors</h2>
 *
 * Nothing here blocks the caller except the host copies it makes, so:
 *
 * <ul>
 *   <li>The node guardian starts the {@code TransportNode} with the node and closes it in {@code
 *       PostStop}; the learner and rollout actors get it from the guardian (no static singleton).
 *   <li>The learner opens a {@code TensorSetPublisher} when it starts. After each optimiser step,
 *       on its libtorch dispatcher, it calls {@code publish(version, loraTensors)}: the call copies
 *       the adapter into a host snapshot (one device-to-host copy on a GPU) and returns, so the
 *       next step may change the tensors at once. It pipes {@code publication.delivered()} to
 *       itself ({@code context.pipeToSelf}) and reports sync bytes and seconds ({@link
 *       dev.troupe.transport.BatchDelivery}) to the coordinator, which tracks the lag between the
 *       learner's version and each rollout's.
 *   <li>A rollout opens a {@code TensorSetSubscriber} with its adapter's {@link
 *       dev.troupe.transport.TensorLayout} and device when it starts; it announces itself and is
 *       sent the current version (a late join or a restart needs nothing more). Before each
 *       generation batch it calls {@code acquire()} (never blocks), generates with {@code
 *       lease.tensors()}, records {@code lease.version()} on each group, and closes the lease when
 *       the batch is done. When the coordinator says "use version v", the rollout pipes {@code
 *       whenVersion(v)} to itself and starts its next batch when it completes.
 *   <li>Callbacks ({@link dev.troupe.transport.SenderListener}, futures) run on the channel's agent
 *       thread: only {@code tell} an actor from them.
 * </ul>
 */
package dev.troupe.transport;
