package dev.troupe.model.tokenizer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Python's printing and JSON of values; the expected strings are what CPython 3.11 prints. */
class PythonValuesTest {

    @Test
    void shouldPrintFloatsAsPythonRepr() {
        double[] values = {
            1e-05,
            1e16,
            1e15,
            1234567.0,
            0.1,
            100.0,
            -0.0,
            1.7976931348623157e308,
            5e-324,
            0.0001,
            123456789012345.6,
            2.5e-7,
            1.0 / 3
        };
        String[] expected = {
            "1e-05",
            "1e+16",
            "1000000000000000.0",
            "1234567.0",
            "0.1",
            "100.0",
            "-0.0",
            "1.7976931348623157e+308",
            "5e-324",
            "0.0001",
            "123456789012345.6",
            "2.5e-07",
            "0.3333333333333333"
        };
        for (int i = 0; i < values.length; i++) {
            assertEquals(expected[i], PythonValues.floatRepr(values[i]));
        }
    }

    @Test
    void shouldDumpJsonLikePythonWithHuggingFaceDefaults() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", Arrays.asList(1, 2.5, null, true));
        value.put("b", Map.of());
        value.put("c", List.of());
        value.put("é", "\u2028\u007f\u0001");
        assertEquals(
                "{\"a\": [1, 2.5, null, true], \"b\": {}, \"c\": [], \"é\": \"\u2028\u007f\\u0001\"}",
                PythonJson.HF_DEFAULT.dumps(value));
    }

    @Test
    void shouldIndentJsonAndEscapeNonAsciiLikePython() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", List.of(1, Map.of("x", List.of())));
        value.put("b", "é");
        assertEquals(
                "{\n  \"a\": [\n    1,\n    {\n      \"x\": []\n    }\n  ],\n  \"b\": \"\\u00e9\"\n}",
                new PythonJson(true, "  ", null, null, false).dumps(value));
        assertEquals(
                "[NaN, Infinity]",
                PythonJson.HF_DEFAULT.dumps(List.of(Double.NaN, Double.POSITIVE_INFINITY)));
    }

    @Test
    void shouldReprStringsAndContainersLikePython() {
        List<Object> list = new ArrayList<>(List.of("q'uote", "d\"q", "both'\"", "tab\t", "é🎉"));
        list.add(null);
        list.add(false);
        assertEquals(
                "[\"q'uote\", 'd\"q', 'both\\'\"', 'tab\\t', 'é🎉', None, False]",
                PythonValues.str(list));
        assertEquals("", PythonValues.str(null));
        assertEquals("True", PythonValues.str(true));
    }
}
