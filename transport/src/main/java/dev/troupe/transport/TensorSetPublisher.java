package dev.troupe.transport;

import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.Tensors;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.Tensor;

/**
 * Publishes versions of a named tensor set (the learner's LoRA adapter) to every subscriber on a
 * channel, over a {@link TensorSender}.
 *
 * <p>{@link #publish} copies the tensors into a host snapshot on the calling thread (pinned memory
 * when they are on a GPU: one device-to-host copy) and returns; the caller may change its tensors
 * at once (the next optimiser step). The snapshot of the current version is kept: a subscriber that
 * joins late, restarts, or dropped a version says so in its hello and gets the current version sent
 * to it alone. Subscribers' answers arrive through the {@link SenderListener} given at open, and
 * per version through {@link SetPublication#delivered()}.
 */
public final class TensorSetPublisher implements AutoCloseable {
    private static final int MAX_FREE_SNAPSHOTS = 2;

    private final String setName;
    private final TensorSender sender;
    private final long resendAfterNs;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final ArrayDeque<Snapshot> free = new ArrayDeque<>();
    private final ConcurrentHashMap<String, long[]> offered = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A host copy of one version; referenced while current and while a send reads it. */
    private final class Snapshot {
        final TensorLayout layout;
        final LinkedHashMap<String, Tensor> tensors;
        final AtomicInteger refs = new AtomicInteger();
        volatile long version;

        Snapshot(TensorLayout layout, LinkedHashMap<String, Tensor> tensors) {
            this.layout = layout;
            this.tensors = tensors;
        }

        boolean retain() {
            for (; ; ) {
                int r = refs.get();
                if (r <= 0) {
                    return false;
                }
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                recycle(this);
            }
        }

        void close() {
            for (Tensor t : tensors.values()) {
                t.close();
            }
        }
    }

    private TensorSetPublisher(
            TransportNode node,
            ChannelSpec spec,
            String name,
            String setName,
            SenderListener listener) {
        this.setName = setName;
        this.resendAfterNs = node.config().ackTimeoutNs();
        this.sender =
                TensorSender.open(
                        node,
                        spec,
                        name,
                        new SenderListener() {
                            @Override
                            public void onHello(
                                    String receiverName,
                                    long receiverId,
                                    String batchName,
                                    long haveVersion) {
                                listener.onHello(receiverName, receiverId, batchName, haveVersion);
                                bringUpToDate(receiverName, batchName, haveVersion);
                            }

                            @Override
                            public void onAck(
                                    String receiverName,
                                    String batchName,
                                    long version,
                                    TransferStatus status,
                                    long elapsedNs) {
                                if (status != TransferStatus.OK) {
                                    // Let its next hello bring it up to date at once.
                                    offered.remove(receiverName);
                                }
                                listener.onAck(receiverName, batchName, version, status, elapsedNs);
                            }

                            @Override
                            public void onReceiverLost(String receiverName) {
                                offered.remove(receiverName);
                                listener.onReceiverLost(receiverName);
                            }
                        });
    }

    /**
     * Opens a publisher of set {@code setName} on {@code spec}.
     *
     * @param name the publisher's name ("learner-0")
     * @param listener subscribers' hellos and answers, on the sender's agent thread
     */
    public static TensorSetPublisher open(
            TransportNode node,
            ChannelSpec spec,
            String name,
            String setName,
            SenderListener listener) {
        return new TensorSetPublisher(node, spec, name, setName, listener);
    }

    /**
     * Publishes {@code version} of the set to every subscriber: copies {@code tensors} (in their
     * iteration order) into a host snapshot, makes it current, and sends it. Returns once the copy
     * is made.
     *
     * @throws IllegalArgumentException if {@code version} is not newer than the current one
     */
    public SetPublication publish(long version, Map<String, Tensor> tensors) {
        if (closed) {
            throw new IllegalStateException("publisher of '" + setName + "' is closed");
        }
        Snapshot now = current.get();
        if (now != null && version <= now.version) {
            throw new IllegalArgumentException(
                    "set '"
                            + setName
                            + "': version "
                            + version
                            + " is not newer than the current "
                            + now.version);
        }
        TensorLayout layout = TensorLayout.of(tensors);
        Snapshot s = snapshot(layout, tensors);
        s.version = version;
        s.refs.set(2); // current + this send
        Snapshot previous = current.getAndSet(s);
        if (previous != null) {
            previous.release();
        }
        long nowNs = System.nanoTime();
        for (String r : sender.receivers()) {
            offered.put(r, new long[] {version, nowNs});
        }
        BatchSend send;
        try {
            send = sender.send(setName, version, s.tensors);
        } catch (RuntimeException e) {
            s.release();
            throw e;
        }
        send.sent().whenComplete((v, e) -> s.release());
        return new SetPublication(version, send.bytes(), send);
    }

    /** The version subscribers are brought up to, or -1 before the first publish. */
    public long currentVersion() {
        Snapshot s = current.get();
        return s == null ? -1 : s.version;
    }

    /** Subscribers that have announced themselves and not gone silent. */
    public Set<String> subscribers() {
        return sender.receivers();
    }

    public TensorSender sender() {
        return sender;
    }

    private void bringUpToDate(String receiverName, String batchName, long haveVersion) {
        if (!setName.equals(batchName) || closed) {
            return;
        }
        Snapshot s = current.get();
        if (s == null || haveVersion >= s.version) {
            return;
        }
        long nowNs = System.nanoTime();
        long[] last = offered.get(receiverName);
        if (last != null && last[0] >= s.version && nowNs - last[1] < resendAfterNs) {
            return; // on its way already
        }
        if (!s.retain()) {
            return; // superseded this instant; the next hello sees the newer one
        }
        offered.put(receiverName, new long[] {s.version, nowNs});
        try {
            BatchSend send = sender.sendTo(List.of(receiverName), setName, s.version, s.tensors);
            send.sent().whenComplete((v, e) -> s.release());
        } catch (RuntimeException e) {
            s.release();
            offered.remove(receiverName);
        }
    }

    private Snapshot snapshot(TensorLayout layout, Map<String, Tensor> tensors) {
        Snapshot s = null;
        synchronized (free) {
            for (Snapshot f : free) {
                if (f.layout.equals(layout)) {
                    s = f;
                    break;
                }
            }
            if (s != null) {
                free.remove(s);
            }
        }
        if (s == null) {
            LinkedHashMap<String, Tensor> copies = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor src = e.getValue();
                Tensor host =
                        Tensors.empty(ComputeDevice.CPU, Tensors.dtype(src), Tensors.shape(src));
                if (src.is_cuda() && ComputeDevice.cudaAvailable()) {
                    Tensor pinned = host.pin_memory();
                    host.close();
                    host = pinned;
                }
                copies.put(e.getKey(), host);
            }
            s = new Snapshot(layout, copies);
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            s.tensors.get(e.getKey()).copy_(e.getValue());
        }
        return s;
    }

    private void recycle(Snapshot s) {
        synchronized (free) {
            if (!closed && free.size() < MAX_FREE_SNAPSHOTS) {
                free.add(s);
                return;
            }
        }
        s.close();
    }

    /** Closes the sender (failing unanswered publications) and frees the snapshots. */
    @Override
    public void close() {
        closed = true;
        sender.close();
        Snapshot s = current.getAndSet(null);
        if (s != null) {
            s.release();
        }
        synchronized (free) {
            for (Snapshot f : free) {
                f.close();
            }
            free.clear();
        }
    }
}
