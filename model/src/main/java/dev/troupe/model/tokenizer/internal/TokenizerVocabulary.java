package dev.troupe.model.tokenizer.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The token-to-id table of a {@code tokenizer.json}: the model's vocabulary plus its added tokens,
 * which is what Hugging Face's {@code convert_tokens_to_ids}/{@code convert_ids_to_tokens} look up.
 * DJL's tokenizer does not expose it, so it is read here, streaming past the large {@code merges}.
 *
 * <p>BPE, WordPiece and WordLevel models keep {@code "vocab": {"token": id}}; Unigram keeps {@code
 * "vocab": [["token", score], ...]}, where a token's id is its index. An added token's id is the
 * one in {@code added_tokens}, which the tokenizers library writes from its own table.
 */
public final class TokenizerVocabulary {

    private final Map<String, Integer> ids;
    private final String[] tokens;
    private final Optional<String> modelType;

    private TokenizerVocabulary(
            Map<String, Integer> ids, String[] tokens, Optional<String> modelType) {
        this.ids = Collections.unmodifiableMap(ids);
        this.tokens = tokens;
        this.modelType = modelType;
    }

    /** The model's {@code type} ({@code BPE}, {@code Unigram}, ...), if the file names it. */
    public Optional<String> modelType() {
        return modelType;
    }

    /** The id of a token as written in the vocabulary (e.g. {@code "Ġhello"}), if present. */
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token with this id, if there is one. */
    public Optional<String> token(int id) {
        return id >= 0 && id < tokens.length ? Optional.ofNullable(tokens[id]) : Optional.empty();
    }

    /**
     * Reads the vocabulary of a {@code tokenizer.json}.
     *
     * @throws IOException if the text is not JSON or its {@code model.vocab} or {@code
     *     added_tokens} have an unexpected shape; the message says which
     */
    public static TokenizerVocabulary parse(String json) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        String modelType = null;
        boolean sawVocab = false;
        try (JsonParser p = new JsonFactory().createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the file");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("model") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String modelField = p.currentName();
                        JsonToken modelValue = p.nextToken();
                        if (modelField.equals("type") && modelValue == JsonToken.VALUE_STRING) {
                            modelType = p.getText();
                        } else if (modelField.equals("vocab")) {
                            readVocab(p, modelValue, ids);
                            sawVocab = true;
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                    readAddedTokens(p, ids);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (!sawVocab) {
            throw new IOException("no model.vocab");
        }
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] tokens = new String[size];
        ids.forEach((token, id) -> tokens[id] = token);
        return new TokenizerVocabulary(ids, tokens, Optional.ofNullable(modelType));
    }

    private static void readVocab(JsonParser p, JsonToken start, Map<String, Integer> ids)
            throws IOException {
        if (start == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT, "model.vocab[\"" + token + "\"]");
                ids.put(token, id(p, "model.vocab[\"" + token + "\"]"));
            }
        } else if (start == JsonToken.START_ARRAY) {
            int index = 0;
            while (p.nextToken() == JsonToken.START_ARRAY) {
                expect(p.nextToken(), JsonToken.VALUE_STRING, "model.vocab[" + index + "][0]");
                ids.put(p.getText(), index);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                }
                index++;
            }
        } else {
            throw new IOException("model.vocab must be an object or a list, not " + start);
        }
    }

    private static void readAddedTokens(JsonParser p, Map<String, Integer> ids) throws IOException {
        int index = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String content = null;
            Integer id = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("content") && value == JsonToken.VALUE_STRING) {
                    content = p.getText();
                } else if (field.equals("id") && value == JsonToken.VALUE_NUMBER_INT) {
                    id = id(p, "added_tokens[" + index + "].id");
                } else {
                    p.skipChildren();
                }
            }
            if (content == null || id == null) {
                throw new IOException(
                        "added_tokens[" + index + "] needs a string content and an int id");
            }
            ids.put(content, id);
            index++;
        }
    }

    private static int id(JsonParser p, String where) throws IOException {
        long id = p.getLongValue();
        if (id < 0 || id > Integer.MAX_VALUE - 1) {
            throw new IOException(where + " is not a valid token id: " + id);
        }
        return (int) id;
    }

    private static void expect(JsonToken actual, JsonToken expected, String where)
            throws IOException {
        if (actual != expected) {
            throw new IOException(where + ": expected " + expected + " but found " + actual);
        }
    }

    @Override
    public String toString() {
        return "TokenizerVocabulary["
                + ids.size()
                + " tokens, model "
                + modelType.orElse("?")
                + "]";
    }
}
