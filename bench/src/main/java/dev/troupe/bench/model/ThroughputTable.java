package dev.troupe.bench.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Orders results, computes each one's cost relative to the base model, and prints them. */
public final class ThroughputTable {
    private ThroughputTable() {}

    /** Prefill first, then decode; by batch size, then sequence length, then adapter. */
    public static List<ThroughputResult> sorted(List<ThroughputResult> results) {
        List<ThroughputResult> out = new ArrayList<>(results);
        out.sort(
                Comparator.comparing(
                                (ThroughputResult r) ->
                                        r.benchmark().equals(ThroughputResult.PREFILL) ? 0 : 1)
                        .thenComparingInt(ThroughputResult::batchSize)
                        .thenComparingInt(ThroughputResult::sequenceTokens)
                        .thenComparing(ThroughputResult::adapter));
        return out;
    }

    /**
     * Tokens/s of {@code result} divided by tokens/s of the same shape without an adapter (1 for
     * the base model itself; below 1 means the adapter costs throughput), or NaN when no such
     * baseline was measured.
     */
    public static double ratioVsNoAdapter(ThroughputResult result, List<ThroughputResult> all) {
        for (ThroughputResult base : all) {
            if (base.adapter() == AdapterVariant.NONE && base.sameShapeAs(result)) {
                return result.tokensPerSecond() / base.tokensPerSecond();
            }
        }
        return Double.NaN;
    }

    /** A fixed-width text table, one row per result, in {@link #sorted} order. */
    public static String format(List<ThroughputResult> results) {
        List<ThroughputResult> rows = sorted(results);
        StringBuilder out = new StringBuilder();
        String header =
                String.format(
                        Locale.ROOT,
                        "%-11s %-12s %-9s %12s %10s %10s %9s%n",
                        "benchmark",
                        "shape",
                        "adapter",
                        "tokens/s",
                        "± 99.9%",
                        "ms/op",
                        "vs NONE");
        out.append(header);
        out.append("-".repeat(header.length() - System.lineSeparator().length()))
                .append(System.lineSeparator());
        for (ThroughputResult r : rows) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%-11s %-12s %-9s %12.1f %10.1f %10.2f %9.3f%n",
                            r.benchmark(),
                            r.shape(),
                            r.adapter(),
                            r.tokensPerSecond(),
                            r.tokensPerSecondError(),
                            r.millisPerOperation(),
                            ratioVsNoAdapter(r, rows)));
        }
        return out.toString();
    }
}
