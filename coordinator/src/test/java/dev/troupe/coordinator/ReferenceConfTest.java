package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.troupe.coordinator.data.DataConfig;
import dev.troupe.coordinator.metrics.MetricsConfig;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceConfTest {

    @Test
    void shouldDocumentEveryKeyWithACommentLineAbove() throws Exception {
        // Every Troupe module's reference.conf on the class path (this module's and those it
        // depends on: rollout, learner, reward, runconfig, transport...).
        List<String> undocumented = new ArrayList<>();
        int files = 0;
        for (URL url :
                java.util.Collections.list(
                        DataConfig.class.getClassLoader().getResources("reference.conf"))) {
            String where = url.toString();
            if (!where.contains("/troupe-") && !where.contains("/target/classes")) {
                continue;
            }
            files++;
            collectUndocumented(ConfigFactory.parseURL(url).root(), where + ": ", "", undocumented);
        }
        assertTrue(files >= 5, "found only " + files + " Troupe reference.conf files");
        assertEquals(List.of(), undocumented, "keys without a comment line above them");
    }

    private static void collectUndocumented(
            ConfigObject object, String file, String prefix, List<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix + e.getKey();
            // Shared top-level objects ("troupe", Pekko's "pekko.actor") are documented by the
            // sections inside them.
            if (!List.of("troupe", "pekko", "pekko.actor").contains(path)
                    && e.getValue().origin().comments().stream().allMatch(String::isBlank)) {
                out.add(file + path);
            }
            if (e.getValue().valueType() == ConfigValueType.OBJECT) {
                collectUndocumented((ConfigObject) e.getValue(), file, path + ".", out);
            }
        }
    }

    @Test
    void shouldReadEveryDefaultIntoItsRecord() {
        var reference = ConfigFactory.defaultReference();
        assertTrue(DataConfig.from(reference).shuffle());
        assertTrue(MetricsConfig.from(reference).tensorboard());
    }
}
