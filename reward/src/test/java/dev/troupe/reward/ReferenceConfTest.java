package dev.troupe.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceConfTest {

    /** This module's own reference.conf, not the merge of every one on the classpath. */
    private static Config ownReference() throws URISyntaxException {
        Path classes =
                Path.of(
                        RewardConfig.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI());
        return ConfigFactory.parseFile(classes.resolve("reference.conf").toFile());
    }

    private static void collectUndocumented(
            ConfigObject object, String prefix, List<String> undocumented) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String path = prefix + "." + entry.getKey();
            if (entry.getValue().origin().comments().isEmpty()) {
                undocumented.add(path);
            }
            if (entry.getValue().valueType() == ConfigValueType.OBJECT) {
                collectUndocumented((ConfigObject) entry.getValue(), path, undocumented);
            }
        }
    }

    @Test
    void shouldDocumentEveryKeyWithCommentAbove() throws URISyntaxException {
        Config reference = ownReference();
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(reference.getObject("troupe.reward"), "troupe.reward", undocumented);
        collectUndocumented(reference.getObject("pekko.actor"), "pekko.actor", undocumented);
        assertEquals(List.of(), undocumented);
    }

    @Test
    void shouldLoadFromTheMergedClasspathReference() {
        RewardConfig.load(ConfigFactory.load());
    }
}
