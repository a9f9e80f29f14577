package dev.troupe.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
    void shouldDocumentEveryKeyWithACommentLineAbove() {
        URL url = DataConfig.class.getResource("/reference.conf");
        assertNotNull(url, "coordinator's reference.conf");
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(ConfigFactory.parseURL(url).root(), "", undocumented);
        assertEquals(List.of(), undocumented, "keys without a comment line above them");
    }

    private static void collectUndocumented(ConfigObject object, String prefix, List<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix + e.getKey();
            // The top-level "troupe" object is shared by every module; its sections are checked.
            if (!path.equals("troupe")
                    && e.getValue().origin().comments().stream().allMatch(String::isBlank)) {
                out.add(path);
            }
            if (e.getValue().valueType() == ConfigValueType.OBJECT) {
                collectUndocumented((ConfigObject) e.getValue(), path + ".", out);
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
