package dev.troupe.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reading {@code troupe.transport}: defaults, bad values naming their key, documented keys. */
class TransportConfigTest {
    @Test
    void shouldReadReferenceDefaults() {
        TransportConfig c = TransportConfig.defaults();
        assertEquals(TransportConfig.Media.IPC, c.media());
        assertTrue(c.driver().embedded());
        assertEquals(ThreadingMode.SHARED, c.driver().threading());
        assertEquals(16 << 20, c.driver().ipcTermLength());
        assertEquals(65504, c.driver().ipcMtu());
        assertEquals(TimeUnit.SECONDS.toNanos(5), c.sendTimeoutNs());
        assertEquals(3, c.subscriberSlots());
        assertTrue(c.driver().directory().contains("troupe-aeron-"));
    }

    @Test
    void shouldFailNamingTheKeyOfABadValue() {
        var e1 =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TransportConfig.parse("troupe.transport.media = carrier-pigeon"));
        assertTrue(e1.getMessage().startsWith("troupe.transport.media:"), e1.getMessage());
        var e2 =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                TransportConfig.parse(
                                        "troupe.transport.driver.ipc-term-length = 3m"));
        assertTrue(
                e2.getMessage().startsWith("troupe.transport.driver.ipc-term-length:"),
                e2.getMessage());
        var e3 =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TransportConfig.parse("troupe.transport.send-timeout = soon"));
        assertTrue(e3.getMessage().startsWith("troupe.transport.send-timeout:"), e3.getMessage());
        var e4 =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                TransportConfig.parse(
                                        "troupe.transport.driver { ipc-term-length = 64k, ipc-mtu ="
                                                + " 65504 }"));
        assertTrue(e4.getMessage().startsWith("troupe.transport.driver.ipc-mtu:"), e4.getMessage());
    }

    @Test
    void shouldFailOnUnknownKey() {
        var e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TransportConfig.parse("troupe.transport.sned-timeout = 1s"));
        assertTrue(e.getMessage().contains("sned-timeout"), e.getMessage());
    }

    @Test
    void shouldDocumentEveryKeyWithACommentLineAbove() throws IOException {
        String text;
        try (InputStream in = TransportConfig.class.getResourceAsStream("/reference.conf")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n");
        List<String> undocumented = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].trim();
            if (l.matches("[a-z][a-z0-9-]*\\s*=.*")) {
                String above = i > 0 ? lines[i - 1].trim() : "";
                if (!above.startsWith("#")) {
                    undocumented.add(l);
                }
            }
        }
        assertTrue(undocumented.isEmpty(), "keys without a comment line above: " + undocumented);
    }
}
