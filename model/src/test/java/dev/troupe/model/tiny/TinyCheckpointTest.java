package dev.troupe.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.tiny.TinyCheckpoint.Overwrite;
import dev.troupe.model.tiny.TinyCheckpoint.Spec;
import dev.troupe.model.tokenizer.ChatMessage;
import dev.troupe.model.tokenizer.Tokenizer;
import dev.troupe.tensor.ComputeDevice;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.Tensors;
import dev.troupe.tensor.safetensors.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link TinyCheckpoint} read back through Troupe's normal checkpoint and tokenizer loaders. */
class TinyCheckpointTest {
    private static final String ARITHMETIC =
            "What is 12 + 7?\n<think>12 + 7 = 19\n</think><answer>19</answer>";

    @TempDir Path tmp;

    private Path writeDefault(String name, long seed) {
        return TinyCheckpoint.write(tmp.resolve(name), Spec.DEFAULT, seed);
    }

    @Test
    void shouldHaveOneHundredTokensWithSpecialIdsAfterTheAlphabet() {
        Spec s = Spec.DEFAULT;
        assertEquals(96, s.alphabet().length());
        assertEquals(100, s.vocabSize());
        assertEquals(96, s.unkTokenId());
        assertEquals(97, s.endOfTextTokenId());
        assertEquals(98, s.imStartTokenId());
        assertEquals(99, s.imEndTokenId());
    }

    @Test
    void shouldLoadThroughModelLoaderWithEmbeddingRowsEqualToVocabulary() {
        Path dir = writeDefault("ckpt", 1);
        try (Tokenizer tokenizer = Tokenizer.load(dir);
                DecoderModel model = ModelLoader.load(dir, ComputeDevice.CPU, DType.F32)) {
            assertEquals("qwen2", model.spec().modelType());
            assertEquals(Spec.DEFAULT.vocabSize(), model.spec().vocabSize());
            assertArrayEquals(new long[] {100, 128}, Tensors.shape(model.embedding()));
            assertTrue(model.spec().tieWordEmbeddings());
            assertEquals(4, model.spec().numLayers());
            assertEquals(List.of(), model.unusedCheckpointKeys());

            assertEquals(OptionalInt.of(97), tokenizer.eosTokenId());
            assertEquals(OptionalInt.of(97), tokenizer.padTokenId());
            assertEquals(OptionalInt.empty(), tokenizer.bosTokenId());
            assertEquals(List.of(97, 99), model.spec().eosTokenIds());
            assertEquals(97, model.spec().padTokenId());
            assertEquals(-1, model.spec().bosTokenId());
            // Every id the tokenizer knows has an embedding row, and no row lacks a token.
            assertTrue(tokenizer.idToToken(99).isPresent());
            assertTrue(tokenizer.idToToken(100).isEmpty());
        }
    }

