package dev.troupe.reward.builtin;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number read from text the way GSM8K answers are written, kept exact: a decimal, or a fraction
 * of two decimals.
 *
 * <p>What is read:
 *
 * <ul>
 *   <li>an optional minus sign ({@code -} or the Unicode minus {@code U+2212}) and an optional
 *       {@code $}: {@code -5}, {@code $18}, {@code -$3.50};
 *   <li>digits, with thousands commas only where they group by three: {@code 1,234} and {@code
 *       12,345,678} are single numbers, {@code 3,4} is the two numbers 3 and 4;
 *   <li>an optional decimal part: {@code 3.50}, {@code .5}; a period without digits after it ends a
 *       sentence ({@code "is 1,234."} reads 1234);
 *   <li>an optional denominator: {@code 3/4}. A zero denominator makes the token no number.
 * </ul>
 *
 * <p>What is ignored: units and words around the number ({@code "18 dollars"}, {@code "50%"},
 * {@code "10am"}), and digits glued to a letter or period before them ({@code "x2"}, {@code
 * "1.2.3"} reads only 1.2). Not read: exponents ({@code 1e5} reads 1), words ({@code "five"}),
 * LaTeX ({@code \frac{3}{4}}).
 *
 * <p>Two answers are equal when their values are: {@code 3.50 == 3.5}, {@code 18.00 == 18}, {@code
 * 3/4 == 0.75}; {@code 1/3 != 0.333}. veRL's {@code gsm8k.py} compares the strings after removing
 * commas and {@code $}, so it scores {@code 3.50} against {@code 3.5} as wrong; this does not.
 */
public final class NumericAnswer {

    // sign, optional $, integer part (comma-grouped, plain, or empty before ".digits"), decimals,
    // denominator; the lookbehind keeps "x2" and the "3" of "1.2.3" from being read as numbers.
    private static final Pattern NUMBER =
            Pattern.compile(
                    "(?<![\\p{L}\\p{N}_.])(?<sign>[-\u2212])?\\$?"
                            + "(?<int>\\d{1,3}(?:,\\d{3})+(?!\\d)|\\d+|(?=\\.\\d))"
                            + "(?:\\.(?<frac>\\d+))?"
                            + "(?:/(?<den>\\d+(?:\\.\\d+)?))?");

    private final BigDecimal numerator;
    private final BigDecimal denominator;
    private final String text;

    private NumericAnswer(BigDecimal numerator, BigDecimal denominator, String text) {
        this.numerator = numerator;
        this.denominator = denominator;
        this.text = text;
    }

    /** The number at the start of {@code text} (after {@code $} and a sign), if there is one. */
    static Optional<NumericAnswer> parseAt(CharSequence text, int start) {
        Matcher matcher = NUMBER.matcher(text);
        matcher.region(start, text.length());
        matcher.useTransparentBounds(true);
        matcher.useAnchoringBounds(false);
        if (!matcher.lookingAt()) {
            return Optional.empty();
        }
        return of(matcher);
    }

    /** Every number in {@code text}, in order. */
    public static List<NumericAnswer> findAll(CharSequence text) {
        List<NumericAnswer> numbers = new ArrayList<>();
        Matcher matcher = NUMBER.matcher(text);
        while (matcher.find()) {
            of(matcher).ifPresent(numbers::add);
        }
        return numbers;
    }

    /** The last number in {@code text}. */
    public static Optional<NumericAnswer> last(CharSequence text) {
        List<NumericAnswer> numbers = findAll(text);
        return numbers.isEmpty() ? Optional.empty() : Optional.of(numbers.get(numbers.size() - 1));
    }

    /**
     * The number a reference answer states: the one after its last {@code ####} (GSM8K's {@code
     * answer} field is worked solution text ending {@code "#### 72"}), else the last number in it.
     * Empty when it has none.
     */
    public static Optional<NumericAnswer> parseReference(String reference) {
        int marker = reference.lastIndexOf("####");
        if (marker >= 0) {
            Optional<NumericAnswer> afterMarker =
                    findAll(reference.substring(marker + 4)).stream().findFirst();
            if (afterMarker.isPresent()) {
                return afterMarker;
            }
        }
        return last(reference);
    }

    private static Optional<NumericAnswer> of(Matcher matcher) {
        String integer = matcher.group("int").replace(",", "");
        String fraction = matcher.group("frac");
        String digits =
                (integer.isEmpty() ? "0" : integer) + (fraction == null ? "" : "." + fraction);
        BigDecimal numerator = new BigDecimal(digits);
        if (matcher.group("sign") != null) {
            numerator = numerator.negate();
        }
        BigDecimal denominator = BigDecimal.ONE;
        if (matcher.group("den") != null) {
            denominator = new BigDecimal(matcher.group("den"));
            if (denominator.signum() == 0) {
                return Optional.empty();
            }
        }
        return Optional.of(new NumericAnswer(numerator, denominator, matcher.group()));
    }

    /** Whether the two numbers have the same value: {@code a/b == c/d} as {@code a*d == c*b}. */
    public boolean sameValue(NumericAnswer other) {
        return numerator
                        .multiply(other.denominator)
                        .compareTo(other.numerator.multiply(denominator))
                == 0;
    }

    /** The number as written, e.g. {@code "$1,234.50"}. */
    public String text() {
        return text;
    }

    /**
     * The value in plain form, without {@code $}, commas or trailing zeros: {@code "1234.5"},
     * {@code "-5"}, {@code "3/4"}.
     */
    public String canonical() {
        String top = plain(numerator);
        return denominator.compareTo(BigDecimal.ONE) == 0 ? top : top + "/" + plain(denominator);
    }

    private static String plain(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() < 0) {
            stripped = stripped.setScale(0);
        }
        return stripped.signum() == 0 ? "0" : stripped.toPlainString();
    }

    /** Value equality, as {@link #sameValue}; the written form does not matter. */
    @Override
    public boolean equals(Object o) {
        return o instanceof NumericAnswer other && sameValue(other);
    }

    @Override
    public int hashCode() {
        // Equal values share a reduced form: divide out the scale, then the gcd.
        BigDecimal n = numerator;
        BigDecimal d = denominator;
        int scale = Math.max(n.scale(), d.scale());
        BigInteger top = n.movePointRight(scale).toBigIntegerExact();
        BigInteger bottom = d.movePointRight(scale).toBigIntegerExact();
        BigInteger gcd = top.gcd(bottom);
        if (gcd.signum() != 0) {
            top = top.divide(gcd);
            bottom = bottom.divide(gcd);
        }
        return Objects.hash(top, bottom);
    }

    @Override
    public String toString() {
        return canonical();
    }
}
