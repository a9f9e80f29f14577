package dev.troupe.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.model.Folders;
import dev.troupe.model.RandomModels;
import dev.troupe.tensor.DType;
import dev.troupe.tensor.safetensors.CheckpointException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Writes a tiny Qwen2 checkpoint with random weights and a character-level tokenizer: a Hugging
 * Face folder that {@link dev.troupe.model.ModelLoader#load} and {@link
 * dev.troupe.model.tokenizer.Tokenizer#load} (or transformers) read like a downloaded model. The
 * embedded quickstart trains it from scratch, so its tokenizer is one token per character: any text
 * over the alphabet round-trips exactly, and the model has a vocabulary small enough to learn in
 * minutes.
 *
 * <p>Files written:
 *
 * <ul>
 *   <li>{@code config.json}: {@code model_type} qwen2, sizes from the {@link Spec}, tied
 *       embeddings, {@code vocab_size} equal to the tokenizer's size, {@code eos_token_id} listing
 *       {@code <|endoftext|>} and {@code <|im_end|>} (so generation stops at the end of a plain
 *       text or of a chat turn), {@code pad_token_id} {@code <|endoftext|>}, no BOS.
 *   <li>{@code model.safetensors}: fp32 weights from {@link RandomModels#writeCheckpoint}, seeded.
 *   <li>{@code tokenizer.json}: a BPE without merges over the alphabet's characters, ids 0 to n-1
 *       in alphabet order; then {@code <unk>} (n), which every other character encodes to; then the
 *       added special tokens {@code <|endoftext|>} (n+1), {@code <|im_start|>} (n+2) and {@code
 *       <|im_end|>} (n+3). No normalizer, no pre-tokenizer, no post-processor (no BOS added), and a
 *       {@code Fuse} decoder that concatenates tokens. With the default alphabet the vocabulary has
 *       100 tokens: {@code <unk>} 96, {@code <|endoftext|>} 97, {@code <|im_start|>} 98, {@code
 *       <|im_end|>} 99.
 *   <li>{@code tokenizer_config.json}: special tokens and a ChatML chat template.
 *   <li>{@code tiny_checkpoint.json}: the spec and seed, which marks the folder as ours.
 * </ul>
 *
 * <p>The folder is built in a hidden temporary sibling and renamed into place, so a folder named
 * {@code dir} is always complete. An existing non-empty {@code dir} is replaced only if it is an
 * earlier output of this class, unless {@link Overwrite#ANY_FOLDER} is given.
 */
public final class TinyCheckpoint {
    /** The file that marks a folder as written by this class. */
    public static final String MARKER_FILE = "tiny_checkpoint.json";

    private static final String MARKER_FORMAT = "troupe-tiny-checkpoint";
    private static final int MARKER_VERSION = 1;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TinyCheckpoint() {}

    /** What may be replaced when the target folder exists and is not empty. */
    public enum Overwrite {
        /** Only an earlier output of this class (a folder holding {@value #MARKER_FILE}). */
        TINY_CHECKPOINT,
        /** Any folder: its contents are deleted. */
        ANY_FOLDER
    }

    /**
     * The sizes of a tiny Qwen2 and the characters of its tokenizer.
     *
     * @param hiddenSize {@code hidden_size}
     * @param intermediateSize {@code intermediate_size} of the SwiGLU MLP
     * @param numLayers {@code num_hidden_layers}
     * @param numHeads {@code num_attention_heads}; must divide {@code hiddenSize} into an even head
     *     dimension (RoPE rotates pairs)
     * @param numKvHeads {@code num_key_value_heads}; must divide {@code numHeads}
     * @param maxPositions {@code max_position_embeddings}, also the tokenizer's {@code
     *     model_max_length}
     * @param initializerRange {@code initializer_range}: the std of the random matrices
     * @param ropeTheta {@code rope_theta}
     * @param alphabet the tokenizer's characters (Unicode code points), one token each, in id
     *     order; no duplicates
     */
    public record Spec(
            int hiddenSize,
            int intermediateSize,
            int numLayers,
            int numHeads,
            int numKvHeads,
            int maxPositions,
            double initializerRange,
            double ropeTheta,
            String alphabet) {

        /** Printable ASCII (0x20 to 0x7E) then {@code "\n"}: ids 0 to 95, a char's id c - 32. */
        public static final String DEFAULT_ALPHABET = defaultAlphabet();

        /** The quickstart's model: about 0.67 M parameters, 2.7 MB in fp32. */
        public static final Spec DEFAULT =
                new Spec(128, 256, 4, 4, 4, 256, 0.1, 10_000.0, DEFAULT_ALPHABET);

        /**
         * @throws IllegalArgumentException naming the HF key of the first bad value
         */
        public Spec {
            positive("hidden_size", hiddenSize);
            positive("intermediate_size", intermediateSize);
            positive("num_hidden_layers", numLayers);
            positive("num_attention_heads", numHeads);
            positive("num_key_value_heads", numKvHeads);
            positive("max_position_embeddings", maxPositions);
            if (hiddenSize % numHeads != 0) {
                throw new IllegalArgumentException(
                        "hidden_size ("
                                + hiddenSize
                                + ") must be a multiple of num_attention_heads ("
                                + numHeads
                                + ")");
            }
            if ((hiddenSize / numHeads) % 2 != 0) {
                throw new IllegalArgumentException(
                        "head dimension hidden_size / num_attention_heads ("
                                + hiddenSize / numHeads
                                + ") must be even for RoPE");
            }
            if (numHeads % numKvHeads != 0) {
                throw new IllegalArgumentException(
                        "num_attention_heads ("
                                + numHeads
                                + ") must be a multiple of num_key_value_heads ("
                                + numKvHeads
                                + ")");
            }
            if (!(initializerRange > 0) || Double.isInfinite(initializerRange)) {
                throw new IllegalArgumentException(
                        "initializer_range must be finite and > 0, got " + initializerRange);
            }
            if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
                throw new IllegalArgumentException(
                        "rope_theta must be finite and > 0, got " + ropeTheta);
            }
            CharTokenizerFiles.checkAlphabet(alphabet);
        }

        /** Tokens in the tokenizer and rows in the embedding: the alphabet plus 4 special. */
        public int vocabSize() {
            return CharTokenizerFiles.vocabSize(alphabet);
        }

        /** The id of {@code <unk>}, which every character outside the alphabet encodes to. */
        public int unkTokenId() {
            return CharTokenizerFiles.unkId(alphabet);
        }

        /** The id of {@code <|endoftext|>}: EOS and padding. */
        public int endOfTextTokenId() {
            return unkTokenId() + 1;
        }

        /** The id of {@code <|im_start|>}. */
        public int imStartTokenId() {
            return unkTokenId() + 2;
        }

        /** The id of {@code <|im_end|>}. */
        public int imEndTokenId() {
            return unkTokenId() + 3;
        }

        private static void positive(String key, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(key + " must be > 0, got " + value);
            }
        }

        private static String defaultAlphabet() {
            StringBuilder sb = new StringBuilder();
            for (char c = 0x20; c <= 0x7E; c++) {
                sb.append(c);
            }
            return sb.append('\n').toString();
        }
    }

    /**
     * Writes the checkpoint, replacing an earlier output of this class at {@code dir}.
     *
     * @return {@code dir}
     * @throws CheckpointException if {@code dir} is a file or a non-empty folder not written by
     *     this class, or cannot be written
     */
    public static Path write(Path dir, Spec spec, long seed) {
        return write(dir, spec, seed, Overwrite.TINY_CHECKPOINT);
    }

    /**
     * Writes the checkpoint.
     *
     * @param overwrite what an existing non-empty {@code dir} may be
     * @return {@code dir}
     * @throws CheckpointException if {@code dir} is a file, or a non-empty folder that {@code
     *     overwrite} does not allow to replace, or cannot be written
     */
    public static Path write(Path dir, Spec spec, long seed, Overwrite overwrite) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(overwrite, "overwrite");
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new CheckpointException(dir, "cannot write a checkpoint at the root");
        }
        checkReplaceable(target, overwrite);
        Path staging = null;
        try {
            Files.createDirectories(parent);
            staging = Files.createDirectory(sibling(target, "tmp"));
            writeFiles(staging, spec, seed);
            install(staging, target, overwrite);
            staging = null;
        } catch (IOException e) {
            throw new CheckpointException(
                    dir, "cannot write tiny checkpoint: " + e.getMessage(), e);
        } finally {
            if (staging != null) {
                deleteQuietly(staging);
            }
        }
        return dir;
    }

    /** The config.json of a spec, as written. */
    public static ObjectNode config(Spec spec) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2");
        c.put("vocab_size", spec.vocabSize());
        c.put("hidden_size", spec.hiddenSize());
        c.put("intermediate_size", spec.intermediateSize());
        c.put("num_hidden_layers", spec.numLayers());
        c.put("num_attention_heads", spec.numHeads());
        c.put("num_key_value_heads", spec.numKvHeads());
        c.put("max_position_embeddings", spec.maxPositions());
        c.put("initializer_range", spec.initializerRange());
        c.put("rope_theta", spec.ropeTheta());
        c.put("rms_norm_eps", 1e-6);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", true);
        c.put("use_sliding_window", false);
        c.put("max_window_layers", spec.numLayers());
        c.put("attention_dropout", 0.0);
        c.put("use_cache", true);
        c.put("torch_dtype", "float32");
        // No BOS, as Qwen2.5: prompts start with their first character or <|im_start|>.
        c.putNull("bos_token_id");
        c.putArray("eos_token_id").add(spec.endOfTextTokenId()).add(spec.imEndTokenId());
        c.put("pad_token_id", spec.endOfTextTokenId());
        return c;
    }

    private static void writeFiles(Path folder, Spec spec, long seed) throws IOException {
        // fp32 on disk: the model is small, and the CPU path maps it without a copy.
        RandomModels.writeCheckpoint(folder, config(spec), seed, DType.F32);
        JSON.writeValue(
                folder.resolve("tokenizer.json").toFile(),
                CharTokenizerFiles.tokenizerJson(spec.alphabet()));
        JSON.writeValue(
                folder.resolve("tokenizer_config.json").toFile(),
                CharTokenizerFiles.tokenizerConfig(spec.maxPositions()));
        JSON.writeValue(folder.resolve(MARKER_FILE).toFile(), marker(spec, seed));
    }

    private static ObjectNode marker(Spec spec, long seed) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", MARKER_FORMAT);
        m.put("version", MARKER_VERSION);
        m.put("seed", seed);
        ObjectNode s = m.putObject("spec");
        s.put("hidden_size", spec.hiddenSize());
        s.put("intermediate_size", spec.intermediateSize());
        s.put("num_hidden_layers", spec.numLayers());
        s.put("num_attention_heads", spec.numHeads());
        s.put("num_key_value_heads", spec.numKvHeads());
        s.put("max_position_embeddings", spec.maxPositions());
        s.put("initializer_range", spec.initializerRange());
        s.put("rope_theta", spec.ropeTheta());
        s.put("alphabet", spec.alphabet());
        return m;
    }

    /** Whether {@code folder} holds this class's marker file. */
    public static boolean isTinyCheckpoint(Path folder) {
        Path marker = folder.resolve(MARKER_FILE);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        try {
            JsonNode m = JSON.readTree(marker.toFile());
            return m != null && MARKER_FORMAT.equals(m.path("format").asText());
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkReplaceable(Path target, Overwrite overwrite) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new CheckpointException(target, "exists and is not a folder");
        }
        if (overwrite == Overwrite.TINY_CHECKPOINT
                && !isEmptyFolder(target)
                && !isTinyCheckpoint(target)) {
            throw new CheckpointException(
                    target,
                    "not empty and not written by TinyCheckpoint (no "
                            + MARKER_FILE
                            + "); pass Overwrite.ANY_FOLDER to replace it anyway");
        }
    }

    /**
     * Renames the finished folder into place. A non-empty target is first renamed aside and deleted
     * afterwards, so {@code target} is either absent or complete at every moment.
     */
    private static void install(Path staging, Path target, Overwrite overwrite) throws IOException {
        checkReplaceable(target, overwrite);
        Path old = null;
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            if (isEmptyFolder(target)) {
                Files.delete(target);
            } else {
                old = sibling(target, "old");
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteQuietly(old);
        }
    }

    /**
     * A hidden, unused name beside {@code target}. Not {@code Files.createTempDirectory}, whose
     * folder is private (0700) where the checkpoint should get the umask's permissions.
     */
    private static Path sibling(Path target, String kind) {
        return target.resolveSibling(
                "."
                        + target.getFileName()
                        + "."
                        + kind
                        + "-"
                        + ProcessHandle.current().pid()
                        + "-"
                        + System.nanoTime());
    }

    private static boolean isEmptyFolder(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new CheckpointException(dir, "cannot be listed: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Folders.deleteTree(dir);
        } catch (IOException e) {
            // A leftover hidden sibling wastes space but is never mistaken for the checkpoint.
        }
    }
}
