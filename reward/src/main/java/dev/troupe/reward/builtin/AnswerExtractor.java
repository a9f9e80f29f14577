package dev.troupe.reward.builtin;

import com.typesafe.config.Config;
import dev.troupe.runconfig.ConfigValues;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final numeric answer in a completion, as veRL's {@code gsm8k.py} does, plus the answer
 * tag.
 *
 * <p>Where the answer is looked for, in order; the first place that has one wins:
 *
 * <ol>
 *   <li>the last {@code <answer>...</answer>} element (the tag name is {@link #answerTag}; none
 *       when it is empty), anywhere in the completion: the number after a {@code ####} inside it,
 *       else the last number inside it;
 *   <li>the number right after the last {@code ####} in the completion's tail (whitespace and
 *       {@code $} may sit between them);
 *   <li>{@link Method#FLEXIBLE} only: the last number in the completion's tail.
 * </ol>
 *
 * <p>The tail is the last {@link #tailChars} characters, as in veRL, which matches only on the last
 * 300 characters; 0 means the whole completion. Numbers are read by {@link NumericAnswer}.
 *
 * <p>Differences from veRL, on purpose: {@code "####5"} and {@code "#### $5"} are read ({@code
 * strict} in veRL needs exactly one space and no {@code $}); {@code "3,4"} is two numbers (veRL
 * drops every comma and reads 34); answers compare by value, not by string.
 *
 * <p>Worked example, with the defaults ({@code strict}, tag {@code answer}, tail 300):
 *
 * <pre>
 * "... so she pays 3 * 6 = 18 dollars.\n#### 18"       -> 18 (from ####)
 * "&lt;think&gt;6 * 3&lt;/think&gt;&lt;answer&gt;$18&lt;/answer&gt;"  -> 18 (from the tag)
 * "The answer is 1,234."                                -> none (strict); 1234 when flexible
 * </pre>
 *
 * @param method whether a bare last number counts as the answer
 * @param answerTag tag name whose content holds the answer, e.g. {@code answer}; empty for none
 * @param tailChars how many characters at the end of the completion the {@code ####} and
 *     last-number searches look at; 0 for all
 */
public record AnswerExtractor(Method method, String answerTag, int tailChars) {

    /** How lenient extraction is, named as in veRL's {@code gsm8k.py}. */
    public enum Method {
        /** The answer must be marked: by {@code ####} or inside the answer tag. */
        STRICT,
        /** As {@code STRICT}, falling back to the last number in the completion's tail. */
        FLEXIBLE
    }

    /** Where an answer was found. */
    public enum Source {
        TAG,
        HASHES,
        LAST_NUMBER
    }

    /** An extracted answer and where it came from. */
    public record Extracted(NumericAnswer answer, Source source) {}

    private static final Pattern HASHES = Pattern.compile("####\\s*");

    public AnswerExtractor {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(answerTag, "answerTag");
        if (!answerTag.isEmpty() && !FormatRule.isTagName(answerTag)) {
            throw new IllegalArgumentException(
                    "answer tag must be a bare tag name like 'answer', got '" + answerTag + "'");
        }
        if (tailChars < 0) {
            throw new IllegalArgumentException("tailChars must be >= 0, got " + tailChars);
        }
    }

    /**
     * Reads {@code method} ({@code strict} | {@code flexible}), {@code answer-tag} and {@code
     * tail-chars} from {@code params}.
     */
    public static AnswerExtractor fromConfig(Config params) {
        Method method = ConfigValues.choice(params, "method", Method.class);
        String tag = params.getString("answer-tag");
        if (!tag.isEmpty() && !FormatRule.isTagName(tag)) {
            throw ConfigValues.badValue(
                    params,
                    "answer-tag",
                    "must be a bare tag name like 'answer', or \"\" for none; got '" + tag + "'");
        }
        int tail = ConfigValues.intAtLeast(params, "tail-chars", 0);
        return new AnswerExtractor(method, tag, tail);
    }

    /** The final answer of {@code completion}, if it states one. */
    public Optional<Extracted> extract(String completion) {
        if (!answerTag.isEmpty()) {
            Optional<String> content = lastElementContent(completion, answerTag);
            if (content.isPresent()) {
                Optional<NumericAnswer> inTag = afterLastHashes(content.get());
                if (inTag.isEmpty()) {
                    inTag = NumericAnswer.last(content.get());
                }
                if (inTag.isPresent()) {
                    return Optional.of(new Extracted(inTag.get(), Source.TAG));
                }
            }
        }
        String tail =
                tailChars > 0 && completion.length() > tailChars
                        ? completion.substring(completion.length() - tailChars)
                        : completion;
        Optional<NumericAnswer> marked = afterLastHashes(tail);
        if (marked.isPresent()) {
            return Optional.of(new Extracted(marked.get(), Source.HASHES));
        }
        if (method == Method.FLEXIBLE) {
            return NumericAnswer.last(tail).map(n -> new Extracted(n, Source.LAST_NUMBER));
        }
        return Optional.empty();
    }

    /** The number right after the last {@code ####} that is followed by one. */
    private static Optional<NumericAnswer> afterLastHashes(String text) {
        Optional<NumericAnswer> found = Optional.empty();
        Matcher hashes = HASHES.matcher(text);
        while (hashes.find()) {
            Optional<NumericAnswer> number = NumericAnswer.parseAt(text, hashes.end());
            if (number.isPresent()) {
                found = number;
            }
        }
        return found;
    }

    /** Content of the last {@code <tag>...</tag>}, if the completion has a closed one. */
    static Optional<String> lastElementContent(String text, String tag) {
        String open = "<" + tag + ">";
        String close = "</" + tag + ">";
        int closeAt = text.lastIndexOf(close);
        if (closeAt < 0) {
            return Optional.empty();
        }
        int openAt = text.lastIndexOf(open, closeAt - open.length());
        if (openAt < 0) {
            return Optional.empty();
        }
        return Optional.of(text.substring(openAt + open.length(), closeAt));
    }
}
