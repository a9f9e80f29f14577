package dev.troupe.model.tokenizer.internal;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Filters with Jinja2's (and, for {@code tojson}, Hugging Face's) semantics where Jinjava's differ
 * or are missing: {@code tojson} (Python's separators), {@code string} and {@code join} (Python's
 * {@code str()}), {@code items}, {@code trim}, {@code length}/{@code count} (code points), {@code
 * upper}/{@code lower}/{@code title}/{@code capitalize}, {@code replace} and {@code indent}, plus
 * the filter that prints values for {@code {{ }}}.
 */
public final class PythonFilters {

    private PythonFilters() {}

    /** A filter body: the value, positional arguments, keyword arguments. */
    @FunctionalInterface
    interface Body {
        Object apply(Object value, List<Object> args, Map<String, Object> kwargs);
    }

    /** A named filter over a {@link Body}. */
    record NamedFilter(String name, Body body) implements AdvancedFilter {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(
                Object var,
                JinjavaInterpreter interpreter,
                Object[] args,
                Map<String, Object> kwargs) {
            List<Object> positional = args == null ? List.of() : java.util.Arrays.asList(args);
            Map<String, Object> named = kwargs == null ? Map.of() : kwargs;
            return body.apply(var, positional, named);
        }
    }

    /** All filters this package overrides or adds. */
    public static List<Filter> all() {
        List<Filter> filters = new ArrayList<>();
        filters.add(
                new NamedFilter(TemplateTranslator.STR_FILTER, (v, a, k) -> PythonValues.str(v)));
        filters.add(new NamedFilter("string", (v, a, k) -> PythonValues.str(v)));
        filters.add(new NamedFilter("tojson", PythonFilters::tojson));
        filters.add(new NamedFilter("join", PythonFilters::join));
        filters.add(new NamedFilter("items", PythonFilters::items));
        filters.add(new NamedFilter("trim", PythonFilters::trim));
        filters.add(new NamedFilter("length", PythonFilters::length));
        filters.add(new NamedFilter("count", PythonFilters::length));
        filters.add(
                new NamedFilter(
                        "upper", (v, a, k) -> PythonValues.str(v).toUpperCase(Locale.ROOT)));
        filters.add(
                new NamedFilter(
                        "lower", (v, a, k) -> PythonValues.str(v).toLowerCase(Locale.ROOT)));
        filters.add(
                new NamedFilter("title", (v, a, k) -> PythonStrings.title(PythonValues.str(v))));
        filters.add(
                new NamedFilter(
                        "capitalize", (v, a, k) -> PythonStrings.capitalize(PythonValues.str(v))));
        filters.add(new NamedFilter("replace", PythonFilters::replace));
        filters.add(new NamedFilter("indent", PythonFilters::indent));
        filters.add(new NamedFilter("sum", PythonFilters::sum));
        filters.add(new NamedFilter("batch", PythonFilters::batch));
        filters.add(new NamedFilter("max", (v, a, k) -> extreme(v, a, k, true)));
        filters.add(new NamedFilter("min", (v, a, k) -> extreme(v, a, k, false)));
        return filters;
    }

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name) {
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return args.size() > i ? args.get(i) : null;
    }

    /**
     * Hugging Face's {@code tojson(x, ensure_ascii=False, indent=None, separators=None,
     * sort_keys=False)}.
     */
    private static Object tojson(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object ensureAscii = arg(args, kwargs, 0, "ensure_ascii");
        Object indent = arg(args, kwargs, 1, "indent");
        Object separators = arg(args, kwargs, 2, "separators");
        Object sortKeys = arg(args, kwargs, 3, "sort_keys");
        String indentString = null;
        if (indent instanceof CharSequence s) {
            indentString = s.toString();
        } else if (indent instanceof Number n) {
            indentString = " ".repeat((int) Math.max(0, n.longValue()));
        } else if (indent != null) {
            throw new IllegalArgumentException(
                    "tojson: indent must be an int or str, not " + PythonValues.typeName(indent));
        }
        String items = null;
        String keys = null;
        if (separators != null) {
            List<Object> pair = PythonValues.asList(separators);
            if (pair.size() != 2) {
                throw new IllegalArgumentException("tojson: separators must be a pair of strings");
            }
            items = PythonValues.str(pair.get(0));
            keys = PythonValues.str(pair.get(1));
        }
        return new PythonJson(
                        PythonValues.truthy(ensureAscii),
                        indentString,
                        items,
                        keys,
                        PythonValues.truthy(sortKeys))
                .dumps(value);
    }

    /** Jinja2's {@code join(value, d='', attribute=None)}, items printed with {@code str()}. */
    private static Object join(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object separator = arg(args, kwargs, 0, "d");
        Object attribute = arg(args, kwargs, 1, "attribute");
        List<String> parts = new ArrayList<>();
        Object items = value instanceof CharSequence s ? codePoints(s.toString()) : value;
        for (Object item : PythonValues.asList(items)) {
            Object part = attribute == null ? item : attribute(item, PythonValues.str(attribute));
            parts.add(PythonValues.str(part));
        }
        return String.join(separator == null ? "" : PythonValues.str(separator), parts);
    }

    private static Object attribute(Object item, String name) {
        Object current = item;
        for (String part : name.split("\\.")) {
            if (current instanceof Map<?, ?> map) {
                current = map.get(part);
            } else if (PythonValues.isSequence(current) && part.matches("\\d+")) {
                List<Object> list = PythonValues.asList(current);
                int index = Integer.parseInt(part);
                current = index < list.size() ? list.get(index) : null;
            } else {
                return null;
            }
        }
        return current;
    }

    private static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    /** Jinja2's {@code items(value)}: a dict's (key, value) pairs; undefined gives none. */
    private static Object items(Object value, List<Object> args, Map<String, Object> kwargs) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(
                    "Can only get item pairs from a mapping, not " + PythonValues.typeName(value));
        }
        List<Object> pairs = new ArrayList<>();
        for (Map.Entry<?, ?> entry : new LinkedHashMap<>(map).entrySet()) {
            List<Object> pair = new ArrayList<>(2);
            pair.add(entry.getKey());
            pair.add(entry.getValue());
            pairs.add(pair);
        }
        return pairs;
    }

    /** Jinja2's {@code trim(value, chars=None)}: Python's {@code str.strip}. */
    private static Object trim(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object chars = arg(args, kwargs, 0, "chars");
        Object[] stripArgs = chars == null ? new Object[0] : new Object[] {chars};
        return PythonStrings.invoke(PythonValues.str(value), "strip", stripArgs).orElseThrow();
    }

    /** Python's {@code len}: code points of a string, items of a container. */
    private static Object length(Object value, List<Object> args, Map<String, Object> kwargs) {
        if (value == null) {
            return 0L;
        }
        if (value instanceof CharSequence s) {
            return (long) s.toString().codePointCount(0, s.length());
        }
        if (value instanceof Map<?, ?> map) {
            return (long) map.size();
        }
        if (PythonValues.isSequence(value)) {
            return (long) PythonValues.asList(value).size();
        }
        throw new IllegalArgumentException(
                "object of type '" + PythonValues.typeName(value) + "' has no len()");
    }

    /** Jinja2's {@code replace(s, old, new, count=None)}. */
    private static Object replace(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object old = arg(args, kwargs, 0, "old");
        Object replacement = arg(args, kwargs, 1, "new");
        Object count = arg(args, kwargs, 2, "count");
        Object[] replaceArgs =
                count == null
                        ? new Object[] {PythonValues.str(old), PythonValues.str(replacement)}
                        : new Object[] {
                            PythonValues.str(old), PythonValues.str(replacement), count
                        };
        return PythonStrings.invoke(PythonValues.str(value), "replace", replaceArgs).orElseThrow();
    }

    /** Jinja2's {@code batch(value, linecount, fill_with=None)}: no filling unless asked. */
    private static Object batch(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object count = arg(args, kwargs, 0, "linecount");
        if (!(count instanceof Number n) || n.longValue() < 1) {
            throw new IllegalArgumentException("batch: linecount must be a positive int");
        }
        int size = (int) n.longValue();
        boolean fill = kwargs.containsKey("fill_with") || args.size() > 1;
        Object filler = arg(args, kwargs, 1, "fill_with");
        List<Object> batches = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PythonValues.asList(value)) {
            current.add(item);
            if (current.size() == size) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (fill && current.size() < size) {
                current.add(filler);
            }
            batches.add(current);
        }
        return batches;
    }

    /** Jinja2's {@code sum(iterable, attribute=None, start=0)}: an int stays an int. */
    private static Object sum(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object attribute = arg(args, kwargs, 0, "attribute");
        Object start = arg(args, kwargs, 1, "start");
        long longSum = 0;
        double doubleSum = 0;
        boolean isFloat = false;
        List<Object> items = new ArrayList<>();
        items.add(start == null ? 0L : start);
        for (Object item : PythonValues.asList(value)) {
            items.add(attribute == null ? item : attribute(item, PythonValues.str(attribute)));
        }
        for (Object item : items) {
            if (!(item instanceof Number n) || item instanceof Boolean) {
                throw new IllegalArgumentException(
                        "unsupported operand type(s) for +: 'int' and '"
                                + PythonValues.typeName(item)
                                + "'");
            }
            if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) {
                isFloat = true;
            }
            longSum += n.longValue();
            doubleSum += n.doubleValue();
        }
        return isFloat ? (Object) doubleSum : (Object) longSum;
    }

    /** Jinja2's {@code max}/{@code min(value, case_sensitive=False, attribute=None)}. */
    private static Object extreme(
            Object value, List<Object> args, Map<String, Object> kwargs, boolean max) {
        boolean caseSensitive = PythonValues.truthy(arg(args, kwargs, 0, "case_sensitive"));
        Object attribute = arg(args, kwargs, 1, "attribute");
        Object best = null;
        Object bestKey = null;
        boolean first = true;
        for (Object item : PythonValues.asList(value)) {
            Object key = attribute == null ? item : attribute(item, PythonValues.str(attribute));
            if (!caseSensitive && key instanceof CharSequence s) {
                key = s.toString().toLowerCase(Locale.ROOT);
            }
            int order = first ? 0 : compare(key, bestKey);
            if (first || (max ? order > 0 : order < 0)) {
                best = item;
                bestKey = key;
                first = false;
            }
        }
        return best;
    }

    /** Numbers compare as numbers, strings as strings; anything else fails, as in Python. */
    private static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof CharSequence x && b instanceof CharSequence y) {
            return x.toString().compareTo(y.toString());
        }
        throw new IllegalArgumentException(
                "'<' not supported between instances of '"
                        + PythonValues.typeName(a)
                        + "' and '"
                        + PythonValues.typeName(b)
                        + "'");
    }

    /** Jinja2 3.1's {@code indent(s, width=4, first=False, blank=False)}. */
    private static Object indent(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object width = arg(args, kwargs, 0, "width");
        boolean first = PythonValues.truthy(arg(args, kwargs, 1, "first"));
        boolean blank = PythonValues.truthy(arg(args, kwargs, 2, "blank"));
        String indention;
        if (width instanceof CharSequence s) {
            indention = s.toString();
        } else {
            indention = " ".repeat(width == null ? 4 : (int) ((Number) width).longValue());
        }
        // Jinja2 appends a newline first ("this quirk is intended"), so a trailing one survives.
        String s = PythonValues.str(value) + "\n";
        @SuppressWarnings("unchecked")
        List<String> lines =
                (List<String>) PythonStrings.invoke(s, "splitlines", new Object[0]).orElseThrow();
        String result;
        if (blank) {
            result = String.join("\n" + indention, lines);
        } else {
            StringBuilder rv = new StringBuilder(lines.isEmpty() ? "" : lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                rv.append('\n').append(line.isEmpty() ? line : indention + line);
            }
            result = rv.toString();
        }
        return first ? indention + result : result;
    }
}
