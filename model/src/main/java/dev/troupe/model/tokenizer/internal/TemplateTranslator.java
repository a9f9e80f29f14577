package dev.troupe.model.tokenizer.internal;

import dev.troupe.model.tokenizer.ChatTemplateException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rewrites a Jinja2 template into one that Jinjava renders the way Jinja2 would, by lexing it as
 * Jinja2's lexer does ({@code jinja2/lexer.py}, version 3.1) with Hugging Face's settings.
 *
 * <p>Jinjava gets whitespace wrong in several ways (it drops the {@code -} of {@code {{- x }}}
 * without stripping, strips before {@code -%}, and reads {@code {{ -1 }}} as {@code 1}), so all
 * whitespace control happens here and Jinjava sees none of it:
 *
 * <ul>
 *   <li>newlines are normalized to {@code \n} and one trailing newline is dropped ({@code
 *       keep_trailing_newline=False});
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag, and {@code -%}},
 *       {@code -}}}, {@code -#}} all whitespace after it;
 *   <li>{@code lstrip_blocks}: spaces and tabs between a line start and a block or comment tag go,
 *       unless the tag opens with {@code +};
 *   <li>{@code trim_blocks}: one newline right after a block or comment tag goes, unless it ends
 *       with {@code +%}};
 *   <li>{@code {% raw %}} bodies and comments are resolved here.
 * </ul>
 *
 * <p>Literal text then reaches Jinjava only as {@code {{ __troupe_text[i] }}}, so Jinjava never
 * parses or trims it. Inside tags, string literals are decoded with Python's escapes and re-quoted
 * for Jinjava, and parentheses restore Jinja2's precedence where Jinjava's differs:
 *
 * <ul>
 *   <li>slices with a step ({@code xs[::-1]}, a parse error in Jinjava) call a slicing function;
 *   <li>keyword argument values: Jinjava parses {@code f(a=x|length - 1)} as {@code (a=x|length) -
 *       1};
 *   <li>filter and test chains ({@code x|f(y) is t}), which bind tighter than any operator in
 *       Jinja2;
 *   <li>the operand of a unary {@code not}, which binds looser than comparisons in Jinja2 and
 *       tighter in Jinjava ({@code not x is defined}, {@code not 1 == 2});
 *   <li>dict literals with several entries become {@code [{...}][0]}, since Jinjava reads their
 *       commas as a tuple's when they sit inside parentheses;
 *   <li>printed values pass through a filter that prints them as Python's {@code str()} does.
 * </ul>
 *
 * <p>Features Jinjava would silently get wrong are refused with an error instead: loop filters
 * ({@code for x in xs if c}), {@code for ... else}, recursive loops and {@code
 * loop.previtem}/{@code loop.nextitem}. Every emitted tag starts on a line of its own, so Jinjava's
 * line numbers map back to the source.
 */
public final class TemplateTranslator {

    /** The variable holding the template's literal text pieces. */
    public static final String TEXT_VARIABLE = "__troupe_text";

    /** The filter that prints a value as Python's {@code str()}. */
    public static final String STR_FILTER = "troupe_str";

    /** The function that slices with a step: {@code (seq, start, stop, step)}. */
    public static final String SLICE_FUNCTION = "__troupe_slice";

    private static final Set<String> BLOCK_TAGS =
            Set.of(
                    "for",
                    "if",
                    "macro",
                    "call",
                    "filter",
                    "with",
                    "block",
                    "autoescape",
                    "generation");

    private static final Set<String> KEYWORDS =
            Set.of("and", "or", "not", "in", "is", "if", "else", "elif", "for", "recursive");

    /**
     * A template rewritten for Jinjava.
     *
     * @param jinjavaSource the template Jinjava renders
     * @param texts the literal text pieces, bound as {@link #TEXT_VARIABLE}
     * @param filters the filter names the template uses
     * @param tests the test names the template uses ({@code x is NAME})
     * @param sourceLines the source line of each Jinjava line where a tag starts
     */
    public record Translation(
            String jinjavaSource,
            List<String> texts,
            Set<String> filters,
            Set<String> tests,
            NavigableMap<Integer, Integer> sourceLines) {

        /** The source line of a line of {@link #jinjavaSource}, or 0 if unknown. */
        public int sourceLine(int jinjavaLine) {
            Map.Entry<Integer, Integer> entry = sourceLines.floorEntry(jinjavaLine);
            return entry == null ? 0 : entry.getValue();
        }
    }

