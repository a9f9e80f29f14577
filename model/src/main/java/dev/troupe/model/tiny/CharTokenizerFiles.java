package dev.troupe.model.tiny;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Hugging Face tokenizer files of a character-level tokenizer, for {@link TinyCheckpoint}.
 *
 * <p>The model is a BPE without merges: each character of the alphabet is a token of its own, and
 * since there is no pre-tokenizer, nothing splits on or rewrites spaces. A character outside the
 * alphabet becomes {@code <unk>} (one per character, {@code fuse_unk} off) rather than vanishing,
 * as a BPE without {@code unk_token} would let it; {@code <unk>} lives in the model's vocabulary,
 * not among the added tokens, so a literal "&lt;unk&gt;" in text stays five characters and is not
 * skipped as special on decode. The {@code Fuse} decoder joins tokens with nothing between them;
 * without a decoder the tokenizers library would join them with spaces.
 */
final class CharTokenizerFiles {
    static final String UNK = "<unk>";
    static final String END_OF_TEXT = "<|endoftext|>";
    static final String IM_START = "<|im_start|>";
    static final String IM_END = "<|im_end|>";

    /** ChatML as Qwen2.5 writes it, without tools and without a default system message. */
    static final String CHAT_TEMPLATE =
            "{%- for message in messages %}"
                    + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content']"
                    + " + '<|im_end|>' + '\\n' }}"
                    + "{%- endfor %}"
                    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CharTokenizerFiles() {}

    /**
     * @throws IllegalArgumentException if the alphabet is null, empty, has a lone surrogate or
     *     repeats a character
     */
    static void checkAlphabet(String alphabet) {
        if (alphabet == null || alphabet.isEmpty()) {
            throw new IllegalArgumentException("alphabet must not be empty");
        }
        Set<Integer> seen = new LinkedHashSet<>();
        Set<String> repeated = new TreeSet<>();
        for (int cp : alphabet.codePoints().toArray()) {
            if (Character.isSurrogate((char) cp) && Character.isBmpCodePoint(cp)) {
                throw new IllegalArgumentException(
                        "alphabet has a lone surrogate U+" + Integer.toHexString(cp).toUpperCase());
            }
            if (!seen.add(cp)) {
                repeated.add(describe(cp));
            }
        }
        if (!repeated.isEmpty()) {
            throw new IllegalArgumentException(
                    "alphabet repeats " + String.join(", ", repeated) + "; each must occur once");
        }
    }

    private static String describe(int cp) {
        return String.format("U+%04X '%s'", cp, new String(Character.toChars(cp)));
    }

    /** Tokens of the alphabet: one per code point. */
    static int alphabetSize(String alphabet) {
        return alphabet.codePointCount(0, alphabet.length());
    }

    static int unkId(String alphabet) {
        return alphabetSize(alphabet);
    }

    static int vocabSize(String alphabet) {
        return alphabetSize(alphabet) + 4;
    }

    /** {@code tokenizer.json}: ids in the order of {@link TinyCheckpoint}'s Javadoc. */
    static ObjectNode tokenizerJson(String alphabet) {
        int unk = unkId(alphabet);
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        addSpecial(added, unk + 1, END_OF_TEXT);
        addSpecial(added, unk + 2, IM_START);
        addSpecial(added, unk + 3, IM_END);
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", UNK);
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (int cp : alphabet.codePoints().toArray()) {
            vocab.put(new String(Character.toChars(cp)), id++);
        }
        vocab.put(UNK, unk);
        model.putArray("merges");
        return root;
    }

    private static void addSpecial(ArrayNode added, int id, String content) {
        added.addObject()
                .put("id", id)
                .put("content", content)
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
    }

    /** {@code tokenizer_config.json}: special tokens and the chat template. */
    static ObjectNode tokenizerConfig(int modelMaxLength) {
        ObjectNode c = NODES.objectNode();
        // The generic class: transformers then uses tokenizer.json as it is, where a model
        // class (Qwen2Tokenizer) might rebuild a byte-level pipeline.
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.putNull("bos_token");
        c.put("eos_token", END_OF_TEXT);
        c.put("pad_token", END_OF_TEXT);
        c.put("unk_token", UNK);
        c.putArray("additional_special_tokens").add(IM_START).add(IM_END);
        // Clean-up would turn "7 ?" into "7?" and break the exact round trip.
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", modelMaxLength);
        c.put("split_special_tokens", false);
        c.put("chat_template", CHAT_TEMPLATE);
        return c;
    }
}
