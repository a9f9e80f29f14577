package dev.troupe.tensor.safetensors;

import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/** Named tensors on disk: one safetensors file, or the shards of a checkpoint. */
public interface TensorSource extends AutoCloseable {

    /** Every tensor name, in file order. */
    Set<String> names();

    /** Whether a tensor of this name exists. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * The header entry of a tensor.
     *
     * @throws CheckpointException naming the file(s) when there is no such tensor
     */
    TensorEntry entry(String name);

    /**
     * A CPU tensor over the file's bytes, mapped and not copied where the platform allows. The
     * caller owns the returned handle; the mapping stays valid as long as libtorch holds the
     * storage, even after this source is closed.
     */
    Tensor load(String name);

    @Override
    void close();
}