    private final String sourceName;
    private final String src;
    private final int[] lineStarts;
    private final StringBuilder out = new StringBuilder();
    private final List<String> texts = new ArrayList<>();
    private final Set<String> filters = new LinkedHashSet<>();
    private final Set<String> tests = new LinkedHashSet<>();
    private final Deque<String> openBlocks = new ArrayDeque<>();
    private final NavigableMap<Integer, Integer> sourceLines = new TreeMap<>();
    private int outLine = 1;

    private TemplateTranslator(String source, String sourceName) {
        this.sourceName = sourceName;
        this.src = normalizeNewlines(source);
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Rewrites a Jinja2 template for Jinjava.
     *
     * @throws ChatTemplateException for a syntax error found while lexing, or a Jinja2 feature that
     *     Jinjava cannot render faithfully ({@code for ... if}, {@code for ... else}, {@code
     *     recursive} loops)
     */
    public static Translation translate(String source, String sourceName) {
        TemplateTranslator translator = new TemplateTranslator(source, sourceName);
        translator.run();
        return new Translation(
                translator.out.toString(),
                List.copyOf(translator.texts),
                Collections.unmodifiableSet(translator.filters),
                Collections.unmodifiableSet(translator.tests),
                Collections.unmodifiableNavigableMap(translator.sourceLines));
    }

    /** Jinja2's newline handling: any of \r\n, \r, \n becomes \n; one trailing newline goes. */
    static String normalizeNewlines(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private void run() {
        int n = src.length();
        int pos = 0;
        boolean lineStarting = true;
        while (pos < n) {
            int open = findTagOpen(pos);
            if (open < 0) {
                emitText(src.substring(pos), pos);
                break;
            }
            char kind = src.charAt(open + 1);
            int afterOpen = open + 2;
            char sign = afterOpen < n && isSign(src.charAt(afterOpen)) ? src.charAt(afterOpen) : 0;
            int rawEnd = kind == '%' ? matchRawBegin(open) : -1;

            String text = src.substring(pos, open);
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+' && kind != '{') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && isBlank(text, lineStart)) {
                    text = text.substring(0, lineStart);
                }
            }
            emitText(text, pos);

            int bodyStart = afterOpen + (sign != 0 ? 1 : 0);
            if (rawEnd >= 0) {
                pos = raw(open, rawEnd);
            } else if (kind == '#') {
                pos = comment(open, bodyStart);
            } else {
                pos = tag(open, bodyStart, kind == '%');
            }
            lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
        }
        if (!openBlocks.isEmpty()) {
            throw error(
                    n,
                    "unexpected end of template; Jinja was looking for 'end"
                            + openBlocks.peek()
                            + "'");
        }
    }

    private int findTagOpen(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char next = src.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** {@code {%(-|+|)\s*raw\s*(-%}\s*|%})} at {@code open}: the index after it, or -1. */
    private int matchRawBegin(int open) {
        int i = open + 2;
        if (i < src.length() && isSign(src.charAt(i))) {
            i++;
        }
        i = skipSpace(i);
        if (!src.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpace(i + 3);
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("%}", i)) {
            return i + 2;
        }
        return -1;
    }

    private int raw(int open, int bodyStart) {
        int q = src.indexOf("{%", bodyStart);
        while (q >= 0) {
            int i = q + 2;
            char sign = i < src.length() && isSign(src.charAt(i)) ? src.charAt(i) : 0;
            if (sign != 0) {
                i++;
            }
            i = skipSpace(i);
            if (src.startsWith("endraw", i)) {
                i = skipSpace(i + 6);
                int end = blockEnd(i);
                if (end >= 0) {
                    String body = src.substring(bodyStart, q);
                    if (sign == '-') {
                        body = rstrip(body);
                    } else if (sign != '+') {
                        boolean lineStarting = bodyStart > 0 && src.charAt(bodyStart - 1) == '\n';
                        int lineStart = body.lastIndexOf('\n') + 1;
                        if ((lineStart > 0 || lineStarting) && isBlank(body, lineStart)) {
                            body = body.substring(0, lineStart);
                        }
                    }
                    emitText(body, bodyStart);
                    return end;
                }
            }
            q = src.indexOf("{%", q + 2);
        }
        throw error(open, "missing end of raw directive");
    }

    /** A block tag's end at {@code i}: the index after it (and what it strips), or -1. */
    private int blockEnd(int i) {
        if (src.startsWith("+%}", i)) {
            return i + 3;
        }
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("%}", i)) {
            // trim_blocks: one newline after a block tag goes.
            return src.startsWith("\n", i + 2) ? i + 3 : i + 2;
        }
        return -1;
    }

