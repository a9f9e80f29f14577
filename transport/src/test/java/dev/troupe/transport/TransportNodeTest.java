package dev.troupe.transport;

import static dev.troupe.transport.TransportTestSupport.freshDirectory;
import static dev.troupe.transport.TransportTestSupport.testConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.transport.internal.DriverDirectories;
import java.io.File;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starting and stopping the media driver with the node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportNodeTest {
    @Test
    void shouldStartEmbeddedDriverAndDeleteItsDirectoryOnClose() {
        String dir = freshDirectory();
        try (TransportNode node = TransportNode.start(testConfig(dir))) {
            assertTrue(node.embeddedDriver());
            assertTrue(new File(dir, "cnc.dat").isFile());
            assertEquals(
                    ProcessHandle.current().pid(),
                    DriverDirectories.driverPid(new File(dir)).orElseThrow());
            assertFalse(
                    DriverDirectories.deleteIfStale(new File(dir)), "a live driver's dir stays");
        }
        assertFalse(new File(dir).exists());
    }

    @Test
    void shouldRestartAtOnceInDirectoryOfAKilledDriver() throws Exception {
        String dir = freshDirectory();
        try (ChildJvm driver = ChildJvm.start("driver", DriverProcessMain.class, dir)) {
            driver.await("DRIVER-READY", 30_000, l -> l.startsWith("DRIVER-READY"));
            driver.kill();
        }
        assertTrue(new File(dir, "cnc.dat").isFile(), "the killed driver left its directory");
        // Its heartbeat is younger than the driver timeout (5 s): Aeron alone would refuse.
        try (TransportNode node = TransportNode.start(testConfig(dir))) {
            assertTrue(node.embeddedDriver());
        }
    }

    @Test
    void shouldFailNamingDirectoryWhenExternalDriverIsAbsent() {
        String dir = freshDirectory();
        TransportConfig config =
                testConfig(
                        dir, "troupe.transport.driver { mode = external, driver-timeout = 500ms }");
        TransportException e =
                assertThrows(TransportException.class, () -> TransportNode.start(config));
        assertTrue(e.getMessage().contains(dir), e.getMessage());
        assertTrue(e.getMessage().contains("mode = external"), e.getMessage());
    }

    @Test
    void shouldConnectToExternalDriverOfAnotherNode() {
        String dir = freshDirectory();
        try (TransportNode owner = TransportNode.start(testConfig(dir));
                TransportNode client =
                        TransportNode.start(
                                testConfig(dir, "troupe.transport.driver.mode = external"))) {
            assertFalse(client.embeddedDriver());
            assertEquals(owner.aeronDirectory(), client.aeronDirectory());
        }
    }
}
