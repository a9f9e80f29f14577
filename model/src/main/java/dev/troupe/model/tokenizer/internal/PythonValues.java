package dev.troupe.model.tokenizer.internal;

import com.hubspot.jinjava.interpret.NullValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's view of the Java values a template sees: {@code str()}, {@code repr()}, truthiness and
 * {@code json.dumps}, so that what Jinjava prints matches what Jinja2 prints.
 *
 * <p>Values are what JSON gives Java: {@code null} (Python {@code None}), {@link Boolean}, {@link
 * Number}, {@link String}, {@link List} and {@link Map}. Jinjava does not tell an undefined name
 * from one bound to {@code None}: both are {@code null}, which prints as the empty string, as an
 * undefined value does in Jinja2 (inside a list or dict it prints as {@code None}).
 */
public final class PythonValues {

    private PythonValues() {}

    /** Python's {@code str(value)}; {@code null} prints as Jinja2 prints an undefined value. */
    public static String str(Object value) {
        value = plain(value);
        if (value == null) {
            return "";
        }
        if (value instanceof CharSequence) {
            return value.toString();
        }
        return repr(value);
    }

    /** Python's {@code repr(value)}. */
    public static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value);
        return out.toString();
    }

    private static void appendRepr(StringBuilder out, Object value) {
        value = plain(value);
        if (value == null) {
            out.append("None");
        } else if (value instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (value instanceof CharSequence s) {
            appendStringRepr(out, s.toString());
        } else if (value instanceof Number n) {
            out.append(numberStr(n));
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                appendRepr(out, entry.getKey());
                out.append(": ");
                appendRepr(out, entry.getValue());
            }
            out.append('}');
        } else if (isSequence(value)) {
            out.append('[');
            boolean first = true;
            for (Object item : asList(value)) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                appendRepr(out, item);
            }
            out.append(']');
        } else {
            out.append(value);
        }
    }

    /** Python's {@code repr} of a string: single quotes unless only double quotes avoid escapes. */
    private static void appendStringRepr(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp < 0x100) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        out.append(quote);
    }

    /** Python's {@code str.isprintable} for one code point: no control, format or separator. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    /** Python's {@code str} of an int or float. */
    public static String numberStr(Number n) {
        if (n instanceof Double || n instanceof Float || n instanceof BigDecimal) {
            return floatRepr(n.doubleValue());
        }
        return n.toString();
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that read back the same double, in
     * positional notation for decimal exponents -5 &lt; e &lt; 16 and scientific ({@code 1e-05},
     * {@code 1e+16}) otherwise.
     */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = shortestRoundTrip(Math.abs(d));
        String digits = exact.unscaledValue().toString();
        // value = 0.d1d2d3... * 10^pointPos
        int pointPos = digits.length() - exact.scale();
        int exponent = pointPos - 1;
        StringBuilder out = new StringBuilder();
        if (d < 0) {
            out.append('-');
        }
        if (exponent < -4 || exponent >= 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        } else if (pointPos <= 0) {
            out.append("0.");
            out.append("0".repeat(-pointPos));
            out.append(digits);
        } else if (pointPos >= digits.length()) {
            out.append(digits);
            out.append("0".repeat(pointPos - digits.length()));
            out.append(".0");
        } else {
            out.append(digits, 0, pointPos).append('.').append(digits, pointPos, digits.length());
        }
        return out.toString();
    }

    /**
     * The decimal with the fewest digits that reads back as {@code d}, nearest to it among those:
     * the digits Python's repr prints. (Java 17's {@code Double.toString} is not always shortest:
     * it prints 4.9E-324 for 5e-324.)
     */
    private static BigDecimal shortestRoundTrip(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int digits = 1; digits < 17; digits++) {
            BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == d) {
                return candidate.stripTrailingZeros();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    /** Python truthiness: {@code None}, {@code False}, zero, and empty strings and containers. */
    public static boolean truthy(Object value) {
        value = plain(value);
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Number n) {
            if (n instanceof BigInteger big) {
                return big.signum() != 0;
            }
            if (n instanceof BigDecimal big) {
                return big.signum() != 0;
            }
            return n.doubleValue() != 0;
        }
        if (value instanceof CharSequence s) {
            return s.length() > 0;
        }
        if (value instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (value instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (value.getClass().isArray()) {
            return java.lang.reflect.Array.getLength(value) > 0;
        }
        return true;
    }

    /** Whether Python would iterate the value as a list (strings and dicts excluded). */
    public static boolean isSequence(Object value) {
        return value instanceof Collection<?> || (value != null && value.getClass().isArray());
    }

    /** The items of a list, collection, array or iterator, as a list. */
    public static List<Object> asList(Object value) {
        List<Object> out = new ArrayList<>();
        if (value instanceof Iterable<?> iterable) {
            for (Object item : iterable) {
                out.add(item);
            }
        } else if (value instanceof Iterator<?> iterator) {
            iterator.forEachRemaining(out::add);
        } else if (value == null) {
            // Undefined iterates as empty in Jinja2, and Jinjava cannot tell None from it.
            return out;
        } else if (value.getClass().isArray()) {
            int length = java.lang.reflect.Array.getLength(value);
            for (int i = 0; i < length; i++) {
                out.add(java.lang.reflect.Array.get(value, i));
            }
        } else {
            throw new IllegalArgumentException(
                    "'" + typeName(value) + "' object is not iterable: " + repr(value));
        }
        return out;
    }

    /** Python's type name of a value, for error messages. */
    public static String typeName(Object value) {
        value = plain(value);
        if (value == null) {
            return "NoneType";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof CharSequence) {
            return "str";
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            return "float";
        }
        if (value instanceof Number) {
            return "int";
        }
        if (value instanceof Map<?, ?>) {
            return "dict";
        }
        if (isSequence(value)) {
            return "list";
        }
        return value.getClass().getSimpleName();
    }

    /**
     * The value itself, or {@code null} for Jinjava's stand-in for a {@code None} loop item ({@link
     * NullValue}).
     */
    public static Object plain(Object value) {
        return value instanceof NullValue ? null : value;
    }

    /** Python's {@code str.isspace} for one code point. */
    public static boolean isSpace(int cp) {
        return Character.isWhitespace(cp)
                || Character.isSpaceChar(cp)
                || cp == 0x85
                || cp == 0x1c
                || cp == 0x1d
                || cp == 0x1e
                || cp == 0x1f;
    }
}