    private int comment(int open, int bodyStart) {
        for (int k = bodyStart; k < src.length(); k++) {
            if (src.startsWith("+#}", k)) {
                return k + 3;
            }
            if (src.startsWith("-#}", k)) {
                return skipSpace(k + 3);
            }
            if (src.startsWith("#}", k)) {
                return src.startsWith("\n", k + 2) ? k + 3 : k + 2;
            }
        }
        throw error(open, "missing end of comment tag");
    }

    private int tag(int open, int bodyStart, boolean block) {
        Deque<Character> closers = new ArrayDeque<>();
        int i = bodyStart;
        int n = src.length();
        while (true) {
            if (i >= n) {
                throw error(
                        open,
                        block
                                ? "unexpected end of template, expected 'end of statement block'"
                                : "unexpected end of template, expected 'end of print statement'");
            }
            if (closers.isEmpty()) {
                if (block) {
                    int end = blockEnd(i);
                    if (end >= 0) {
                        emitTag(src.substring(bodyStart, i), open, true);
                        return end;
                    }
                } else if (src.startsWith("-}}", i)) {
                    emitTag(src.substring(bodyStart, i), open, false);
                    return skipSpace(i + 3);
                } else if (src.startsWith("}}", i)) {
                    emitTag(src.substring(bodyStart, i), open, false);
                    return i + 2;
                }
            }
            char c = src.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(src, i);
                if (end < 0) {
                    throw error(i, "unexpected char " + c + " (unterminated string)");
                }
                i = end;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                closers.push(c == '(' ? ')' : c == '[' ? ']' : '}');
            } else if (c == ')' || c == ']' || c == '}') {
                if (closers.isEmpty()) {
                    throw error(i, "unexpected '" + c + "'");
                }
                char expected = closers.pop();
                if (expected != c) {
                    throw error(i, "unexpected '" + c + "', expected '" + expected + "'");
                }
            }
            i++;
        }
    }

    /** The index after the string literal starting at {@code i}, or -1 if it does not end. */
    static int stringEnd(String s, int i) {
        char quote = s.charAt(i);
        int j = i + 1;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (c == '\\') {
                j += 2;
            } else if (c == quote) {
                return j + 1;
            } else {
                j++;
            }
        }
        return -1;
    }

    private void emitText(String text, int sourceIndex) {
        if (text.isEmpty()) {
            return;
        }
        texts.add(text);
        emit("{{ " + TEXT_VARIABLE + "[" + (texts.size() - 1) + "]\n}}", sourceIndex);
    }

    private void emitTag(String content, int open, boolean block) {
        int line = lineAt(open);
        List<Node> nodes = parse(lex(content, line));
        if (!block) {
            // Parentheses keep a leading '-' from reading as whitespace control to Jinjava.
            emit("{{ (" + render(nodes, false, line) + ")|" + STR_FILTER + "\n}}", open);
            return;
        }
        int first = firstNonSpace(nodes, 0);
        if (first < 0 || !(nodes.get(first) instanceof Tok name) || name.kind != Kind.NAME) {
            throw error(open, "tag name expected");
        }
        trackBlocks(name.text, nodes, first, open);
        String rest =
                render(nodes.subList(first + 1, nodes.size()), name.text.equals("macro"), line);
        emit("{% " + name.text + rest + "\n%}", open);
    }

    private void trackBlocks(String name, List<Node> nodes, int nameIndex, int open) {
        if (name.equals("for")) {
            boolean seenIn = false;
            for (Node node : nodes.subList(nameIndex + 1, nodes.size())) {
                if (node instanceof Tok t && t.kind == Kind.NAME) {
                    if (t.text.equals("in")) {
                        seenIn = true;
                    } else if (seenIn && t.text.equals("if")) {
                        throw error(
                                open,
                                "unsupported: loop filter 'for ... in ... if ...' (Jinjava"
                                        + " ignores it); filter inside the loop instead");
                    } else if (t.text.equals("recursive")) {
                        throw error(open, "unsupported: recursive for loops");
                    }
                }
            }
        }
        if (name.equals("else") && "for".equals(openBlocks.peek())) {
            throw error(open, "unsupported: 'for ... else' (Jinjava ignores the else branch)");
        }
        boolean blockSet = name.equals("set") && !hasTopLevelAssign(nodes, nameIndex + 1);
        if (BLOCK_TAGS.contains(name) || blockSet) {
            openBlocks.push(name);
        } else if (name.startsWith("end") && name.length() > 3) {
            String expected = openBlocks.isEmpty() ? null : openBlocks.pop();
            if (!name.substring(3).equals(expected)) {
                throw error(
                        open,
                        "encountered unknown tag '"
                                + name
                                + "'"
                                + (expected == null
                                        ? ""
                                        : "; Jinja was looking for 'end" + expected + "'"));
            }
        }
    }

    private static boolean hasTopLevelAssign(List<Node> nodes, int from) {
        for (int i = from; i < nodes.size(); i++) {
            if (isAssign(nodes, i)) {
                return true;
            }
        }
        return false;
    }

    /** A single '=' (not part of ==, !=, &lt;=, &gt;=). */
    private static boolean isAssign(List<Node> nodes, int i) {
        if (!isOp(nodes.get(i), '=')) {
            return false;
        }
        boolean nextIsEq = i + 1 < nodes.size() && isOp(nodes.get(i + 1), '=');
        boolean prevIsOp =
                i > 0
                        && nodes.get(i - 1) instanceof Tok t
                        && t.kind == Kind.OP
                        && "=!<>".contains(t.text);
        return !nextIsEq && !prevIsOp;
    }

    private void emit(String piece, int sourceIndex) {
        sourceLines.put(outLine, lineAt(sourceIndex));
        out.append(piece);
        for (int i = 0; i < piece.length(); i++) {
            if (piece.charAt(i) == '\n') {
                outLine++;
            }
        }
    }

    // ---------------------------------------------------------------- expressions

    enum Kind {
        SPACE,
        NAME,
        NUMBER,
        STRING,
        OP
    }

    /** A token; for a string, {@code value} is its decoded content. */
    record Tok(Kind kind, String text, String value) implements Node {}

    /** A bracketed group, its tokens nested. */
    record Group(char open, List<Node> inner, char close) implements Node {}

    sealed interface Node permits Tok, Group {}

    private List<Tok> lex(String code, int line) {
        List<Tok> tokens = new ArrayList<>();
        int i = 0;
        int n = code.length();
        while (i < n) {
            char c = code.charAt(i);
            int j = i + 1;
            if (PythonValues.isSpace(c)) {
                while (j < n && PythonValues.isSpace(code.charAt(j))) {
                    j++;
                }
                tokens.add(new Tok(Kind.SPACE, code.substring(i, j), null));
            } else if (c == '\'' || c == '"') {
                j = stringEnd(code, i);
                String literal = code.substring(i, j);
                tokens.add(
                        new Tok(
                                Kind.STRING,
                                literal,
                                decodePythonString(
                                        literal.substring(1, literal.length() - 1), line)));
            } else if (Character.isLetter(c) || c == '_') {
                while (j < n
                        && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_')) {
                    j++;
                }
                tokens.add(new Tok(Kind.NAME, code.substring(i, j), null));
            } else if (Character.isDigit(c)) {
                while (j < n) {
                    char d = code.charAt(j);
                    boolean digitAfterDot =
                            d == '.' && j + 1 < n && Character.isDigit(code.charAt(j + 1));
                    boolean exponent =
                            (d == 'e' || d == 'E')
                                    && j + 1 < n
                                    && (Character.isDigit(code.charAt(j + 1))
                                            || ((code.charAt(j + 1) == '+'
                                                            || code.charAt(j + 1) == '-')
                                                    && j + 2 < n
                                                    && Character.isDigit(code.charAt(j + 2))));
                    if (Character.isDigit(d) || d == '_' || digitAfterDot) {
                        j++;
                    } else if (exponent) {
                        j += Character.isDigit(code.charAt(j + 1)) ? 1 : 2;
                    } else {
                        break;
                    }
                }
                tokens.add(new Tok(Kind.NUMBER, code.substring(i, j).replace("_", ""), null));
            } else {
                tokens.add(new Tok(Kind.OP, String.valueOf(c), null));
            }
            i = j;
        }
        return tokens;
    }

    private static List<Node> parse(List<Tok> tokens) {
        Deque<List<Node>> stack = new ArrayDeque<>();
        Deque<Character> opens = new ArrayDeque<>();
        List<Node> current = new ArrayList<>();
        for (Tok t : tokens) {
            if (t.kind == Kind.OP && "([{".contains(t.text)) {
                stack.push(current);
                opens.push(t.text.charAt(0));
                current = new ArrayList<>();
            } else if (t.kind == Kind.OP && ")]}".contains(t.text)) {
                List<Node> inner = current;
                current = stack.pop();
                current.add(new Group(opens.pop(), inner, t.text.charAt(0)));
            } else {
                current.add(t);
            }
        }
        return current;
    }

    /** Renders tokens for Jinjava, applying the rewrites and collecting filter and test names. */
    private String render(List<Node> nodes, boolean macroSignature, int line) {
        String[] units = new String[nodes.size()];
        for (int idx = 0; idx < nodes.size(); idx++) {
            Node node = nodes.get(idx);
            if (node instanceof Tok t) {
                units[idx] = t.kind == Kind.STRING ? jinjavaLiteral(t.value) : t.text;
                collectNames(nodes, idx, line);
                continue;
            }
            Group g = (Group) node;
            boolean postfix = isPostfix(nodes, idx);
            if (g.open == '[' && postfix && countTopLevel(g.inner, ':') == 2) {
                int start = primaryStart(nodes, idx, line);
                StringBuilder primary = new StringBuilder();
                for (int k = start; k < idx; k++) {
                    primary.append(units[k]);
                    units[k] = "";
                }
                List<List<Node>> parts = splitTopLevel(g.inner, ':');
                StringBuilder call = new StringBuilder(SLICE_FUNCTION).append('(').append(primary);
                for (List<Node> part : parts) {
                    String rendered = render(part, false, line).strip();
                    call.append(", ").append(rendered.isEmpty() ? "none" : rendered);
                }
                units[idx] = call.append(')').toString();
            } else if (g.open == '(' && postfix && !macroSignature) {
                StringBuilder args = new StringBuilder("(");
                List<List<Node>> parts = splitTopLevel(g.inner, ',');
                for (int p = 0; p < parts.size(); p++) {
                    if (p > 0) {
                        args.append(',');
                    }
                    args.append(renderArgument(parts.get(p), line));
                }
                units[idx] = args.append(')').toString();
            } else if (g.open == '{' && countTopLevel(g.inner, ',') > 0) {
                // Jinjava reads a comma inside a dict literal inside parentheses as a tuple's;
                // inside a list it does not.
                units[idx] = "[{" + render(g.inner, macroSignature, line) + "}][0]";
            } else {
                units[idx] = g.open + render(g.inner, macroSignature, line) + g.close;
            }
        }
        wrapFilterAndTestChains(nodes, units);
        wrapNotOperands(nodes, units);
        return String.join("", units);
    }

    /**
     * Parenthesizes {@code operand|filter(args) is test args ...}: in Jinja2 filters and tests bind
     * tighter than every operator, {@code not} included; Jinjava reads {@code not x is defined} as
     * {@code (not x) is defined}.
     */
    private static void wrapFilterAndTestChains(List<Node> nodes, String[] units) {
        int i = 0;
        while (i < nodes.size()) {
            if (!isChainOperator(nodes, i)) {
                i++;
                continue;
            }
            int start = operandStart(nodes, i);
            int end = chainEnd(nodes, i);
            if (start >= 0 && end > i) {
                units[start] = "(" + units[start];
                units[end] = units[end] + ")";
            }
            i = Math.max(end, i) + 1;
        }
    }

    private static boolean isChainOperator(List<Node> nodes, int i) {
        return isOp(nodes.get(i), '|') || isName(nodes.get(i), "is");
    }

    /** The last node of the filter/test chain whose first operator is at {@code i}. */
    private static int chainEnd(List<Node> nodes, int i) {
        int end = i;
        int k = i;
        while (true) {
            int name = firstNonSpace(nodes, k + 1);
            if (isName(nodes.get(k), "is") && name >= 0 && isName(nodes.get(name), "not")) {
                name = firstNonSpace(nodes, name + 1);
            }
            if (name < 0 || !(nodes.get(name) instanceof Tok t) || t.kind != Kind.NAME) {
                return end;
            }
            end = name;
            int next = firstNonSpace(nodes, name + 1);
            if (next >= 0 && nodes.get(next) instanceof Group g && g.open == '(') {
                end = next;
            } else if (isName(nodes.get(k), "is") && next >= 0 && isTestArgument(nodes.get(next))) {
                end = postfixEnd(nodes, next);
            }
            int after = firstNonSpace(nodes, end + 1);
            if (after < 0 || !isChainOperator(nodes, after)) {
                return end;
            }
            k = after;
        }
    }

    /** Jinja2 takes one primary after a test's name as its argument: {@code divisibleby 3}. */
    private static boolean isTestArgument(Node node) {
        if (node instanceof Group g) {
            return g.open == '[' || g.open == '{';
        }
        Tok t = (Tok) node;
        return switch (t.kind) {
            case NAME -> !KEYWORDS.contains(t.text);
            case STRING, NUMBER -> true;
            default -> false;
        };
    }

    private static int postfixEnd(List<Node> nodes, int start) {
        int end = start;
        while (true) {
            if (end + 1 < nodes.size()
                    && nodes.get(end + 1) instanceof Group g
                    && (g.open == '[' || g.open == '(')) {
                end++;
            } else if (end + 2 < nodes.size()
                    && isOp(nodes.get(end + 1), '.')
                    && nodes.get(end + 2) instanceof Tok t
                    && t.kind == Kind.NAME) {
                end += 2;
            } else {
                return end;
            }
        }
    }

    /** Where the operand of the chain operator at {@code i} starts, or -1 if there is none. */
    private static int operandStart(List<Node> nodes, int i) {
        int j = lastNonSpace(nodes, i - 1);
        int start = -1;
        while (j >= 0) {
            Node node = nodes.get(j);
            if (node instanceof Group) {
                if (isPostfix(nodes, j)) {
                    j--;
                    continue;
                }
                start = j;
                break;
            }
            Tok t = (Tok) node;
            boolean atom =
                    (t.kind == Kind.NAME && !KEYWORDS.contains(t.text))
                            || t.kind == Kind.STRING
                            || t.kind == Kind.NUMBER;
            if (!atom) {
                return -1;
            }
            if (j >= 2 && isOp(nodes.get(j - 1), '.')) {
                j -= 2;
                continue;
            }
            start = j;
            break;
        }
        if (start < 0) {
            return -1;
        }
        // A unary sign belongs to the operand: Jinja2 filters -x as a whole.
        int sign = lastNonSpace(nodes, start - 1);
        if (sign >= 0 && (isOp(nodes.get(sign), '-') || isOp(nodes.get(sign), '+'))) {
            int before = lastNonSpace(nodes, sign - 1);
            if (before < 0
                    || (nodes.get(before) instanceof Tok b
                            && (b.kind == Kind.OP
                                    || (b.kind == Kind.NAME && KEYWORDS.contains(b.text))))) {
                start = sign;
            }
        }
        return start;
    }

    /**
     * Parenthesizes the operand of a unary {@code not}, up to the next {@code and}, {@code or},
     * {@code if}, {@code else}, comma or colon: in Jinja2 {@code not} binds looser than
     * comparisons, in Jinjava tighter ({@code not 1 == 2} fails there).
     */
    private static void wrapNotOperands(List<Node> nodes, String[] units) {
        for (int i = 0; i < nodes.size(); i++) {
            if (!isName(nodes.get(i), "not")) {
                continue;
            }
            int previous = lastNonSpace(nodes, i - 1);
            boolean unary =
                    previous < 0
                            || (nodes.get(previous) instanceof Tok p
                                    && (p.kind == Kind.OP
                                            || (p.kind == Kind.NAME
                                                    && KEYWORDS.contains(p.text)
                                                    && !p.text.equals("is"))));
            if (!unary) {
                continue;
            }
            int start = firstNonSpace(nodes, i + 1);
            if (start < 0) {
                continue;
            }
            int end = start;
            for (int k = start; k < nodes.size(); k++) {
                Node node = nodes.get(k);
                if (isName(node, "and")
                        || isName(node, "or")
                        || isName(node, "if")
                        || isName(node, "else")
                        || isOp(node, ',')
                        || isOp(node, ':')) {
                    break;
                }
                if (!(node instanceof Tok t && t.kind == Kind.SPACE)) {
                    end = k;
                }
            }
            units[start] = "(" + units[start];
            units[end] = units[end] + ")";
        }
    }

    private static boolean isName(Node node, String name) {
        return node instanceof Tok t && t.kind == Kind.NAME && t.text.equals(name);
    }

    private static int lastNonSpace(List<Node> nodes, int from) {
        for (int i = from; i >= 0; i--) {
            if (!(nodes.get(i) instanceof Tok t && t.kind == Kind.SPACE)) {
                return i;
            }
        }
        return -1;
    }

    /** Renders {@code name=value} with the value in parentheses, other arguments as they are. */
    private String renderArgument(List<Node> arg, int line) {
        int name = firstNonSpace(arg, 0);
        if (name >= 0 && arg.get(name) instanceof Tok t && t.kind == Kind.NAME) {
            int eq = firstNonSpace(arg, name + 1);
            if (eq >= 0 && isAssign(arg, eq)) {
                List<Node> value = arg.subList(eq + 1, arg.size());
                long meaningful =
                        value.stream()
                                .filter(v -> !(v instanceof Tok vt && vt.kind == Kind.SPACE))
                                .count();
                String head = render(arg.subList(0, eq + 1), false, line);
                String body = render(value, false, line);
                return meaningful > 1 ? head + "(" + body + ")" : head + body;
            }
        }
        return render(arg, false, line);
    }

    private void collectNames(List<Node> nodes, int idx, int line) {
        Node node = nodes.get(idx);
        if (isName(node, "loop")
                && idx + 2 < nodes.size()
                && isOp(nodes.get(idx + 1), '.')
                && (isName(nodes.get(idx + 2), "previtem")
                        || isName(nodes.get(idx + 2), "nextitem"))) {
            throw new ChatTemplateException(
                    sourceName,
                    "line "
                            + line
                            + ": unsupported: loop."
                            + ((Tok) nodes.get(idx + 2)).text
                            + " (Jinjava has no such loop attribute); index the sequence with"
                            + " loop.index0 instead");
        }
        if (isOp(node, '|')) {
            int next = firstNonSpace(nodes, idx + 1);
            if (next >= 0 && nodes.get(next) instanceof Tok t && t.kind == Kind.NAME) {
                filters.add(t.text);
            }
        } else if (node instanceof Tok t && t.kind == Kind.NAME && t.text.equals("is")) {
            int next = firstNonSpace(nodes, idx + 1);
            if (next >= 0 && nodes.get(next) instanceof Tok n1 && n1.kind == Kind.NAME) {
                if (n1.text.equals("not")) {
                    next = firstNonSpace(nodes, next + 1);
                    if (next >= 0 && nodes.get(next) instanceof Tok n2 && n2.kind == Kind.NAME) {
                        tests.add(n2.text);
                    }
                } else {
                    tests.add(n1.text);
                }
            }
        }
    }

    /** Whether the group at {@code idx} is a call or subscript of what precedes it. */
    private static boolean isPostfix(List<Node> nodes, int idx) {
        if (idx == 0) {
            return false;
        }
        Node previous = nodes.get(idx - 1);
        if (previous instanceof Group) {
            return true;
        }
        Tok t = (Tok) previous;
        return switch (t.kind) {
            case NAME -> !KEYWORDS.contains(t.text);
            case STRING -> true;
            default -> false;
        };
    }

    /** Where the value that a postfix group at {@code idx} applies to starts. */
    private int primaryStart(List<Node> nodes, int idx, int line) {
        int j = idx - 1;
        while (j >= 0) {
            Node node = nodes.get(j);
            if (node instanceof Group g) {
                if (g.open != '{' && isPostfix(nodes, j)) {
                    j--;
                    continue;
                }
                return j;
            }
            Tok t = (Tok) node;
            if (t.kind == Kind.NAME || t.kind == Kind.STRING || t.kind == Kind.NUMBER) {
                if (j >= 2 && isOp(nodes.get(j - 1), '.')) {
                    j -= 2;
                    continue;
                }
                return j;
            }
            break;
        }
        throw new ChatTemplateException(
                sourceName, "line " + line + ": cannot tell what the slice with a step applies to");
    }

    private static int countTopLevel(List<Node> nodes, char op) {
        int count = 0;
        for (Node node : nodes) {
            if (isOp(node, op)) {
                count++;
            }
        }
        return count;
    }

    private static List<List<Node>> splitTopLevel(List<Node> nodes, char op) {
        List<List<Node>> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (isOp(nodes.get(i), op)) {
                parts.add(nodes.subList(start, i));
                start = i + 1;
            }
        }
        parts.add(nodes.subList(start, nodes.size()));
        return parts;
    }

    private static boolean isOp(Node node, char op) {
        return node instanceof Tok t && t.kind == Kind.OP && t.text.charAt(0) == op;
    }

    private static int firstNonSpace(List<Node> nodes, int from) {
        for (int i = from; i < nodes.size(); i++) {
            if (!(nodes.get(i) instanceof Tok t && t.kind == Kind.SPACE)) {
                return i;
            }
        }
        return -1;
    }

    /** A Jinjava string literal for a value: only backslash and the quote are escaped. */
    static String jinjavaLiteral(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Decodes a Python string literal's body as Jinja2 does ({@code unicode-escape}). */
    String decodePythonString(String body, int line) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                out.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> {}
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > n || !isHex(body, i, digits)) {
                        throw new ChatTemplateException(
                                sourceName,
                                "line " + line + ": truncated \\" + e + " escape in a string");
                    }
                    out.appendCodePoint(Integer.parseInt(body.substring(i, i + digits), 16));
                    i += digits;
                }
                case 'N' -> {
                    int close = body.indexOf('}', i);
                    if (i >= n || body.charAt(i) != '{' || close < 0) {
                        throw new ChatTemplateException(
                                sourceName, "line " + line + ": malformed \\N escape in a string");
                    }
                    try {
                        out.appendCodePoint(Character.codePointOf(body.substring(i + 1, close)));
                    } catch (IllegalArgumentException unknown) {
                        throw new ChatTemplateException(
                                sourceName,
                                "line " + line + ": unknown Unicode character name in \\N escape");
                    }
                    i = close + 1;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = e - '0';
                        int k = 0;
                        while (k < 2 && i < n && body.charAt(i) >= '0' && body.charAt(i) <= '7') {
                            value = value * 8 + (body.charAt(i) - '0');
                            i++;
                            k++;
                        }
                        out.appendCodePoint(value);
                    } else {
                        // Python keeps an unknown escape as it is.
                        out.append('\\').append(e);
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean isHex(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- helpers

    private static boolean isSign(char c) {
        return c == '-' || c == '+';
    }

    private int skipSpace(int i) {
        while (i < src.length() && PythonValues.isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Python's {@code str.rstrip()}. */
    private static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && PythonValues.isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Whether {@code s[from:]} is one or more whitespace characters. */
    private static boolean isBlank(String s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (!PythonValues.isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private int lineAt(int index) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo + 1;
    }

    private ChatTemplateException error(int index, String problem) {
        return new ChatTemplateException(sourceName, "line " + lineAt(index) + ": " + problem);
    }
}
