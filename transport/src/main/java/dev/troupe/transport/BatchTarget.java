package dev.troupe.transport;

import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Where a receiver writes a batch, as a {@link TensorSink} decides: one preallocated tensor per
 * tensor of the batch, in the batch's order, or a refusal.
 *
 * <p>{@code hostTargets} are contiguous CPU tensors the bytes are written into; each must match its
 * header's dtype and shape. When {@code deviceTargets[i]} is not null (a GPU tensor), the receiver
 * copies {@code hostTargets[i]} (pinned host staging) into it once the batch is complete and
 * verified, so a GPU receives one device copy per tensor.
 */
public final class BatchTarget {
    private final Tensor[] hostTargets;
    private final Tensor[] deviceTargets;
    private final TransferStatus refusal;
    private final String refusalDetail;
    private final Object attachment;

    private BatchTarget(
            Tensor[] hostTargets,
            Tensor[] deviceTargets,
            TransferStatus refusal,
            String refusalDetail,
            Object attachment) {
        this.hostTargets = hostTargets;
        this.deviceTargets = deviceTargets;
        this.refusal = refusal;
        this.refusalDetail = refusalDetail;
        this.attachment = attachment;
    }

    /** Writes into {@code hostTargets}; {@code attachment} is the sink's own (e.g. a slot). */
    public static BatchTarget into(Tensor[] hostTargets, Object attachment) {
        return new BatchTarget(Objects.requireNonNull(hostTargets), null, null, null, attachment);
    }

    /**
     * Writes into pinned {@code hostStaging}, then copies each into {@code deviceTargets} (null
     * entries stay on the host).
     */
    public static BatchTarget viaStaging(
            Tensor[] hostStaging, Tensor[] deviceTargets, Object attachment) {
        if (hostStaging.length != deviceTargets.length) {
            throw new IllegalArgumentException("one staging tensor per device tensor");
        }
        return new BatchTarget(hostStaging, deviceTargets, null, null, attachment);
    }

    /** Refuses the batch: it is dropped, counted under {@code status} and answered with it. */
    public static BatchTarget refuse(TransferStatus status, String detail) {
        if (status == TransferStatus.OK) {
            throw new IllegalArgumentException("a refusal needs a status other than OK");
        }
        return new BatchTarget(null, null, status, detail, null);
    }

    public boolean refused() {
        return refusal != null;
    }

    public TransferStatus refusal() {
        return refusal;
    }

    public String refusalDetail() {
        return refusalDetail;
    }

    public Tensor[] hostTargets() {
        return hostTargets;
    }

    /** Device tensors to copy into, or null when the host targets are final. */
    public Tensor[] deviceTargets() {
        return deviceTargets;
    }

    public Object attachment() {
        return attachment;
    }
}
