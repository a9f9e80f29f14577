package dev.troupe.proto;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.io.NotSerializableException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Base of the Pekko serializers that write an actor module's messages as Protobuf: each module
 * registers its message classes with a short, stable manifest (never a class name, so classes can
 * be renamed) and the functions between the record and its Protobuf message. Actor refs travel in
 * {@link ActorRefResolver}'s string format.
 */
public abstract class ProtoSerializer extends SerializerWithStringManifest {

    /** Parses a Protobuf message and builds the record from it. */
    @FunctionalInterface
    protected interface Reader<T> {
        T read(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private record Entry<T>(
            String manifest, Class<T> type, Function<T, MessageLite> writer, Reader<T> reader) {
        byte[] write(Object message) {
            return writer.apply(type.cast(message)).toByteArray();
        }
    }

    private final ExtendedActorSystem system;
    private final Map<Class<?>, Entry<?>> byType = new LinkedHashMap<>();
    private final Map<String, Entry<?>> byManifest = new LinkedHashMap<>();
    // Looked up on first use: serializers are built while the actor system starts.
    private volatile ActorRefResolver resolver;

    protected ProtoSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    /** Registers a message class; call from the subclass's constructor. */
    protected final <T> void register(
            String manifest, Class<T> type, Function<T, MessageLite> writer, Reader<T> reader) {
        Entry<T> e = new Entry<>(manifest, type, writer, reader);
        if (byType.put(type, e) != null || byManifest.put(manifest, e) != null) {
            throw new IllegalStateException("registered twice: " + manifest + " " + type);
        }
    }

    private Entry<?> entry(Object message) {
        Entry<?> e = byType.get(message.getClass());
        if (e == null) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " cannot serialize " + message.getClass());
        }
        return e;
    }

    @Override
    public final String manifest(Object message) {
        return entry(message).manifest();
    }

    @Override
    public final byte[] toBinary(Object message) {
        return entry(message).write(message);
    }

    @Override
    public final Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        Entry<?> e = byManifest.get(manifest);
        if (e == null) {
            throw new NotSerializableException(
                    getClass().getSimpleName() + ": unknown manifest '" + manifest + "'");
        }
        try {
            return e.reader().read(bytes);
        } catch (InvalidProtocolBufferException | RuntimeException ex) {
            NotSerializableException n =
                    new NotSerializableException(
                            getClass().getSimpleName()
                                    + ": malformed "
                                    + e.type().getSimpleName()
                                    + " ("
                                    + bytes.length
                                    + " bytes): "
                                    + ex.getMessage());
            n.initCause(ex);
            throw n;
        }
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    /** An actor ref as a string, "" for none. */
    protected final String refString(ActorRef<?> ref) {
        return ref == null ? "" : resolver().toSerializationFormat(ref);
    }

    /** The actor ref of a string written by {@link #refString}, null for "". */
    protected final <T> ActorRef<T> ref(String s) {
        return s.isEmpty() ? null : resolver().resolveActorRef(s);
    }
}
