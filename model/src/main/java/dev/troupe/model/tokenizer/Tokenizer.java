package dev.troupe.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.model.tokenizer.internal.TokenizerVocabulary;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * A Hugging Face tokenizer loaded from a checkpoint folder: {@code tokenizer.json} through DJL's
 * binding of the Rust {@code tokenizers} library, and the chat template and special tokens of
 * {@code tokenizer_config.json} (or {@code chat_template.jinja}), rendered by {@link ChatTemplate}.
 *
 * <p>It follows transformers 5's {@code TokenizersBackend}:
 *
 * <ul>
 *   <li>{@link #encode} with {@code addSpecialTokens} applies {@code tokenizer.json}'s
 *       post-processor; truncation and padding are off. {@code add_bos_token}/{@code add_eos_token}
 *       in {@code tokenizer_config.json} are ignored, as transformers 5 drops them whenever {@code
 *       tokenizer.json} exists ({@code tokenization_utils_base.py}).
 *   <li>{@link #encodeChat} tokenizes the rendered prompt without adding special tokens, as {@code
 *       apply_chat_template(..., tokenize=True)} does: the template writes BOS itself.
 *   <li>{@link #decode} applies {@code clean_up_tokenization_spaces} when the config asks for it,
 *       except for BPE models, which transformers 5 exempts.
 *   <li>Chat templates: {@code chat_template.jinja} and {@code additional_chat_templates/*.jinja}
 *       win over {@code tokenizer_config.json}'s {@code chat_template}, which may be a string or a
 *       list of {@code {"name", "template"}}. With several, {@code tool_use} is used when {@code
 *       tools} are passed and {@code default} otherwise. The template gets the special tokens that
 *       are set ({@code bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code
 *       pad_token}, {@code cls_token}, {@code mask_token}) under the caller's variables.
 * </ul>
 *
 * <p>Nothing is ever downloaded: the tokenizer is built from the local file's text, and DJL is put
 * in offline mode (system property {@code ai.djl.offline}, unless already set), which also keeps it
 * from fetching a CUDA build of its native library and from its telemetry call.
 *
 * <p>Encoding and decoding are thread-safe. Close the tokenizer to free its native memory.
 */
public final class Tokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> SPECIAL_TOKEN_KEYS =
            List.of(
                    "bos_token",
                    "eos_token",
                    "unk_token",
                    "sep_token",
                    "pad_token",
                    "cls_token",
                    "mask_token");

    /** transformers' {@code clean_up_tokenization}: spaces before punctuation and contractions. */
    private static final String[][] CLEAN_UP = {
        {" .", "."},
        {" ?", "?"},
        {" !", "!"},
        {" ,", ","},
        {" ' ", "'"},
        {" n't", "n't"},
        {" 'm", "'m"},
        {" 's", "'s"},
        {" 've", "'ve"},
        {" 're", "'re"}
    };

    private final Path directory;
    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerVocabulary vocabulary;
    private final Map<String, String> specialTokens;
    private final boolean cleanUpTokenizationSpaces;
    private final Path configFile;
    private final Map<String, TemplateSlot> chatTemplates;

    /** A compiled template, or why it could not be compiled (reported when it is used). */
    private record TemplateSlot(ChatTemplate template, ChatTemplateException error) {
        ChatTemplate get() {
            if (error != null) {
                throw error;
            }
            return template;
        }
    }

    private Tokenizer(
            Path directory,
            HuggingFaceTokenizer tokenizer,
            TokenizerVocabulary vocabulary,
            Map<String, String> specialTokens,
            boolean cleanUpTokenizationSpaces,
            Path configFile,
            Map<String, TemplateSlot> chatTemplates) {
        this.directory = directory;
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.specialTokens = specialTokens;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
        this.configFile = configFile;
        this.chatTemplates = chatTemplates;
    }

    /**
     * Loads the tokenizer of a checkpoint folder.
     *
     * @param directory the folder holding {@code tokenizer.json} and, optionally, {@code
     *     tokenizer_config.json}, {@code chat_template.jinja} and {@code
     *     additional_chat_templates/}
     * @throws TokenizerException if a file is missing, unreadable or malformed; the message names
     *     the file and the problem. A chat template that cannot be compiled does not fail the load;
     *     it fails {@link #applyChatTemplate}.
     */
    public static Tokenizer load(Path directory) {
        Objects.requireNonNull(directory, "directory");
        if (!Files.isDirectory(directory)) {
            throw new TokenizerException(
                    directory, "not a folder; pass the checkpoint folder holding tokenizer.json");
        }
        Path tokenizerFile = directory.resolve("tokenizer.json");
        String tokenizerJson = readText(tokenizerFile, true);
        TokenizerVocabulary vocabulary;
        try {
            vocabulary = TokenizerVocabulary.parse(tokenizerJson);
        } catch (IOException e) {
            throw new TokenizerException(
                    tokenizerFile, "not a Hugging Face tokenizer file: " + e.getMessage(), e);
        }

        Path configFile = directory.resolve("tokenizer_config.json");
        String configText = readText(configFile, false);
        JsonNode config = configText == null ? null : parseObject(configFile, configText);
        Map<String, String> specialTokens = new LinkedHashMap<>();
        boolean cleanUp = false;
        Map<String, String> templateSources = new TreeMap<>();
        Map<String, String> templateNames = new TreeMap<>();
        if (config != null) {
            for (String key : SPECIAL_TOKEN_KEYS) {
                tokenString(configFile, config, key).ifPresent(t -> specialTokens.put(key, t));
            }
            JsonNode cleanUpNode = config.get("clean_up_tokenization_spaces");
            if (cleanUpNode != null && !cleanUpNode.isNull()) {
                if (!cleanUpNode.isBoolean()) {
                    throw new TokenizerException(
                            configFile, "key 'clean_up_tokenization_spaces' must be true or false");
                }
                cleanUp = cleanUpNode.booleanValue();
            }
            readConfigTemplates(configFile, config, templateSources, templateNames);
        }
        readTemplateFiles(directory, templateSources, templateNames);

        Map<String, TemplateSlot> chatTemplates = new TreeMap<>();
        templateSources.forEach(
                (name, source) -> {
                    String sourceName = templateNames.get(name);
                    try {
                        chatTemplates.put(
                                name,
                                new TemplateSlot(ChatTemplate.compile(source, sourceName), null));
                    } catch (ChatTemplateException e) {
                        chatTemplates.put(name, new TemplateSlot(null, e));
                    }
                });

        HuggingFaceTokenizer backend = newNativeTokenizer(tokenizerFile, tokenizerJson);
        return new Tokenizer(
                directory,
                backend,
                vocabulary,
                Collections.unmodifiableMap(specialTokens),
                cleanUp,
                configFile,
                Collections.unmodifiableMap(chatTemplates));
    }

    private static HuggingFaceTokenizer newNativeTokenizer(Path file, String json) {
        // DJL would otherwise fetch a CUDA build of its native library on a GPU machine, and
        // call home; offline mode keeps it to the CPU library inside its jar.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("truncation", "false");
        options.put("padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(
                    file, "the tokenizers library cannot load it: " + e.getMessage(), e);
        }
    }

    private static String readText(Path file, boolean required) {
        if (!Files.exists(file)) {
            if (required) {
                throw new TokenizerException(file, "missing");
            }
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static JsonNode parseObject(Path file, String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new TokenizerException(
                    file, "not valid JSON: " + e.getOriginalMessage() + location(e), e);
        }
        if (node == null || !node.isObject()) {
            throw new TokenizerException(file, "must hold a JSON object");
        }
        return node;
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null
                ? ""
                : " (line "
                        + e.getLocation().getLineNr()
                        + ", column "
                        + e.getLocation().getColumnNr()
                        + ")";
    }

    /** A special token given as a string or as an AddedToken object {@code {"content": ...}}. */
    private static Optional<String> tokenString(Path file, JsonNode config, String key) {
        JsonNode node = config.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.textValue());
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return Optional.of(node.get("content").textValue());
        }
        throw new TokenizerException(
                file,
                "key '"
                        + key
                        + "' must be a string, null or an object with a string 'content', not "
                        + node);
    }

    private static void readConfigTemplates(
            Path file,
            JsonNode config,
            Map<String, String> sources,
            Map<String, String> sourceNames) {
        JsonNode node = config.get("chat_template");
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isTextual()) {
            sources.put("default", node.textValue());
            sourceNames.put("default", file + " (chat_template)");
            return;
        }
        if (!node.isArray()) {
            throw new TokenizerException(
                    file, "key 'chat_template' must be a string or a list of {name, template}");
        }
        for (JsonNode entry : node) {
            if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
                throw new TokenizerException(
                        file,
                        "key 'chat_template' must be a string or a list of {name, template}; found "
                                + entry);
            }
            String name = entry.get("name").textValue();
            sources.put(name, entry.get("template").textValue());
            sourceNames.put(name, file + " (chat_template '" + name + "')");
        }
    }

    /** {@code chat_template.jinja} and {@code additional_chat_templates/*.jinja} win, as in HF. */
    private static void readTemplateFiles(
            Path directory, Map<String, String> sources, Map<String, String> sourceNames) {
        Path main = directory.resolve("chat_template.jinja");
        Path extraDir = directory.resolve("additional_chat_templates");
        boolean hasFiles = Files.isRegularFile(main) || Files.isDirectory(extraDir);
        if (!hasFiles) {
            return;
        }
        sources.clear();
        sourceNames.clear();
        if (Files.isRegularFile(main)) {
            sources.put("default", readText(main, true));
            sourceNames.put("default", main.toString());
        }
        if (Files.isDirectory(extraDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(extraDir, "*.jinja")) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    name = name.substring(0, name.length() - ".jinja".length());
                    sources.put(name, readText(file, true));
                    sourceNames.put(name, file.toString());
                }
            } catch (IOException e) {
                throw new TokenizerException(extraDir, "cannot be listed: " + e.getMessage(), e);
            }
        }
    }

    /** The checkpoint folder this tokenizer was loaded from. */
    public Path directory() {
        return directory;
    }

    /**
     * Token ids of a text.
     *
     * @param addSpecialTokens apply {@code tokenizer.json}'s post-processor (e.g. a leading BOS)
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
        return toInts(encoding.getIds());
    }

    /**
     * The text of token ids.
     *
     * @param skipSpecialTokens leave out special tokens ({@code <|im_end|>}, ...)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        String text = tokenizer.decode(longs, skipSpecialTokens);
        boolean bpe = vocabulary.modelType().map("BPE"::equals).orElse(false);
        if (cleanUpTokenizationSpaces && !bpe) {
            for (String[] rule : CLEAN_UP) {
                text = text.replace(rule[0], rule[1]);
            }
        }
        return text;
    }

    /**
     * The id of a token as the vocabulary writes it (e.g. {@code "<|im_end|>"}, {@code "Ġthe"}).
     */
    public OptionalInt tokenToId(String token) {
        return vocabulary.id(token);
    }

    /** The vocabulary's token for an id. */
    public Optional<String> idToToken(int id) {
        return vocabulary.token(id);
    }

    /** {@code bos_token} of {@code tokenizer_config.json}. */
    public Optional<String> bosToken() {
        return Optional.ofNullable(specialTokens.get("bos_token"));
    }

    /** {@code eos_token} of {@code tokenizer_config.json}. */
    public Optional<String> eosToken() {
        return Optional.ofNullable(specialTokens.get("eos_token"));
    }

    /** {@code pad_token} of {@code tokenizer_config.json}. */
    public Optional<String> padToken() {
        return Optional.ofNullable(specialTokens.get("pad_token"));
    }

    /** {@code unk_token} of {@code tokenizer_config.json}. */
    public Optional<String> unkToken() {
        return Optional.ofNullable(specialTokens.get("unk_token"));
    }

    /** The id of {@link #bosToken()}. */
    public OptionalInt bosTokenId() {
        return idOf("bos_token");
    }

    /** The id of {@link #eosToken()}. */
    public OptionalInt eosTokenId() {
        return idOf("eos_token");
    }

    /** The id of {@link #padToken()}. */
    public OptionalInt padTokenId() {
        return idOf("pad_token");
    }

    private OptionalInt idOf(String key) {
        String token = specialTokens.get(key);
        return token == null ? OptionalInt.empty() : vocabulary.id(token);
    }

    /**
     * Renders a conversation with the checkpoint's chat template, as {@code
     * apply_chat_template(messages, tokenize=False, add_generation_prompt=...)}.
     *
     * @throws TokenizerException if the checkpoint has no chat template
     * @throws ChatTemplateException if the template cannot be compiled or fails to render
     */
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return applyChatTemplate(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation with the checkpoint's chat template and extra template variables
     * ({@code tools}, {@code enable_thinking}, {@code date_string}, ...), which override the
     * special tokens of the same name.
     *
     * @throws TokenizerException if the checkpoint has no chat template
     * @throws ChatTemplateException if the template cannot be compiled or fails to render
     */
    public String applyChatTemplate(
            List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        ChatTemplate template = chatTemplate(variables.get("tools") != null);
        Map<String, Object> all = new LinkedHashMap<>(specialTokens);
        all.putAll(variables);
        return template.render(messages, addGenerationPrompt, all);
    }

    /**
     * Token ids of a rendered conversation, as {@code apply_chat_template(..., tokenize=True)}: the
     * prompt is encoded without adding special tokens, since the template writes them.
     */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return encode(applyChatTemplate(messages, addGenerationPrompt), false);
    }

    /** {@link #encodeChat(List, boolean)} with extra template variables. */
    public int[] encodeChat(
            List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        return encode(applyChatTemplate(messages, addGenerationPrompt, variables), false);
    }

    /** Picks the template as transformers' {@code get_chat_template} does. */
    private ChatTemplate chatTemplate(boolean hasTools) {
        if (chatTemplates.isEmpty()) {
            throw new TokenizerException(
                    configFile,
                    Files.exists(configFile)
                            ? "no chat template: no 'chat_template' key here, and no"
                                    + " chat_template.jinja beside it"
                            : "no chat template: this file is missing, and so is"
                                    + " chat_template.jinja");
        }
        if (chatTemplates.size() == 1 && chatTemplates.containsKey("default")) {
            return chatTemplates.get("default").get();
        }
        if (hasTools && chatTemplates.containsKey("tool_use")) {
            return chatTemplates.get("tool_use").get();
        }
        if (chatTemplates.containsKey("default")) {
            return chatTemplates.get("default").get();
        }
        throw new TokenizerException(
                configFile,
                "several chat templates and none named 'default': " + chatTemplates.keySet());
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Frees the native tokenizer; the tokenizer cannot encode or decode afterwards. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
