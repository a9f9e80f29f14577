package dev.troupe.coordinator.data.internal;

import dev.troupe.coordinator.internal.FieldException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A string with named placeholders, Python {@code str.format} style: {@code {name}} is replaced by
 * a value, {@code {{} and {@code }}} stand for literal braces. Parsed once, when config is read, so
 * a bad template fails at startup naming its key.
 */
public final class TextTemplate {
    // Even positions hold literal text, odd positions placeholder names.
    private final List<String> parts;

    private TextTemplate(List<String> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses {@code template}.
     *
     * @param field the config key it came from, relative to its section ({@code template}), for
     *     messages
     * @param known the placeholder names it may use
     * @param required the names it must use
     * @throws FieldException naming {@code field} on an unknown or missing placeholder or a stray
     *     brace
     */
    public static TextTemplate parse(
            String field, String template, Set<String> known, Set<String> required) {
        List<String> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                literal.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                literal.append('}');
                i += 2;
            } else if (c == '}') {
                throw new FieldException(
                        field, "single '}' at character " + i + "; write '}}' for a literal brace");
            } else if (c == '{') {
                int close = template.indexOf('}', i + 1);
                if (close < 0) {
                    throw new FieldException(
                            field,
                            "unclosed '{' at character " + i + "; write '{{' for a literal brace");
                }
                String name = template.substring(i + 1, close);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new FieldException(
                            field,
                            "bad placeholder {"
                                    + name
                                    + "} at character "
                                    + i
                                    + ": a placeholder is a name of letters, digits and _; write"
                                    + " '{{' and '}}' for literal braces");
                }
                if (!known.contains(name)) {
                    throw new FieldException(
                            field,
                            "unknown placeholder {"
                                    + name
                                    + "} at character "
                                    + i
                                    + "; known: "
                                    + braced(known));
                }
                parts.add(literal.toString());
                literal.setLength(0);
                parts.add(name);
                i = close + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        parts.add(literal.toString());
        TextTemplate parsed = new TextTemplate(parts);
        Set<String> missing = new TreeSet<>(required);
        missing.removeAll(parsed.placeholders());
        if (!missing.isEmpty()) {
            throw new FieldException(field, "the template has no " + braced(missing));
        }
        return parsed;
    }

    /** The placeholder names used, in order of first use. */
    public List<String> placeholders() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i < parts.size(); i += 2) {
            if (!names.contains(parts.get(i))) {
                names.add(parts.get(i));
            }
        }
        return names;
    }

    /** The text with each placeholder replaced by its value (used verbatim, braces included). */
    public String render(Map<String, String> values) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (i % 2 == 0) {
                out.append(parts.get(i));
            } else {
                String value = values.get(parts.get(i));
                if (value == null) {
                    throw new IllegalArgumentException("no value for {" + parts.get(i) + "}");
                }
                out.append(value);
            }
        }
        return out.toString();
    }

    private static String braced(Set<String> names) {
        return new TreeSet<>(names)
                .stream().map(n -> "{" + n + "}").collect(Collectors.joining(", "));
    }
}
