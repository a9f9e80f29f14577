package dev.troupe.model.tokenizer.internal;

import java.math.BigDecimal;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, byte for byte, which
 * is what Hugging Face's {@code tojson} template filter calls.
 *
 * <p>The differences from a Java JSON writer matter to tokens: the default separators are {@code ",
 * "} and {@code ": "} (with an indent, {@code ","} and {@code ": "}), floats print as Python's
 * {@code repr} ({@code 1e-05}, {@code 1.0}), non-finite floats as {@code NaN}/{@code Infinity}, and
 * only control characters, quote and backslash are escaped unless {@code ensureAscii}.
 *
 * @param ensureAscii escape every non-ASCII character as {@code \\uXXXX}
 * @param indent the indent of one level, or {@code null} for one line
 * @param itemSeparator between items; {@code null} for Python's default
 * @param keySeparator between a key and its value; {@code null} for Python's default
 * @param sortKeys sort dict keys
 */
public record PythonJson(
        boolean ensureAscii,
        String indent,
        String itemSeparator,
        String keySeparator,
        boolean sortKeys) {

    /** The options Hugging Face's {@code tojson} uses when the template passes none. */
    public static final PythonJson HF_DEFAULT = new PythonJson(false, null, null, null, false);

    /** Serializes a value, or fails with Python's message for an unserializable one. */
    public String dumps(Object value) {
        String items = itemSeparator != null ? itemSeparator : (indent == null ? ", " : ",");
        String keys = keySeparator != null ? keySeparator : ": ";
        StringBuilder out = new StringBuilder();
        write(out, value, 0, items, keys);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int level, String items, String keys) {
        value = PythonValues.plain(value);
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof CharSequence s) {
            writeString(out, s.toString());
        } else if (value instanceof Number n) {
            out.append(numberJson(n));
        } else if (value instanceof Map<?, ?> map) {
            writeMap(out, map, level, items, keys);
        } else if (PythonValues.isSequence(value)) {
            List<Object> list = PythonValues.asList(value);
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            String separator = newline(items, level + 1);
            out.append(newline("", level + 1));
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(separator);
                }
                write(out, list.get(i), level + 1, items, keys);
            }
            out.append(newline("", level)).append(']');
        } else {
            throw new IllegalArgumentException(
                    "Object of type "
                            + value.getClass().getSimpleName()
                            + " is not JSON serializable");
        }
    }

    private void writeMap(StringBuilder out, Map<?, ?> map, int level, String items, String keys) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            entries.add(
                    new AbstractMap.SimpleImmutableEntry<>(
                            keyString(entry.getKey()), entry.getValue()));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
        }
        out.append('{');
        String separator = newline(items, level + 1);
        out.append(newline("", level + 1));
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                out.append(separator);
            }
            writeString(out, entries.get(i).getKey());
            out.append(keys);
            write(out, entries.get(i).getValue(), level + 1, items, keys);
        }
        out.append(newline("", level)).append('}');
    }

    /** Python turns None/bool/int/float keys into strings; other key types are an error. */
    private static String keyString(Object key) {
        if (key instanceof CharSequence s) {
            return s.toString();
        }
        if (key == null) {
            return "null";
        }
        if (key instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (key instanceof Number n) {
            return numberJson(n);
        }
        throw new IllegalArgumentException(
                "keys must be str, int, float, bool or None, not "
                        + key.getClass().getSimpleName());
    }

    private String newline(String before, int level) {
        if (indent == null) {
            return before;
        }
        return before + "\n" + indent.repeat(level);
    }

    private static String numberJson(Number n) {
        if (n instanceof Double || n instanceof Float || n instanceof BigDecimal) {
            double d = n.doubleValue();
            if (Double.isNaN(d)) {
                return "NaN";
            }
            if (Double.isInfinite(d)) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            return PythonValues.floatRepr(d);
        }
        return n.toString();
    }

    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // UTF-16 units are what Python escapes too (surrogate pairs for astral).
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