    @Test
    void shouldRoundTripArithmeticTextExactlyOneTokenPerCharacter() {
        Path dir = writeDefault("ckpt", 1);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] ids = tokenizer.encode(ARITHMETIC, true);
            assertEquals(ARITHMETIC.length(), ids.length);
            for (int i = 0; i < ids.length; i++) {
                char c = ARITHMETIC.charAt(i);
                assertEquals(c == '\n' ? 95 : c - 0x20, ids[i], "id of char " + i);
            }
            assertEquals(ARITHMETIC, tokenizer.decode(ids, false));
            assertEquals(ARITHMETIC, tokenizer.decode(ids, true));
            assertArrayEquals(ids, tokenizer.encode(tokenizer.decode(ids, false), false));
        }
    }

    @Test
    void shouldKeepSpacesAndNewlinesNeitherDroppedNorDoubled() {
        Path dir = writeDefault("ckpt", 1);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            for (String text :
                    List.of(
                            " ",
                            "  ",
                            "\n",
                            " leading",
                            "trailing ",
                            "a  b   c",
                            "\n\n x \n",
                            "7 ? , . ! n't 's",
                            Spec.DEFAULT_ALPHABET)) {
                int[] ids = tokenizer.encode(text, false);
                assertEquals(text.length(), ids.length, "token count of '" + text + "'");
                assertEquals(text, tokenizer.decode(ids, false));
            }
        }
    }

    @Test
    void shouldEncodeSpecialTokensAsSingleIds() {
        Path dir = writeDefault("ckpt", 1);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertArrayEquals(new int[] {97}, tokenizer.encode("<|endoftext|>", false));
            assertArrayEquals(new int[] {98}, tokenizer.encode("<|im_start|>", false));
            assertArrayEquals(new int[] {99}, tokenizer.encode("<|im_end|>", false));
            assertEquals(OptionalInt.of(98), tokenizer.tokenToId("<|im_start|>"));

            int[] ids = tokenizer.encode("<|im_start|>hi<|im_end|><|endoftext|>", false);
            assertArrayEquals(new int[] {98, 'h' - 0x20, 'i' - 0x20, 99, 97}, ids);
            assertEquals("<|im_start|>hi<|im_end|><|endoftext|>", tokenizer.decode(ids, false));
            assertEquals("hi", tokenizer.decode(ids, true));
        }
    }

    @Test
    void shouldMapCharactersOutsideTheAlphabetToUnkOneEach() {
        Path dir = writeDefault("ckpt", 1);
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int a = 'a' - 0x20;
            int b = 'b' - 0x20;
            // é, a tab, and an emoji outside the BMP (one code point, two Java chars).
            assertArrayEquals(
                    new int[] {a, 96, 96, 96, 96, b},
                    tokenizer.encode("aé\t\uD83C\uDF89\u00d7b", false));
            assertEquals("a<unk>b", tokenizer.decode(new int[] {a, 96, b}, false));
            // <unk> is not an added token: literal text stays characters, and is never skipped.
            assertEquals(5, tokenizer.encode("<unk>", false).length);
            assertEquals("<unk>", tokenizer.decode(new int[] {96}, true));
        }
    }

    @Test
    void shouldRenderChatMlWithGenerationPrompt() {
        Path dir = writeDefault("ckpt", 1);
        List<ChatMessage> chat = List.of(new ChatMessage("user", "What is 12 + 7?"));
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(
                    "<|im_start|>user\nWhat is 12 + 7?<|im_end|>\n<|im_start|>assistant\n",
                    tokenizer.applyChatTemplate(chat, true));
            assertEquals(
                    "<|im_start|>system\nBe brief.<|im_end|>\n"
                            + "<|im_start|>user\nhi<|im_end|>\n"
                            + "<|im_start|>assistant\n19<|im_end|>\n",
                    tokenizer.applyChatTemplate(
                            List.of(
                                    new ChatMessage("system", "Be brief."),
                                    new ChatMessage("user", "hi"),
                                    new ChatMessage("assistant", "19")),
                            false));
            int[] ids = tokenizer.encodeChat(chat, true);
            assertEquals(98, ids[0]);
            // <|im_start|> user \n + 15 chars + <|im_end|> \n <|im_start|> assistant \n
            assertEquals(1 + 4 + 1 + 15 + 1 + 1 + 1 + 9 + 1, ids.length);
            assertEquals(2, Arrays.stream(ids).filter(id -> id == 98).count());
            assertEquals(1, Arrays.stream(ids).filter(id -> id == 99).count());
        }
    }

    @Test
    void shouldWriteBitIdenticalWeightsForTheSameSeedAndOthersForAnother() throws IOException {
        Path first = writeDefault("a", 42);
        Path again = writeDefault("b", 42);
        Path other = writeDefault("c", 43);
        Path weights = Path.of("model.safetensors");
        assertEquals(-1, Files.mismatch(first.resolve(weights), again.resolve(weights)));
        assertNotEquals(-1, Files.mismatch(first.resolve(weights), other.resolve(weights)));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            assertEquals(-1, Files.mismatch(first.resolve(f), other.resolve(f)), f);
        }
    }

    @Test
    void shouldGiveFiniteLogitsOfVocabularyWidth() {
        Path dir = writeDefault("ckpt", 7);
        try (Tokenizer tokenizer = Tokenizer.load(dir);
                DecoderModel model = ModelLoader.load(dir, ComputeDevice.CPU, DType.F32);
                PointerScope scope = new PointerScope()) {
            int[] ids = tokenizer.encode(ARITHMETIC, false);
            long[] longs = Arrays.stream(ids).asLongStream().toArray();
            // (1, T) int64 token ids
            Tensor input = Tensors.fromLongs(longs, 1, longs.length);
            // (1, T, vocab) fp32
            Tensor logits = model.forward(input, null, null, null, LoraLookup.NONE, false);
            assertArrayEquals(new long[] {1, ids.length, 100}, Tensors.shape(logits));
            float[] values = Tensors.toFloats(logits);
            for (float v : values) {
                assertTrue(Float.isFinite(v), "non-finite logit " + v);
            }
            // A random model with initializer_range 0.1 is not degenerate: logits vary.
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertTrue(max - min > 1e-3, "logits are constant");
        }
    }

    @Test
    void shouldWriteASmallerVocabularyForACustomAlphabet() {
        Spec spec = new Spec(32, 64, 1, 2, 1, 64, 0.02, 10_000.0, "01+= \n");
        Path dir = TinyCheckpoint.write(tmp.resolve("digits"), spec, 3);
        try (Tokenizer tokenizer = Tokenizer.load(dir);
                DecoderModel model = ModelLoader.load(dir, ComputeDevice.CPU, DType.F32)) {
            assertEquals(10, spec.vocabSize());
            assertEquals(10, model.spec().vocabSize());
            assertEquals(1, model.spec().numKvHeads());
            assertArrayEquals(new int[] {1, 0, 4, 2, 4, 1, 5}, tokenizer.encode("10 + 1\n", false));
            assertArrayEquals(new int[] {0, 6, 1}, tokenizer.encode("0x1", false));
            assertArrayEquals(new int[] {8}, tokenizer.encode("<|im_start|>", false));
        }
    }

    @Test
    void shouldRejectBadSpecsNamingTheKey() {
        String abc = Spec.DEFAULT_ALPHABET;
        assertRejected("hidden_size must be > 0", () -> spec(0, 4, 4, abc));
        assertRejected("num_attention_heads must be > 0", () -> spec(128, 0, 4, abc));
        assertRejected(
                "hidden_size (130) must be a multiple of num_attention_heads (4)",
                () -> spec(130, 4, 4, abc));
        assertRejected("must be even for RoPE", () -> spec(12, 4, 4, abc));
        assertRejected(
                "num_attention_heads (4) must be a multiple of num_key_value_heads (3)",
                () -> spec(128, 4, 3, abc));
        assertRejected("alphabet must not be empty", () -> spec(128, 4, 4, ""));
        assertRejected("alphabet must not be empty", () -> spec(128, 4, 4, null));
        assertRejected("alphabet repeats U+0061 'a'", () -> spec(128, 4, 4, "abca"));
        assertRejected("lone surrogate U+D83C", () -> spec(128, 4, 4, "a\uD83C"));
        assertRejected(
                "max_position_embeddings must be > 0",
                () -> new Spec(128, 256, 4, 4, 4, 0, 0.1, 1e4, abc));
        assertRejected(
                "initializer_range must be finite and > 0",
                () -> new Spec(128, 256, 4, 4, 4, 256, Double.NaN, 1e4, abc));
        assertRejected(
                "rope_theta must be finite and > 0",
                () -> new Spec(128, 256, 4, 4, 4, 256, 0.1, 0, abc));
    }

    private static Spec spec(int hidden, int heads, int kvHeads, String alphabet) {
        return new Spec(hidden, 256, 4, heads, kvHeads, 256, 0.1, 10_000.0, alphabet);
    }

    private static void assertRejected(String expected, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(
                e.getMessage().contains(expected),
                "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void shouldReplaceAnEarlierTinyCheckpointAndLeaveNoStagingFolders() throws IOException {
        Path dir = writeDefault("ckpt", 1);
        Files.writeString(dir.resolve("stale.txt"), "from before");
        TinyCheckpoint.write(dir, Spec.DEFAULT, 2);
        assertFalse(Files.exists(dir.resolve("stale.txt")));
        assertTrue(TinyCheckpoint.isTinyCheckpoint(dir));
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of(dir), siblings.toList());
        }
    }

    @Test
    void shouldWriteIntoAnEmptyFolder() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("empty"));
        TinyCheckpoint.write(dir, Spec.DEFAULT, 1);
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
    }

    @Test
    void shouldRefuseToReplaceAForeignFolderUnlessAsked() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("mine"));
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> TinyCheckpoint.write(dir, Spec.DEFAULT, 1));
        assertTrue(e.getMessage().contains("not written by TinyCheckpoint"), e.getMessage());
        assertEquals("keep me", Files.readString(dir.resolve("notes.txt")));
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of(dir), siblings.toList());
        }

        TinyCheckpoint.write(dir, Spec.DEFAULT, 1, Overwrite.ANY_FOLDER);
        assertFalse(Files.exists(dir.resolve("notes.txt")));
        assertTrue(TinyCheckpoint.isTinyCheckpoint(dir));
    }

    @Test
    void shouldRefuseAFileInThePlaceOfTheFolder() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> TinyCheckpoint.write(file, Spec.DEFAULT, 1, Overwrite.ANY_FOLDER));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
    }
}
