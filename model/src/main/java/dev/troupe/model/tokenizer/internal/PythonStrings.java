package dev.troupe.model.tokenizer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Python's {@code str} methods ({@code startswith}, {@code split}, {@code strip}, ...) with
 * Python's semantics, for templates that call them on strings: Jinja2 exposes them and chat
 * templates use them (Qwen3 splits on {@code </think>}), while Jinjava only has Java's methods,
 * some of them with the same name and other semantics ({@code split} takes a regex there).
 *
 * <p>Indices are Python's: negative ones count from the end, and out-of-range slices clip.
 */
public final class PythonStrings {

    private PythonStrings() {}

    /**
     * Calls {@code self.method(*args)} as Python would.
     *
     * @return the result, or empty if {@code str} has no such method here (the caller then falls
     *     back to other resolvers)
     * @throws IllegalArgumentException for a wrong argument, with Python's message where it has one
     */
    public static Optional<Object> invoke(String self, String method, Object[] args) {
        Object[] a = args == null ? new Object[0] : args;
        Object result =
                switch (method) {
                    case "startswith" -> affix(self, a, true);
                    case "endswith" -> affix(self, a, false);
                    case "strip" -> strip(self, charsArg(method, a), true, true);
                    case "lstrip" -> strip(self, charsArg(method, a), true, false);
                    case "rstrip" -> strip(self, charsArg(method, a), false, true);
                    case "split" -> split(self, optString(a, 0), optInt(a, 1, -1));
                    case "rsplit" -> rsplit(self, optString(a, 0), optInt(a, 1, -1));
                    case "splitlines" ->
                            splitlines(self, a.length > 0 && PythonValues.truthy(a[0]));
                    case "replace" ->
                            replace(self, str(method, a, 0), str(method, a, 1), optInt(a, 2, -1));
                    case "upper" -> self.toUpperCase(Locale.ROOT);
                    case "lower" -> self.toLowerCase(Locale.ROOT);
                    case "casefold" -> self.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
                    case "swapcase" -> swapcase(self);
                    case "title" -> title(self);
                    case "capitalize" -> capitalize(self);
                    case "find" -> (long) find(self, a, false);
                    case "rfind" -> (long) find(self, a, true);
                    case "index" -> (long) index(self, a, false);
                    case "rindex" -> (long) index(self, a, true);
                    case "count" -> (long) count(self, a);
                    case "join" -> join(self, a);
                    case "isdigit", "isdecimal", "isnumeric" -> all(self, Character::isDigit);
                    case "isalpha" -> all(self, Character::isLetter);
                    case "isalnum" -> all(self, Character::isLetterOrDigit);
                    case "isspace" -> all(self, PythonValues::isSpace);
                    case "isupper" -> cased(self, true);
                    case "islower" -> cased(self, false);
                    case "removeprefix" -> {
                        String p = str(method, a, 0);
                        yield self.startsWith(p) ? self.substring(p.length()) : self;
                    }
                    case "removesuffix" -> {
                        String s = str(method, a, 0);
                        yield !s.isEmpty() && self.endsWith(s)
                                ? self.substring(0, self.length() - s.length())
                                : self;
                    }
                    case "partition" -> partition(self, str(method, a, 0), false);
                    case "rpartition" -> partition(self, str(method, a, 0), true);
                    case "zfill" -> zfill(self, (int) intArg(method, a, 0));
                    case "center", "ljust", "rjust" -> pad(self, method, a);
                    default -> null;
                };
        return Optional.ofNullable(result);
    }

    /** Python's {@code s[index]}: one character, negative indices from the end. */
    public static String charAt(String self, long index) {
        int[] cps = self.codePoints().toArray();
        long i = index < 0 ? index + cps.length : index;
        if (i < 0 || i >= cps.length) {
            throw new IllegalArgumentException("string index out of range");
        }
        return new String(cps, (int) i, 1);
    }

    private static Object affix(String self, Object[] a, boolean prefix) {
        if (a.length == 0) {
            throw new IllegalArgumentException(
                    (prefix ? "startswith" : "endswith")
                            + "() takes at least 1 argument (0 given)");
        }
        String s = window(self, a, 1);
        List<String> candidates = new ArrayList<>();
        if (a[0] instanceof CharSequence c) {
            candidates.add(c.toString());
        } else if (PythonValues.isSequence(a[0])) {
            for (Object o : PythonValues.asList(a[0])) {
                candidates.add(requireString(o, prefix ? "startswith" : "endswith"));
            }
        } else {
            throw new IllegalArgumentException(
                    (prefix ? "startswith" : "endswith")
                            + " first arg must be str or a tuple of str, not "
                            + PythonValues.typeName(a[0]));
        }
        for (String c : candidates) {
            if (prefix ? s.startsWith(c) : s.endsWith(c)) {
                return true;
            }
        }
        return false;
    }

