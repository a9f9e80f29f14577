package dev.troupe.reward.builtin;

import com.typesafe.config.Config;
import dev.troupe.runconfig.ConfigValues;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The shape a completion must have: tag pairs such as {@code <think>...</think>} and {@code
 * <answer>...</answer>}, in order.
 *
 * <p>Every mode requires, for each tag in {@link #tags}: its opening and closing tag each appear
 * exactly once, the opening before the closing, each pair after the previous pair's closing tag (so
 * pairs neither nest nor overlap), and, unless {@link #allowEmpty}, non-blank content. The modes
 * differ in the text allowed outside the pairs (whitespace is always allowed):
 *
 * <ul>
 *   <li>{@link Match#WHOLE}: none. The completion is the pairs and nothing else, as in the
 *       DeepSeek-R1 format {@code <think>...</think><answer>...</answer>}.
 *   <li>{@link Match#START}: the completion starts with the first opening tag; text may follow any
 *       closing tag. With the single tag {@code think} this is TRL's {@code think_format_reward}
 *       ({@code ^<think>(?!.*<think>)(.*?)</think>.*$}), except that leading whitespace is allowed
 *       and a second {@code </think>} is not.
 *   <li>{@link Match#ANYWHERE}: text is allowed before, between and after the pairs.
 * </ul>
 *
 * <p>Worked example, tags {@code [think, answer]}:
 *
 * <pre>
 *                                              WHOLE  START  ANYWHERE
 * "&lt;think&gt;a&lt;/think&gt;\n&lt;answer&gt;4&lt;/answer&gt;"          yes    yes    yes
 * "&lt;think&gt;a&lt;/think&gt; so &lt;answer&gt;4&lt;/answer&gt;"        no     yes    yes
 * "Sure! &lt;think&gt;a&lt;/think&gt;&lt;answer&gt;4&lt;/answer&gt;"      no     no     yes
 * "&lt;answer&gt;4&lt;/answer&gt;&lt;think&gt;a&lt;/think&gt;"            no     no     no  (order)
 * "&lt;think&gt;a&lt;/think&gt;&lt;answer&gt;&lt;/answer&gt;"             no     no     no  (empty answer)
 * </pre>
 *
 * @param tags tag names in the order they must appear, e.g. {@code [think, answer]}
 * @param match how much text may sit outside the tag pairs
 * @param allowEmpty whether a pair may enclose only whitespace
 */
public record FormatRule(List<String> tags, Match match, boolean allowEmpty) {

    /** How much text may sit outside the tag pairs. */
    public enum Match {
        WHOLE,
        START,
        ANYWHERE
    }

    /** The verdict: whether the completion has the format and, if not, why not. */
    public record Check(boolean ok, String reason) {}

    private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]*");

    public FormatRule {
        tags = List.copyOf(tags);
        Objects.requireNonNull(match, "match");
        String problem = tagsProblem(tags);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Reads {@code tags}, {@code match} ({@code whole} | {@code start} | {@code anywhere}) and
     * {@code allow-empty}.
     */
    public static FormatRule fromConfig(Config params) {
        List<String> tags = params.getStringList("tags");
        String problem = tagsProblem(tags);
        if (problem != null) {
            throw ConfigValues.badValue(params, "tags", problem);
        }
        return new FormatRule(
                tags,
                ConfigValues.choice(params, "match", Match.class),
                params.getBoolean("allow-empty"));
    }

    static boolean isTagName(String name) {
        return TAG_NAME.matcher(name).matches();
    }

    private static String tagsProblem(List<String> tags) {
        if (tags.isEmpty()) {
            return "needs at least one tag name";
        }
        for (String tag : tags) {
            if (!isTagName(tag)) {
                return "tag names are bare names like 'think' (no angle brackets), got '"
                        + tag
                        + "'";
            }
        }
        if (new HashSet<>(tags).size() != tags.size()) {
            return "a tag name appears twice in " + tags;
        }
        return null;
    }

    /** Whether {@code completion} has the format. */
    public Check check(String completion) {
        int cursor = 0;
        for (int i = 0; i < tags.size(); i++) {
            String open = "<" + tags.get(i) + ">";
            String close = "</" + tags.get(i) + ">";
            int openAt = completion.indexOf(open);
            int closeAt = completion.indexOf(close);
            if (openAt < 0) {
                return miss("no " + open);
            }
            if (closeAt < 0) {
                return miss("no " + close);
            }
            if (completion.indexOf(open, openAt + 1) >= 0) {
                return miss(open + " appears more than once");
            }
            if (completion.indexOf(close, closeAt + 1) >= 0) {
                return miss(close + " appears more than once");
            }
            if (closeAt < openAt) {
                return miss(close + " comes before " + open);
            }
            if (openAt < cursor) {
                return miss(open + " comes before </" + tags.get(i - 1) + ">");
            }
            if (!allowEmpty && completion.substring(openAt + open.length(), closeAt).isBlank()) {
                return miss(open + " is empty");
            }
            boolean gapAllowed = match == Match.ANYWHERE || (match == Match.START && i > 0);
            if (!gapAllowed && !completion.substring(cursor, openAt).isBlank()) {
                return miss(
                        i == 0 ? "text before " + open : "text between the tags before " + open);
            }
            cursor = closeAt + close.length();
        }
        if (match == Match.WHOLE && !completion.substring(cursor).isBlank()) {
            return miss("text after </" + tags.get(tags.size() - 1) + ">");
        }
        return new Check(true, "");
    }

    private static Check miss(String reason) {
        return new Check(false, reason);
    }
}
