package dev.troupe.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputTableTest {

    @Test
    void shouldCountPrefillTokensAsBatchTimesPromptLength() {
        ThroughputResult r = ThroughputResult.prefill(8, 128, AdapterVariant.NONE, 2.0, 0.5);
        assertEquals(8 * 128 * 2.0, r.tokensPerSecond());
        assertEquals(8 * 128 * 0.5, r.tokensPerSecondError());
        assertEquals(500.0, r.millisPerOperation());
    }

    @Test
    void shouldCountOneTokenPerSequenceForADecodeStep() {
        ThroughputResult r = ThroughputResult.decodeStep(8, 128, AdapterVariant.NONE, 50.0, 1.0);
        assertEquals(400.0, r.tokensPerSecond());
    }

    @Test
    void shouldRateAdapterAgainstBaseModelOfTheSameShape() {
        ThroughputResult base1 = ThroughputResult.decodeStep(1, 128, AdapterVariant.NONE, 100, 0);
        ThroughputResult base8 = ThroughputResult.decodeStep(8, 128, AdapterVariant.NONE, 50, 0);
        ThroughputResult lora8 =
                ThroughputResult.decodeStep(8, 128, AdapterVariant.LORA_R16, 40, 0);
        List<ThroughputResult> all = List.of(lora8, base1, base8);
        assertEquals(0.8, ThroughputTable.ratioVsNoAdapter(lora8, all), 1e-12);
        assertEquals(1.0, ThroughputTable.ratioVsNoAdapter(base8, all), 1e-12);
    }

    @Test
    void shouldGiveNanRatioWithoutABaseline() {
        ThroughputResult lora = ThroughputResult.prefill(1, 128, AdapterVariant.LORA_R16, 10, 0);
        ThroughputResult otherShape = ThroughputResult.prefill(8, 128, AdapterVariant.NONE, 10, 0);
        assertTrue(Double.isNaN(ThroughputTable.ratioVsNoAdapter(lora, List.of(lora, otherShape))));
    }

    @Test
    void shouldListPrefillBeforeDecodeAndBaseBeforeAdapter() {
        ThroughputResult decode = ThroughputResult.decodeStep(1, 128, AdapterVariant.NONE, 1, 0);
        ThroughputResult lora = ThroughputResult.prefill(1, 128, AdapterVariant.LORA_R16, 1, 0);
        ThroughputResult base = ThroughputResult.prefill(1, 128, AdapterVariant.NONE, 1, 0);
        assertEquals(
                List.of(base, lora, decode), ThroughputTable.sorted(List.of(decode, lora, base)));
    }

    @Test
    void shouldPrintOneLinePerResultUnderAHeader() {
        String table =
                ThroughputTable.format(
                        List.of(
                                ThroughputResult.prefill(8, 128, AdapterVariant.NONE, 2, 0),
                                ThroughputResult.prefill(8, 128, AdapterVariant.LORA_R16, 1, 0)));
        String[] lines = table.split(System.lineSeparator());
        assertEquals(4, lines.length);
        assertTrue(lines[2].contains("B=8 T=128") && lines[2].contains("2048.0"), lines[2]);
        assertTrue(lines[3].contains("LORA_R16") && lines[3].contains("0.500"), lines[3]);
    }
}