    /** The part of {@code self} between optional start/end arguments at {@code from}. */
    private static String window(String self, Object[] a, int from) {
        int length = self.length();
        int start = a.length > from && a[from] != null ? clip(toLong(a[from]), length) : 0;
        int end =
                a.length > from + 1 && a[from + 1] != null
                        ? clip(toLong(a[from + 1]), length)
                        : length;
        return start <= end ? self.substring(start, end) : "";
    }

    private static int clip(long index, int length) {
        long i = index < 0 ? index + length : index;
        return (int) Math.max(0, Math.min(length, i));
    }

    private static String charsArg(String method, Object[] a) {
        if (a.length == 0 || a[0] == null) {
            return null;
        }
        return requireString(a[0], method);
    }

    private static String strip(String self, String chars, boolean left, boolean right) {
        int start = 0;
        int end = self.length();
        if (left) {
            while (start < end && stripped(self.codePointAt(start), chars)) {
                start += Character.charCount(self.codePointAt(start));
            }
        }
        if (right) {
            while (end > start && stripped(self.codePointBefore(end), chars)) {
                end -= Character.charCount(self.codePointBefore(end));
            }
        }
        return self.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? PythonValues.isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    private static List<String> split(String self, String sep, long maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = self.length();
            while (true) {
                while (i < n && PythonValues.isSpace(self.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(self.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !PythonValues.isSpace(self.charAt(j))) {
                    j++;
                }
                out.add(self.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int i = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int j = self.indexOf(sep, i);
            if (j < 0) {
                break;
            }
            out.add(self.substring(i, j));
            i = j + sep.length();
        }
        out.add(self.substring(i));
        return out;
    }

    private static List<String> rsplit(String self, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(self, sep, maxsplit);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int j = self.length();
            while (true) {
                while (j > 0 && PythonValues.isSpace(self.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() == maxsplit) {
                    out.add(0, self.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !PythonValues.isSpace(self.charAt(i - 1))) {
                    i--;
                }
                out.add(0, self.substring(i, j));
                j = i;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int end = self.length();
        while (out.size() < maxsplit) {
            int j = self.lastIndexOf(sep, end - sep.length());
            if (j < 0) {
                break;
            }
            out.add(0, self.substring(j + sep.length(), end));
            end = j;
        }
        out.add(0, self.substring(0, end));
        return out;
    }

    private static List<String> splitlines(String self, boolean keepends) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = self.length();
        int start = 0;
        while (i < n) {
            char c = self.charAt(i);
            int breakLength = 0;
            if (c == '\r' && i + 1 < n && self.charAt(i + 1) == '\n') {
                breakLength = 2;
            } else if ("\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                breakLength = 1;
            }
            if (breakLength > 0) {
                out.add(self.substring(start, keepends ? i + breakLength : i));
                i += breakLength;
                start = i;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(self.substring(start));
        }
        return out;
    }

    private static String replace(String self, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                // Python inserts the replacement between every character and at both ends.
                StringBuilder out = new StringBuilder(replacement);
                self.codePoints().forEach(cp -> out.appendCodePoint(cp).append(replacement));
                return out.toString();
            }
            return self.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        long done = 0;
        while (done < count) {
            int j = old.isEmpty() ? (i <= self.length() ? i : -1) : self.indexOf(old, i);
            if (j < 0) {
                break;
            }
            out.append(self, i, j).append(replacement);
            if (old.isEmpty()) {
                if (j < self.length()) {
                    out.append(self.charAt(j));
                }
                i = j + 1;
            } else {
                i = j + old.length();
            }
            done++;
        }
        if (i <= self.length()) {
            out.append(self, i, self.length());
        }
        return out.toString();
    }

    private static String swapcase(String self) {
        StringBuilder out = new StringBuilder();
        self.codePoints()
                .forEach(
                        cp ->
                                out.append(
                                        Character.isUpperCase(cp)
                                                ? new String(Character.toChars(cp))
                                                        .toLowerCase(Locale.ROOT)
                                                : new String(Character.toChars(cp))
                                                        .toUpperCase(Locale.ROOT)));
        return out.toString();
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code title}: a cased character after an uncased one is title-cased. */
    static String title(String self) {
        StringBuilder out = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < self.length(); ) {
            int cp = self.codePointAt(i);
            i += Character.charCount(cp);
            if (previousCased) {
                out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            } else {
                out.appendCodePoint(Character.toTitleCase(cp));
            }
            previousCased = isCased(cp);
        }
        return out.toString();
    }

    /** Python's {@code capitalize}: the first character title-cased, the rest lower-cased. */
    static String capitalize(String self) {
        if (self.isEmpty()) {
            return self;
        }
        int first = self.codePointAt(0);
        int rest = Character.charCount(first);
        return new String(Character.toChars(Character.toTitleCase(first)))
                + self.substring(rest).toLowerCase(Locale.ROOT);
    }

    private static int find(String self, Object[] a, boolean last) {
        String sub = str(last ? "rfind" : "find", a, 0);
        int length = self.length();
        int start = a.length > 1 && a[1] != null ? clip(toLong(a[1]), length) : 0;
        int end = a.length > 2 && a[2] != null ? clip(toLong(a[2]), length) : length;
        if (start > end || end - start < sub.length()) {
            return -1;
        }
        String window = self.substring(start, end);
        int at = last ? window.lastIndexOf(sub) : window.indexOf(sub);
        return at < 0 ? -1 : at + start;
    }

    private static int index(String self, Object[] a, boolean last) {
        int at = find(self, a, last);
        if (at < 0) {
            throw new IllegalArgumentException("substring not found");
        }
        return at;
    }

    private static int count(String self, Object[] a) {
        String sub = str("count", a, 0);
        String s = window(self, a, 1);
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        int n = 0;
        int i = s.indexOf(sub);
        while (i >= 0) {
            n++;
            i = s.indexOf(sub, i + sub.length());
        }
        return n;
    }

    private static String join(String self, Object[] a) {
        if (a.length != 1) {
            throw new IllegalArgumentException(
                    "join() takes exactly one argument (" + a.length + " given)");
        }
        List<String> parts = new ArrayList<>();
        Object items = a[0] instanceof CharSequence s ? splitChars(s.toString()) : a[0];
        for (Object item : PythonValues.asList(items)) {
            parts.add(requireString(item, "join"));
        }
        return String.join(self, parts);
    }

    private static List<String> splitChars(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    private static boolean all(String self, java.util.function.IntPredicate test) {
        return !self.isEmpty() && self.codePoints().allMatch(test);
    }

    private static boolean cased(String self, boolean upper) {
        boolean anyCased = false;
        for (int cp : self.codePoints().toArray()) {
            if (upper ? Character.isLowerCase(cp) : Character.isUpperCase(cp)) {
                return false;
            }
            if (Character.isTitleCase(cp)) {
                return false;
            }
            anyCased |= isCased(cp);
        }
        return anyCased;
    }

    private static List<String> partition(String self, String sep, boolean last) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int at = last ? self.lastIndexOf(sep) : self.indexOf(sep);
        if (at < 0) {
            return last ? List.of("", "", self) : List.of(self, "", "");
        }
        return List.of(self.substring(0, at), sep, self.substring(at + sep.length()));
    }

    private static String zfill(String self, int width) {
        int pad = width - self.length();
        if (pad <= 0) {
            return self;
        }
        boolean sign = !self.isEmpty() && (self.charAt(0) == '+' || self.charAt(0) == '-');
        return sign ? self.charAt(0) + "0".repeat(pad) + self.substring(1) : "0".repeat(pad) + self;
    }

    private static String pad(String self, String method, Object[] a) {
        int width = (int) intArg(method, a, 0);
        String fill = a.length > 1 ? requireString(a[1], method) : " ";
        if (fill.length() != 1) {
            throw new IllegalArgumentException(
                    "The fill character must be exactly one character long");
        }
        int total = width - self.length();
        if (total <= 0) {
            return self;
        }
        return switch (method) {
            case "ljust" -> self + fill.repeat(total);
            case "rjust" -> fill.repeat(total) + self;
            default -> {
                // CPython centers with the extra character on the left when both are odd.
                int left = total / 2 + (total & width & 1);
                yield fill.repeat(left) + self + fill.repeat(total - left);
            }
        };
    }

    private static String str(String method, Object[] a, int i) {
        if (a.length <= i) {
            throw new IllegalArgumentException(method + "() missing argument " + (i + 1));
        }
        return requireString(a[i], method);
    }

    private static String optString(Object[] a, int i) {
        return a.length > i && a[i] != null ? requireString(a[i], "split") : null;
    }

    private static long optInt(Object[] a, int i, long fallback) {
        return a.length > i && a[i] != null ? toLong(a[i]) : fallback;
    }

    private static long intArg(String method, Object[] a, int i) {
        if (a.length <= i) {
            throw new IllegalArgumentException(method + "() missing argument " + (i + 1));
        }
        return toLong(a[i]);
    }

    private static String requireString(Object o, String method) {
        if (o instanceof CharSequence s) {
            return s.toString();
        }
        throw new IllegalArgumentException(
                method + "() argument must be str, not " + PythonValues.typeName(o));
    }

    private static long toLong(Object o) {
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
            return n.longValue();
        }
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new IllegalArgumentException(
                "'" + PythonValues.typeName(o) + "' object cannot be interpreted as an integer");
    }
}
