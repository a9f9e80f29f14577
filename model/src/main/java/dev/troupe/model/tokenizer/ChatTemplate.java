package dev.troupe.model.tokenizer;

import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.troupe.model.tokenizer.internal.PythonJinjava;
import dev.troupe.model.tokenizer.internal.PythonValues;
import dev.troupe.model.tokenizer.internal.TemplateFunctions.TemplateRaisedException;
import dev.troupe.model.tokenizer.internal.TemplateTranslator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template, rendered as transformers 5 renders it ({@code
 * render_jinja_template} in {@code utils/chat_template_utils.py}), so that the prompt the policy is
 * trained on is token for token the prompt it will be served with.
 *
 * <p>Reference semantics: a Jinja2 {@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)} with the {@code loopcontrols} extension ({@code break}, {@code continue})
 * and the {@code generation} block tag; filter {@code tojson} is {@code json.dumps(x,
 * ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, so items are separated by
 * {@code ", "} and keys by {@code ": "}; globals {@code raise_exception(message)}, which fails
 * rendering with that message, and {@code strftime_now(format)}. The template gets {@code
 * messages}, {@code add_generation_prompt} and the caller's variables (special tokens such as
 * {@code bos_token}, {@code tools}, {@code enable_thinking}, ...).
 *
 * <p>The engine is Jinjava, made to follow Jinja2 by {@link TemplateTranslator} and {@link
 * PythonJinjava}: Jinja2's whitespace control, Python truthiness, {@code str} methods and printing,
 * slices with a step. Known differences from Jinja2:
 *
 * <ul>
 *   <li>{@code None} and undefined are the same: a field set to {@code None} is not {@code
 *       defined}, prints as the empty string (inside a list or dict it prints as {@code None}) and
 *       takes a {@code default}; accessing an attribute of an undefined value gives undefined
 *       instead of failing. Hence {@code tools} and {@code documents} are not bound when not given,
 *       where transformers binds them to {@code None}.
 *   <li>{@code a and b} gives {@code True}/{@code False}, not {@code b} (conditions are right);
 *       chained comparisons ({@code 1 < x < 3}), {@code 'ab' * 2}, and printing tuples and {@code
 *       dictsort} pairs are not Python's.
 *   <li>Loop filters ({@code for x in xs if c}), {@code for ... else}, recursive loops and {@code
 *       loop.previtem}/{@code loop.nextitem} are refused when the template is compiled; unknown
 *       filters and tests too, as Jinja2 does.
 * </ul>
 *
 * <p>A template is compiled once and can be rendered from many threads.
 */
public final class ChatTemplate {

    private final String source;
    private final String sourceName;
    private final TemplateTranslator.Translation translation;
    private final PythonJinjava jinjava;

    private ChatTemplate(
            String source,
            String sourceName,
            TemplateTranslator.Translation translation,
            PythonJinjava jinjava) {
        this.source = source;
        this.sourceName = sourceName;
        this.translation = translation;
        this.jinjava = jinjava;
    }

    /**
     * Compiles a template.
     *
     * @param source the Jinja2 template text
     * @param sourceName where it came from, named in every error (e.g. a file path)
     * @throws ChatTemplateException on a syntax error, an unknown filter or test, or a feature that
     *     is not supported
     */
    public static ChatTemplate compile(String source, String sourceName) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sourceName, "sourceName");
        TemplateTranslator.Translation translation =
                TemplateTranslator.translate(source, sourceName);
        PythonJinjava jinjava = new PythonJinjava();
        for (String filter : translation.filters()) {
            if (jinjava.getGlobalContext().getFilter(filter) == null) {
                throw new ChatTemplateException(sourceName, "no filter named '" + filter + "'");
            }
        }
        for (String test : translation.tests()) {
            if (jinjava.getGlobalContext().getExpTest(test) == null) {
                throw new ChatTemplateException(sourceName, "no test named '" + test + "'");
            }
        }
        return new ChatTemplate(source, sourceName, translation, jinjava);
    }

    /** The Jinja2 template text. */
    public String source() {
        return source;
    }

    /** Where the template came from. */
    public String sourceName() {
        return sourceName;
    }

    /**
     * Renders a conversation.
     *
     * @param messages the conversation, passed as {@code messages}
     * @param addGenerationPrompt passed as {@code add_generation_prompt}: end with the header of an
     *     assistant turn
     * @param variables further template variables: special tokens ({@code bos_token}, ...), {@code
     *     tools}, {@code enable_thinking}, {@code date_string}, ...
     * @return the rendered prompt
     * @throws ChatTemplateException if rendering fails, e.g. the template calls {@code
     *     raise_exception}; never partial output
     */
    public String render(
            List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(variables, "variables");
        for (String reserved :
                List.of("messages", "add_generation_prompt", TemplateTranslator.TEXT_VARIABLE)) {
            if (variables.containsKey(reserved)) {
                throw new IllegalArgumentException(
                        "variable '" + reserved + "' is set by the renderer; do not pass it");
            }
        }
        List<Object> templateMessages = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            templateMessages.add(plain(message.toTemplateValue()));
        }
        Map<String, Object> bindings = new HashMap<>();
        variables.forEach((name, value) -> bindings.put(name, plain(value)));
        bindings.put("messages", templateMessages);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put(TemplateTranslator.TEXT_VARIABLE, translation.texts());
        RenderResult result = jinjava.renderForResult(translation.jinjavaSource(), bindings);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    /**
     * A private copy of a JSON-like value with Python's number types: every integer a {@link Long}
     * and every float a {@link Double}, as Jinjava's literals are, so that {@code [1, 2] == xs} and
     * dict lookups compare equal values as equal.
     */
    private static Object plain(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(plain(k), plain(v)));
            return copy;
        }
        if (value instanceof Collection<?> || (value != null && value.getClass().isArray())) {
            List<Object> copy = new ArrayList<>();
            for (Object item : PythonValues.asList(value)) {
                copy.add(plain(item));
            }
            return copy;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    private ChatTemplateException failure(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRaisedException raised) {
                return new ChatTemplateException(sourceName, raised.getMessage(), raised);
            }
        }
        int line = translation.sourceLine(error.getLineno());
        String where = line > 0 ? "line " + line + ": " : "";
        return new ChatTemplateException(
                sourceName, where + error.getMessage(), error.getException());
    }
}
