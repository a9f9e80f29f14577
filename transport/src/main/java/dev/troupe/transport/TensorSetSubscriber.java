package dev.troupe.transport;

import dev.troupe.proto.v1.TensorHeader;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.Tensors;
import dev.troupe.transport.internal.ProtoDTypes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.Tensor;

/**
 * Receives versions of a named tensor set (a rollout's LoRA adapter) into preallocated buffers and
 * makes each complete, verified version visible at once.
 *
 * <p>It keeps {@code troupe.transport.subscriber-slots} buffers of the set's layout on its device:
 * the current version, versions still leased by consumers, and one being written. A version is
 * written into a free buffer and becomes current only when every tensor arrived and every checksum
 * matched; anything else (a broken stream, a checksum or layout mismatch, a stale version, no free
 * buffer) is dropped and counted, and the current version stays. A consumer takes the current
 * version with {@link #acquire()} at the start of a generation batch and closes the lease at its
 * end: the tensors it holds never change under it, and the lease says exactly which version they
 * are.
 *
 * <p>On a GPU each buffer has a pinned host twin the bytes land in, copied to the device once the
 * version is verified.
 */
public final class TensorSetSubscriber implements AutoCloseable {
    private final String setName;
    private final TensorLayout layout;
    private final ComputeDevice device;
    private final Slot[] slots;
    private final AtomicReference<Slot> current = new AtomicReference<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final TensorReceiver receiver;
    private volatile long currentVersion = -1;
    private volatile String lastError;

    private record Waiter(long version, CompletableFuture<Long> future) {}

    /** One buffer of the whole set. refs: -1 being written, 0 free, n > 0 current and/or leased. */
    private static final class Slot {
        final Map<String, Tensor> tensors;
        final Map<String, Tensor> staging;
        final Map<String, Tensor> readOnly;
        final AtomicInteger refs = new AtomicInteger();
        volatile long version = -1;

        Slot(Map<String, Tensor> tensors, Map<String, Tensor> staging) {
            this.tensors = tensors;
            this.staging = staging;
            this.readOnly = Collections.unmodifiableMap(tensors);
        }

        void close() {
            tensors.values().forEach(Tensor::close);
            if (staging != null) {
                staging.values().forEach(Tensor::close);
            }
        }
    }

    private TensorSetSubscriber(
            TransportNode node,
            ChannelSpec spec,
            String name,
            String setName,
            TensorLayout layout,
            ComputeDevice device) {
        this.setName = setName;
        this.layout = layout;
        this.device = device;
        int n = node.config().subscriberSlots();
        this.slots = new Slot[n];
        boolean gpu = device.isCuda();
        if (gpu && !ComputeDevice.cudaAvailable()) {
            throw new IllegalArgumentException(
                    "subscriber '" + name + "' wants " + device + " but no CUDA device is present");
        }
        try {
            for (int i = 0; i < n; i++) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                Map<String, Tensor> staging = gpu ? new HashMap<>() : null;
                for (TensorLayout.Entry e : layout.entries()) {
                    tensors.put(e.name(), Tensors.zeros(device, e.dtype(), e.shape()));
                    if (gpu) {
                        try (Tensor host = Tensors.empty(ComputeDevice.CPU, e.dtype(), e.shape())) {
                            staging.put(e.name(), host.pin_memory());
                        }
                    }
                }
                slots[i] = new Slot(tensors, staging);
            }
        } catch (RuntimeException e) {
            for (Slot s : slots) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        this.receiver = TensorReceiver.open(node, spec, name, setName, new Sink());
    }

    /**
     * Opens a subscriber of set {@code setName} on {@code spec}, with buffers of {@code layout} on
     * {@code device}. It announces itself at once and is sent the publisher's current version.
     *
     * @param name the subscriber's stable name ("rollout-3")
     */
    public static TensorSetSubscriber open(
            TransportNode node,
            ChannelSpec spec,
            String name,
            String setName,
            TensorLayout layout,
            ComputeDevice device) {
        return new TensorSetSubscriber(node, spec, name, setName, layout, device);
    }

    /**
     * The current version, held until the lease closes; empty before the first version arrived.
     * Never blocks.
     */
    public Optional<TensorSetLease> acquire() {
        for (; ; ) {
            Slot s = current.get();
            if (s == null) {
                return Optional.empty();
            }
            int r = s.refs.get();
            if (r > 0 && s.refs.compareAndSet(r, r + 1)) {
                return Optional.of(new TensorSetLease(s.version, s.readOnly, () -> release(s)));
            }
            // The slot was superseded and released this instant: read the new current one.
        }
    }

    /** The newest complete version, or -1. */
    public long currentVersion() {
        return currentVersion;
    }

