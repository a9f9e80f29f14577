package dev.troupe.transport;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.aeron.driver.ThreadingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of the tensor transport, read once from {@code troupe.transport} (see the module's
 * {@code reference.conf}, which documents every key). A bad value fails in {@link #from(Config)}
 * with an {@link IllegalArgumentException} naming its key.
 *
 * @param media how tensors travel between processes
 * @param udpHost address this node binds UDP endpoints to
 * @param driver the media driver
 * @param idleStrategy how channel agents wait: backoff, yielding, sleeping, busy-spin
 * @param sendTimeoutNs a publication making no progress this long fails the batch
 * @param ackTimeoutNs how long a sender waits for acknowledgements after a batch's end
 * @param receiveTimeoutNs a stream silent this long mid-batch is broken
 * @param helloIntervalNs how often receivers announce themselves
 * @param receiverTimeoutNs a sender forgets a receiver silent this long
 * @param subscriberSlots buffers per tensor in a tensor-set subscriber
 */
public record TransportConfig(
        Media media,
        String udpHost,
        DriverConfig driver,
        String idleStrategy,
        long sendTimeoutNs,
        long ackTimeoutNs,
        long receiveTimeoutNs,
        long helloIntervalNs,
        long receiverTimeoutNs,
        int subscriberSlots) {

    /** The root path of these settings. */
    public static final String PATH = "troupe.transport";

    /** How tensors travel. */
    public enum Media {
        IPC,
        UDP
    }

    /**
     * The Aeron media driver.
     *
     * @param embedded start one in this process (else connect to an external one)
     * @param directory Aeron directory
     * @param threading threading mode of an embedded driver
     * @param ipcTermLength term length of IPC publications, bytes
     * @param udpTermLength term length of UDP publications, bytes
     * @param ipcMtu MTU of IPC publications, bytes
     * @param udpMtu MTU of UDP publications, bytes
     * @param socketRcvbufBytes UDP receive buffer (0: OS default)
     * @param socketSndbufBytes UDP send buffer (0: OS default)
     * @param clientLivenessTimeoutNs driver's client liveness timeout
     * @param imageLivenessTimeoutNs driver's image liveness timeout
     * @param publicationUnblockTimeoutNs driver's publication unblock timeout
     * @param driverTimeoutNs client's driver timeout
     */
    public record DriverConfig(
            boolean embedded,
            String directory,
            ThreadingMode threading,
            int ipcTermLength,
            int udpTermLength,
            int ipcMtu,
            int udpMtu,
            int socketRcvbufBytes,
            int socketSndbufBytes,
            long clientLivenessTimeoutNs,
            long imageLivenessTimeoutNs,
            long publicationUnblockTimeoutNs,
            long driverTimeoutNs) {

        /** A copy with another directory. */
        public DriverConfig withDirectory(String dir) {
            return new DriverConfig(
                    embedded,
                    dir,
                    threading,
                    ipcTermLength,
                    udpTermLength,
                    ipcMtu,
                    udpMtu,
                    socketRcvbufBytes,
                    socketSndbufBytes,
                    clientLivenessTimeoutNs,
                    imageLivenessTimeoutNs,
                    publicationUnblockTimeoutNs,
                    driverTimeoutNs);
        }

        /** A copy that starts its own driver ({@code true}) or connects to one. */
        public DriverConfig withEmbedded(boolean embeddedDriver) {
            return new DriverConfig(
                    embeddedDriver,
                    directory,
                    threading,
                    ipcTermLength,
                    udpTermLength,
                    ipcMtu,
                    udpMtu,
                    socketRcvbufBytes,
                    socketSndbufBytes,
                    clientLivenessTimeoutNs,
                    imageLivenessTimeoutNs,
                    publicationUnblockTimeoutNs,
                    driverTimeoutNs);
        }
    }

    /** The settings of {@code reference.conf} alone. */
    public static TransportConfig defaults() {
        return from(ConfigFactory.defaultReference());
    }

    /** Settings from {@code config} with {@code overrides} (HOCON text) on top. */
    public static TransportConfig parse(String overrides) {
        return from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()));
    }

    /**
     * Reads {@code troupe.transport} from {@code config} (which should fall back to the reference
     * settings).
     *
     * @throws IllegalArgumentException naming the key whose value is missing, unknown or out of
     *     range, or a key under {@code troupe.transport} that does not exist
     */
    public static TransportConfig from(Config config) {
        Config c = config.withFallback(ConfigFactory.defaultReference()).getConfig(PATH);
        checkNoUnknownKeys(c);
        Config d = c.getConfig("driver");
        String mode = str(d, "driver.mode").toLowerCase(Locale.ROOT);
        boolean embedded =
                switch (mode) {
                    case "embedded" -> true;
                    case "external" -> false;
                    default ->
                            throw bad(
                                    "driver.mode",
                                    "'" + mode + "' is not a mode (valid: embedded, external)");
                };
        String dir = str(d, "driver.directory");
        if (dir.isBlank()) {
            dir = defaultDirectory();
        }
        String threading = str(d, "driver.threading").toLowerCase(Locale.ROOT);
        ThreadingMode tm =
                switch (threading) {
                    case "dedicated" -> ThreadingMode.DEDICATED;
                    case "shared-network" -> ThreadingMode.SHARED_NETWORK;
                    case "shared" -> ThreadingMode.SHARED;
                    default ->
                            throw bad(
                                    "driver.threading",
                                    "'"
                                            + threading
                                            + "' is not a threading mode (valid: dedicated,"
                                            + " shared-network, shared)");
                };
        DriverConfig driver =
                new DriverConfig(
                        embedded,
                        dir,
                        tm,
                        termLength(d, "ipc-term-length"),
                        termLength(d, "udp-term-length"),
                        mtu(d, "ipc-mtu"),
                        mtu(d, "udp-mtu"),
                        intBytes(d, "socket-rcvbuf"),
                        intBytes(d, "socket-sndbuf"),
                        positiveNs(d, "driver.", "client-liveness-timeout"),
                        positiveNs(d, "driver.", "image-liveness-timeout"),
                        positiveNs(d, "driver.", "publication-unblock-timeout"),
                        positiveNs(d, "driver.", "driver-timeout"));
        if (driver.ipcMtu() > driver.ipcTermLength() / 8) {
            throw bad(
                    "driver.ipc-mtu", "must be at most driver.ipc-term-length / 8 (Aeron's limit)");
        }
        if (driver.udpMtu() > driver.udpTermLength() / 8) {
            throw bad(
                    "driver.udp-mtu", "must be at most driver.udp-term-length / 8 (Aeron's limit)");
        }
        if (driver.publicationUnblockTimeoutNs() <= driver.clientLivenessTimeoutNs()) {
            throw bad(
                    "driver.publication-unblock-timeout",
                    "must be longer than driver.client-liveness-timeout");
        }
        String media = str(c, "media").toLowerCase(Locale.ROOT);
        Media m =
                switch (media) {
                    case "ipc" -> Media.IPC;
                    case "udp" -> Media.UDP;
                    default ->
                            throw bad("media", "'" + media + "' is not a media (valid: ipc, udp)");
                };
        String idle = str(c, "idle-strategy").toLowerCase(Locale.ROOT);
        if (!Set.of("backoff", "parking", "yielding", "sleeping", "busy-spin").contains(idle)) {
            throw bad(
                    "idle-strategy",
                    "'"
                            + idle
                            + "' is not an idle strategy (valid: backoff, parking, yielding,"
                            + " sleeping, busy-spin)");
        }
        int slots = integer(c, "subscriber-slots");
        if (slots < 2) {
            throw bad("subscriber-slots", "must be at least 2, got " + slots);
        }
        return new TransportConfig(
                m,
                str(c, "udp-host"),
                driver,
                idle,
                positiveNs(c, "", "send-timeout"),
                positiveNs(c, "", "ack-timeout"),
                positiveNs(c, "", "receive-timeout"),
                positiveNs(c, "", "hello-interval"),
                positiveNs(c, "", "receiver-timeout"),
                slots);
    }

    /** A copy with another driver section. */
    public TransportConfig withDriver(DriverConfig d) {
        return new TransportConfig(
                media,
                udpHost,
                d,
                idleStrategy,
                sendTimeoutNs,
                ackTimeoutNs,
                receiveTimeoutNs,
                helloIntervalNs,
                receiverTimeoutNs,
                subscriberSlots);
    }

    /** A copy with another media. */
    public TransportConfig withMedia(Media m) {
        return new TransportConfig(
                m,
                udpHost,
                driver,
                idleStrategy,
                sendTimeoutNs,
                ackTimeoutNs,
                receiveTimeoutNs,
                helloIntervalNs,
                receiverTimeoutNs,
                subscriberSlots);
    }

    /** The directory used when {@code driver.directory} is empty. */
    public static String defaultDirectory() {
        String user = System.getProperty("user.name", "default").replaceAll("[^A-Za-z0-9._-]", "_");
        Path shm = Path.of("/dev/shm");
        Path base =
                Files.isDirectory(shm) && Files.isWritable(shm)
                        ? shm
                        : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("troupe-aeron-" + user).toString();
    }

    private static void checkNoUnknownKeys(Config c) {
        Config ref = ConfigFactory.defaultReference().getConfig(PATH);
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            if (!ref.hasPathOrNull(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown key(s) under "
                            + PATH
                            + ": "
                            + unknown
                            + " (every key is listed in the transport module's reference.conf)");
        }
    }

    private static IllegalArgumentException bad(String key, String what) {
        return new IllegalArgumentException(PATH + "." + key + ": " + what);
    }

    private static String str(Config c, String key) {
        String local = key.startsWith("driver.") ? key.substring("driver.".length()) : key;
        try {
            return c.getString(local);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + ": " + e.getMessage(), e);
        }
    }

    private static int integer(Config c, String key) {
        try {
            return c.getInt(key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + "." + key + ": " + e.getMessage(), e);
        }
    }

    private static long bytes(Config d, String key) {
        try {
            return d.getBytes(key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(PATH + ".driver." + key + ": " + e.getMessage(), e);
        }
    }

    private static int intBytes(Config d, String key) {
        long v = bytes(d, key);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw bad("driver." + key, "must be between 0 and 2g bytes, got " + v);
        }
        return (int) v;
    }

    private static int termLength(Config d, String key) {
        long v = bytes(d, key);
        if (v < 64 * 1024 || v > 1024 * 1024 * 1024 || Long.bitCount(v) != 1) {
            throw bad("driver." + key, "must be a power of two from 64k to 1g, got " + v);
        }
        return (int) v;
    }

    private static int mtu(Config d, String key) {
        long v = bytes(d, key);
        if (v < 128 || v > 65504 || v % 32 != 0) {
            throw bad("driver." + key, "must be a multiple of 32 from 128 to 65504, got " + v);
        }
        return (int) v;
    }

    private static long positiveNs(Config c, String prefix, String key) {
        Duration d;
        try {
            d = c.getDuration(key);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(
                    PATH + "." + prefix + key + ": " + e.getMessage(), e);
        }
        if (d.isNegative() || d.isZero()) {
            throw bad(prefix + key, "must be positive, got " + d);
        }
        return d.toNanos();
    }
}
