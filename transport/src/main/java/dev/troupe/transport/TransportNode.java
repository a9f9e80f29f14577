package dev.troupe.transport;

import dev.troupe.transport.internal.DriverDirectories;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.exceptions.DriverTimeoutException;
import java.io.File;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.CloseHelper;

/**
 * The tensor transport of one node: an Aeron media driver (embedded by default, or an external one)
 * and the Aeron client that channels share. Start one per node with the node and close it with the
 * node; open {@link TensorSender}s, {@link TensorReceiver}s and tensor sets on it.
 *
 * <p>An embedded driver whose directory was left by a killed process starts anyway: the directory
 * is deleted when the driver process named in it is gone. A directory of a live driver is not
 * touched, and the start fails naming it.
 */
public final class TransportNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TransportNode.class.getName());

    private final TransportConfig config;
    private final MediaDriver driver;
    private final Aeron aeron;

    private TransportNode(TransportConfig config, MediaDriver driver, Aeron aeron) {
        this.config = config;
        this.driver = driver;
        this.aeron = aeron;
    }

    /** Starts the transport with {@code config}. */
    public static TransportNode start(TransportConfig config) {
        return start(config, ctx -> {});
    }

    /**
     * Starts the transport; {@code driverCustomizer} sees an embedded driver's context last, before
     * launch (tests install loss generators there). It is not called for an external driver.
     *
     * @throws TransportException when the driver cannot start or cannot be reached
     */
    public static TransportNode start(
            TransportConfig config, Consumer<MediaDriver.Context> driverCustomizer) {
        TransportConfig.DriverConfig d = config.driver();
        MediaDriver driver = null;
        if (d.embedded()) {
            File dir = new File(d.directory());
            if (DriverDirectories.deleteIfStale(dir)) {
                LOG.log(Level.INFO, "deleted stale Aeron directory {0} of a dead driver", dir);
            }
            MediaDriver.Context ctx =
                    new MediaDriver.Context()
                            .aeronDirectoryName(d.directory())
                            .dirDeleteOnStart(false)
                            .dirDeleteOnShutdown(true)
                            .threadingMode(d.threading())
                            .ipcTermBufferLength(d.ipcTermLength())
                            .publicationTermBufferLength(d.udpTermLength())
                            .ipcMtuLength(d.ipcMtu())
                            .mtuLength(d.udpMtu())
                            .clientLivenessTimeoutNs(d.clientLivenessTimeoutNs())
                            .imageLivenessTimeoutNs(d.imageLivenessTimeoutNs())
                            .publicationUnblockTimeoutNs(d.publicationUnblockTimeoutNs())
                            .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(d.driverTimeoutNs()))
                            .warnIfDirectoryExists(false);
            if (d.socketRcvbufBytes() > 0) {
                ctx.socketRcvbufLength(d.socketRcvbufBytes());
                ctx.initialWindowLength(Math.min(d.socketRcvbufBytes(), d.udpTermLength() / 2));
            }
            if (d.socketSndbufBytes() > 0) {
                ctx.socketSndbufLength(d.socketSndbufBytes());
            }
            driverCustomizer.accept(ctx);
            try {
                driver = MediaDriver.launch(ctx);
            } catch (RuntimeException e) {
                CloseHelper.quietClose(ctx::close);
                throw new TransportException(
                        "cannot start the Aeron media driver in "
                                + d.directory()
                                + " (troupe.transport.driver.directory): "
                                + e.getMessage(),
                        e);
            }
        }
        Aeron aeron;
        try {
            aeron =
                    Aeron.connect(
                            new Aeron.Context()
                                    .aeronDirectoryName(d.directory())
                                    .driverTimeoutMs(
                                            TimeUnit.NANOSECONDS.toMillis(d.driverTimeoutNs()))
                                    .errorHandler(
                                            t -> LOG.log(Level.WARNING, "Aeron client error", t)));
        } catch (DriverTimeoutException | IllegalStateException e) {
            CloseHelper.quietClose(driver);
            throw new TransportException(
                    "no Aeron media driver answers in "
                            + d.directory()
                            + (d.embedded()
                                    ? ""
                                    : " (troupe.transport.driver.mode = external: start one"
                                            + " there, or use mode = embedded)")
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return new TransportNode(config, driver, aeron);
    }

    public TransportConfig config() {
        return config;
    }

    /** The Aeron client of this node, shared by its channels. */
    public Aeron aeron() {
        return aeron;
    }

    /** The Aeron directory of the driver in use. */
    public String aeronDirectory() {
        return config.driver().directory();
    }

    /** Whether this node runs its own driver. */
    public boolean embeddedDriver() {
        return driver != null;
    }

    /** Closes the client, then an embedded driver (which deletes its directory). */
    @Override
    public void close() {
        CloseHelper.closeAll(aeron, driver);
    }
}
