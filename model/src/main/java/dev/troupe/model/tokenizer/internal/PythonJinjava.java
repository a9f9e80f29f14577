package dev.troupe.model.tokenizer.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.loader.ResourceLocator;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * A Jinjava set up to render Hugging Face chat templates as Jinja2 does, once {@link
 * TemplateTranslator} has rewritten them.
 *
 * <p>What it changes in Jinjava, and why:
 *
 * <ul>
 *   <li>Truthiness is Python's. Jinjava holds the string {@code "false"} (any case) false, so a
 *       message whose content is "False" would drop out of {@code {% if message.content %}}; the
 *       expression factory gets a type converter with Python's rule, and {@code if}/{@code elif}
 *       evaluate with it too.
 *   <li>Python's {@code str} methods and indexing on strings ({@link PythonMethodResolver}).
 *   <li>The filters of {@link PythonFilters}; globals {@code raise_exception}, {@code strftime_now}
 *       and the slicing function; the {@code generation} block tag of Hugging Face's {@code
 *       AssistantTracker}, which renders its body.
 *   <li>Dict literal keys are evaluated and {@code for k in dict} iterates keys, as in Python;
 *       {@code None} items stay in loops; nested interpretation of rendered values is off (a
 *       message containing {@code {{ x }}} renders literally); whitespace trimming is off because
 *       the translator already applied Jinja2's.
 *   <li>No template loading: {@code include}/{@code import} fail, as with Hugging Face's
 *       environment, which has no loader.
 * </ul>
 */
public final class PythonJinjava extends Jinjava {

    private final ExpressionFactory expressionFactory;

    public PythonJinjava() {
        super(config());
        Properties properties = new Properties();
        properties.setProperty(TreeBuilder.class.getName(), ExtendedSyntaxBuilder.class.getName());
        this.expressionFactory =
                new ExpressionFactoryImpl(properties, new PythonTruthTypeConverter());
        setResourceLocator(new NoTemplateLoader());
        getGlobalContext().registerTag(new PythonIfTag());
        getGlobalContext().registerTag(new GenerationTag());
        for (var filter : PythonFilters.all()) {
            getGlobalContext().registerFilter(filter);
        }
        // Python iterates and indexes strings and dicts too.
        registerExpTest(
                new NamedTest(
                        "iterable",
                        v ->
                                v instanceof CharSequence
                                        || v instanceof Map<?, ?>
                                        || PythonValues.isSequence(v)));
        registerExpTest(
                new NamedTest(
                        "sequence",
                        v ->
                                v instanceof CharSequence
                                        || v instanceof Map<?, ?>
                                        || PythonValues.isSequence(v)));
        registerFunction(
                new ELFunctionDefinition(
                        "",
                        "raise_exception",
                        TemplateFunctions.class,
                        "raiseException",
                        Object.class));
        registerFunction(
                new ELFunctionDefinition(
                        "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        registerFunction(
                new ELFunctionDefinition(
                        "",
                        TemplateTranslator.SLICE_FUNCTION,
                        TemplateFunctions.class,
                        "slice",
                        Object.class,
                        Object.class,
                        Object.class,
                        Object.class));
    }

    private static JinjavaConfig config() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(1000)
                .withLocale(Locale.ROOT)
                .withElResolver(resolver)
                .withLegacyOverrides(
                        LegacyOverrides.newBuilder()
                                .withEvaluateMapKeys(true)
                                .withIterateOverMapKeys(true)
                                .withKeepNullableLoopValues(true)
                                .withUseNaturalOperatorPrecedence(true)
                                .build())
                .build();
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressionFactory;
    }

    /**
     * Jinjava's type converter with Python's truthiness for {@code and}, {@code or}, {@code not}.
     */
    static final class PythonTruthTypeConverter extends TruthyTypeConverter {
        private static final long serialVersionUID = 1L;

        @Override
        protected Boolean coerceToBoolean(Object value) {
            return PythonValues.truthy(value);
        }

        /** Python's {@code str()}, which is what {@code ~} applies to both sides. */
        @Override
        protected String coerceToString(Object value) {
            return PythonValues.str(value);
        }
    }

    /** {@code if}/{@code elif} with Python's truthiness. */
    static final class PythonIfTag extends IfTag {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean isPositiveIfElseNode(TagNode tagNode, JinjavaInterpreter interpreter) {
            Object value =
                    interpreter.resolveELExpression(
                            tagNode.getHelpers(),
                            tagNode.getLineNumber(),
                            tagNode.getStartPosition());
            return PythonValues.truthy(value);
        }
    }

    /**
     * Hugging Face's {@code {% generation %}...{% endgeneration %}}: marks assistant text for
     * {@code return_assistant_tokens_mask} and renders its body unchanged.
     */
    static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** A Jinja2 test over one value. */
    record NamedTest(String name, Predicate<Object> predicate) implements ExpTest {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object value, JinjavaInterpreter interpreter, Object... args) {
            return predicate.test(value);
        }
    }

    /** Hugging Face's environment has no loader, so {@code include} and friends fail. */
    static final class NoTemplateLoader implements ResourceLocator {
        @Override
        public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter)
                throws IOException {
            throw new IOException("no loader for this environment specified: " + fullName);
        }
    }
}
