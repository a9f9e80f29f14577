package dev.troupe.cli;

import dev.troupe.model.DecoderModel;
import dev.troupe.model.ModelLoader;
import dev.troupe.model.generate.BatchGenerator;
import dev.troupe.model.generate.GeneratedSequence;
import dev.troupe.model.generate.GenerationConfig;
import dev.troupe.model.lora.LoraAdapter;
import dev.troupe.model.lora.LoraLookup;
import dev.troupe.model.tokenizer.ChatMessage;
import dev.troupe.model.tokenizer.Tokenizer;
import dev.troupe.tensor.ComputeDevice;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Continues prompts with a model (and optionally a LoRA adapter), batched with a KV cache. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate completions for one or more prompts.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions = new ModelOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--adapter", description = "PEFT LoRA adapter folder to apply.")
    Path adapter;

    @Option(names = "--prompt", required = true, description = "A prompt; repeat for a batch.")
    List<String> prompts = new ArrayList<>();

    @Option(
            names = "--chat",
            description = "Wrap each prompt as a user message in the model's chat template.")
    boolean chat;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "32",
            description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            description = "0 for greedy decoding. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(
            names = "--top-k",
            defaultValue = "0",
            description = "0 for no top-k. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(
            names = "--top-p",
            defaultValue = "1.0",
            description = "1 for no top-p. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ComputeDevice device = modelOptions.device();
        try (Tokenizer tokenizer = Tokenizer.load(modelOptions.model);
                DecoderModel model =
                        ModelLoader.load(modelOptions.model, device, modelOptions.dtype(device));
                LoraAdapter lora = adapter == null ? null : LoraAdapter.load(adapter, model)) {
            List<int[]> ids = new ArrayList<>();
            for (String p : prompts) {
                ids.add(
                        chat
                                ? tokenizer.encodeChat(List.of(new ChatMessage("user", p)), true)
                                : tokenizer.encode(p, true));
            }
            Set<Integer> stop = new HashSet<>(model.spec().eosTokenIds());
            tokenizer.eosTokenId().ifPresent(stop::add);
            int pad = tokenizer.padTokenId().orElse(Math.max(model.spec().padTokenId(), 0));
            GenerationConfig cfg =
                    new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, stop, pad);
            long t0 = System.nanoTime();
            List<GeneratedSequence> result =
                    new BatchGenerator(model)
                            .generate(ids, cfg, lora == null ? LoraLookup.NONE : lora);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int tokens = 0;
            for (int i = 0; i < result.size(); i++) {
                GeneratedSequence s = result.get(i);
                tokens += s.length();
                out.printf("[%d] %s%s%n", i, prompts.get(i), tokenizer.decode(s.tokens(), true));
            }
            out.printf(
                    "%d sequences, %d new tokens in %.2f s (%.1f tokens/s) on %s%n",
                    result.size(), tokens, seconds, tokens / seconds, device);
            out.flush();
        }
        return 0;
    }
}
