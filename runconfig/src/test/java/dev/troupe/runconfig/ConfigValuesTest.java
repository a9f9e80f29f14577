package dev.troupe.runconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {
    enum Mode {
        DROP_GROUP,
        RESCORE
    }

    static Config parse(String text) {
        return ConfigFactory.parseString(
                text, ConfigParseOptions.defaults().setOriginDescription("run.conf"));
    }

    @Test
    void unknownNestedKeyIsNamedWithItsLineAndTheValidKeys() {
        Config known = parse("a { b = 1, c { d = 2 } }");
        Config given = parse("a {\n  b = 3\n  c { e = 4 }\n}");
        ConfigException e =
                assertThrows(
                        ConfigException.class,
                        () -> ConfigValues.requireKnownKeys(given, known, ""));
        assertTrue(e.getMessage().contains("run.conf: 3"), e.getMessage());
        assertTrue(e.getMessage().contains("a.c.e"), e.getMessage());
        assertTrue(e.getMessage().contains("valid keys here: d"), e.getMessage());
        ConfigValues.requireKnownKeys(parse("a { c { d = 5 } }"), known, "");
    }

    @Test
    void valuesAreReadOrRejectedNamingTheKey() {
        Config c = parse("m = drop-group\nx = 7\nt = 0s\nf = 2.5");
        assertEquals(Mode.DROP_GROUP, ConfigValues.choice(c, "m", Mode.class));
        assertEquals(7, ConfigValues.intIn(c, "x", 1, 7));
        assertEquals(2.5, ConfigValues.finiteDouble(c, "f"));
        assertEquals("drop-group", ConfigValues.configName(Mode.DROP_GROUP));
        String range =
                assertThrows(ConfigException.class, () -> ConfigValues.intAtLeast(c, "x", 8))
                        .getMessage();
        assertTrue(range.contains("x") && range.contains("outside [8"), range);
        String time =
                assertThrows(ConfigException.class, () -> ConfigValues.positiveDuration(c, "t"))
                        .getMessage();
        assertTrue(time.contains("longer than zero"), time);
        String mode =
                assertThrows(
                                ConfigException.class,
                                () -> ConfigValues.choice(parse("m = retry"), "m", Mode.class))
                        .getMessage();
        assertTrue(mode.contains("'retry' is not one of drop-group, rescore"), mode);
        assertEquals(Duration.ofSeconds(3), ConfigValues.positiveDuration(parse("t = 3s"), "t"));
        // A key that is not set still gets a message naming it.
        assertTrue(ConfigValues.badValue(c, "absent", "needed").getMessage().contains("absent"));
    }
}
