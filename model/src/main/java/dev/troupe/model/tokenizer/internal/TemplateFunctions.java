package dev.troupe.model.tokenizer.internal;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The global functions Hugging Face gives chat templates ({@code raise_exception}, {@code
 * strftime_now}) and the slicing function that {@link TemplateTranslator} calls for slices with a
 * step. Jinjava binds functions to static methods, hence a holder class.
 */
public final class TemplateFunctions {

    private TemplateFunctions() {}

    /** Thrown by {@code raise_exception(message)}; rendering fails with the template's message. */
    public static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }

    /** {@code raise_exception(message)}: fails rendering with the template's message. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(PythonValues.str(message));
    }

    /** {@code strftime_now(format)}: the local time now, formatted as Python's strftime. */
    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    /**
     * Python's {@code datetime.strftime} on a naive local time, in the C locale. Covers the
     * directives templates use; {@code %Z} and {@code %z} are empty for a naive time, as in Python;
     * glibc's {@code %-d} style (no padding) is supported; an unknown directive stays as written.
     */
    public static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length();
            char d = format.charAt(unpadded ? i + 2 : i + 1);
            String value =
                    switch (d) {
                        case 'a' ->
                                t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                        case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                        case 'b', 'h' ->
                                t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                        case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                        case 'd' -> pad(t.getDayOfMonth(), 2, unpadded);
                        case 'e' -> String.format("%2d", t.getDayOfMonth());
                        case 'm' -> pad(t.getMonthValue(), 2, unpadded);
                        case 'y' -> pad(t.getYear() % 100, 2, unpadded);
                        case 'Y' -> Integer.toString(t.getYear());
                        case 'H' -> pad(t.getHour(), 2, unpadded);
                        case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, unpadded);
                        case 'M' -> pad(t.getMinute(), 2, unpadded);
                        case 'S' -> pad(t.getSecond(), 2, unpadded);
                        case 'f' -> String.format("%06d", t.getNano() / 1000);
                        case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                        case 'j' -> pad(t.getDayOfYear(), 3, unpadded);
                        case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                        case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
                        case 'Z', 'z' -> "";
                        case '%' -> "%";
                        default -> null;
                    };
            if (value == null) {
                out.append(c);
                continue;
            }
            out.append(value);
            i += unpadded ? 2 : 1;
        }
        return out.toString();
    }

    private static String pad(int value, int width, boolean unpadded) {
        return unpadded ? Integer.toString(value) : String.format("%0" + width + "d", value);
    }

    /**
     * Python's {@code seq[start:stop:step]} on a list or string; {@code null} bounds are omitted
     * ones.
     */
    public static Object slice(Object seq, Object start, Object stop, Object step) {
        long stepValue = step == null ? 1 : toLong(step);
        if (stepValue == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        List<Object> items;
        int[] codePoints = null;
        if (seq instanceof CharSequence s) {
            codePoints = s.toString().codePoints().toArray();
            items = null;
        } else {
            items = PythonValues.asList(seq);
        }
        int length = codePoints != null ? codePoints.length : items.size();
        long lower = stepValue > 0 ? 0 : -1;
        long upper = stepValue > 0 ? length : length - 1;
        long from = bound(start, length, lower, upper, stepValue > 0 ? lower : upper);
        long to = bound(stop, length, lower, upper, stepValue > 0 ? upper : lower);
        if (codePoints != null) {
            StringBuilder out = new StringBuilder();
            for (long i = from; stepValue > 0 ? i < to : i > to; i += stepValue) {
                out.appendCodePoint(codePoints[(int) i]);
            }
            return out.toString();
        }
        List<Object> out = new ArrayList<>();
        for (long i = from; stepValue > 0 ? i < to : i > to; i += stepValue) {
            out.add(items.get((int) i));
        }
        return out;
    }

    private static long bound(Object value, int length, long lower, long upper, long fallback) {
        if (value == null) {
            return fallback;
        }
        long v = toLong(value);
        if (v < 0) {
            v += length;
        }
        return Math.max(lower, Math.min(upper, v));
    }

    private static long toLong(Object value) {
        if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
            return n.longValue();
        }
        throw new IllegalArgumentException(
                "slice indices must be integers or None, not " + PythonValues.typeName(value));
    }
}