    /**
     * Completes (on the receiver's thread) once a version of at least {@code version} is current.
     */
    public CompletableFuture<Long> whenVersion(long version) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        synchronized (waiters) {
            long now = currentVersion;
            if (now >= version) {
                f.complete(now);
            } else {
                waiters.add(new Waiter(version, f));
            }
        }
        return f;
    }

    /** Asks the publisher for its current version now (it is sent if newer than ours). */
    public void requestCurrent() {
        receiver.requestHello();
    }

    public ReceiverCounters counters() {
        return receiver.counters();
    }

    /** The last dropped version's reason, naming stream and sender, or null. */
    public String lastError() {
        return lastError;
    }

    public TensorLayout layout() {
        return layout;
    }

    public ComputeDevice device() {
        return device;
    }

    public TensorReceiver receiver() {
        return receiver;
    }

    private void release(Slot s) {
        s.refs.decrementAndGet();
    }

    private final class Sink implements TensorSink {
        @Override
        public BatchTarget prepare(BatchDescriptor batch) {
            if (!batch.batchName().equals(setName)) {
                return BatchTarget.refuse(
                        TransferStatus.REJECTED,
                        "subscribed to set '" + setName + "', not '" + batch.batchName() + "'");
            }
            if (batch.version() <= currentVersion) {
                return BatchTarget.refuse(
                        TransferStatus.STALE_VERSION,
                        "v"
                                + batch.version()
                                + " is not newer than the current v"
                                + currentVersion);
            }
            String mismatch = layoutMismatch(batch.tensors());
            if (mismatch != null) {
                return BatchTarget.refuse(TransferStatus.LAYOUT_MISMATCH, mismatch);
            }
            Slot free = null;
            for (Slot s : slots) {
                if (s.refs.compareAndSet(0, -1)) {
                    free = s;
                    break;
                }
            }
            if (free == null) {
                return BatchTarget.refuse(
                        TransferStatus.NO_FREE_SLOT,
                        "all "
                                + slots.length
                                + " buffers are current or leased (close leases after each"
                                + " generation batch)");
            }
            int n = batch.tensors().size();
            Tensor[] host = new Tensor[n];
            Tensor[] dev = new Tensor[n];
            for (int i = 0; i < n; i++) {
                String name = batch.tensors().get(i).getName();
                dev[i] = free.tensors.get(name);
                host[i] = free.staging != null ? free.staging.get(name) : dev[i];
            }
            return free.staging != null
                    ? BatchTarget.viaStaging(host, dev, free)
                    : BatchTarget.into(host, free);
        }

        @Override
        public void commit(BatchDescriptor batch, BatchTarget target) {
            Slot s = (Slot) target.attachment();
            device.synchronize();
            s.version = batch.version();
            s.refs.set(1);
            Slot previous = current.getAndSet(s);
            currentVersion = batch.version();
            if (previous != null) {
                release(previous);
            }
            List<CompletableFuture<Long>> ready = new ArrayList<>();
            synchronized (waiters) {
                waiters.removeIf(
                        w -> {
                            if (w.version() <= batch.version()) {
                                ready.add(w.future());
                                return true;
                            }
                            return false;
                        });
            }
            for (CompletableFuture<Long> f : ready) {
                f.complete(batch.version());
            }
        }

        @Override
        public void discard(
                BatchDescriptor batch, BatchTarget target, TransferStatus status, String detail) {
            if (target != null && target.attachment() instanceof Slot s) {
                s.refs.set(0);
            }
            lastError = status + ": " + detail;
        }

        @Override
        public long haveVersion() {
            return currentVersion;
        }
    }

    /**
     * Null when {@code headers} are exactly this set's tensors (any order), else the difference.
     */
    private String layoutMismatch(List<TensorHeader> headers) {
        if (headers.size() != layout.size()) {
            return "the version has "
                    + headers.size()
                    + " tensors, set '"
                    + setName
                    + "' has "
                    + layout.size();
        }
        Map<String, TensorLayout.Entry> byName = new HashMap<>();
        for (TensorLayout.Entry e : layout.entries()) {
            byName.put(e.name(), e);
        }
        for (TensorHeader h : headers) {
            TensorLayout.Entry e = byName.get(h.getName());
            long[] shape = h.getShapeList().stream().mapToLong(Long::longValue).toArray();
            if (e == null) {
                return "tensor '" + h.getName() + "' is not in set '" + setName + "'";
            }
            if (ProtoDTypes.fromProto(h.getDtype()) != e.dtype()
                    || !Arrays.equals(shape, e.shape())) {
                return "tensor '"
                        + h.getName()
                        + "' arrives as "
                        + ProtoDTypes.fromProto(h.getDtype())
                        + Arrays.toString(shape)
                        + ", the set holds "
                        + e.dtype()
                        + Arrays.toString(e.shape());
            }
        }
        return null;
    }

    /** Closes the receiver, then frees every buffer (open leases become invalid). */
    @Override
    public void close() {
        receiver.close();
        synchronized (waiters) {
            for (Waiter w : waiters) {
                w.future()
                        .completeExceptionally(
                                new IllegalStateException(
                                        "subscriber of '" + setName + "' closed"));
            }
            waiters.clear();
        }
        for (Slot s : slots) {
            s.close();
        }
    }
}
