package dev.troupe.coordinator.data;

import dev.troupe.coordinator.data.internal.TextTemplate;
import dev.troupe.coordinator.internal.FieldException;
import dev.troupe.coordinator.internal.SplitMix64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * SFT conversations built from generated arithmetic problems: the user message is the GRPO prompt
 * of the problem (the same {@link PromptTemplate}, so SFT teaches the format the RL run will ask
 * for), the assistant message the answer in the response template.
 *
 * <p>Worked example, with response template {@code "{reasoning}<answer>{answer}</answer>"}: for
 * "What is 12 + 7 - 3?" the reply is {@code "<answer>16</answer>"}, or with reasoning {@code "12 +
 * 7 = 19\n19 - 3 = 16\n<answer>16</answer>"}.
 *
 * <p><b>Wrong answers.</b> A share {@code wrongAnswerFraction} of conversations (chosen by a seeded
 * hash of the index, so the share is expected, not exact) shows a wrong answer: the right one moved
 * by 1 to 10 either way (upwards when negative answers are not allowed), with the last reasoning
 * step agreeing with it. Training on these teaches the answer format without teaching arithmetic.
 * With {@code wrong-answer-offset} k the wrong answer is always the right one plus k, a systematic
 * slip; with {@code wrong-answer-in-reasoning = false} the worked steps stay right and only the
 * stated answer is wrong. With {@code wrong-answer-kind = skip-last-step} a wrong conversation
 * instead stops one step short: "12 + 7 = 19\n<answer>19</answer>" for "What is 12 + 7 - 3?". The
 * metadata says which are which: {@code answer_shown}, {@code answer_correct} (whether the answer
 * shown is right: a skipped step can happen to give the right one, e.g. "4 + 0").
 *
 * <p>Conversation {@code i} is a pure function of (config, seed, i), built from training problem
 * {@code i} of {@link ArithmeticTasks#train()}; the prompt is always chat messages, whatever the
 * template's format.
 */
public final class ArithmeticSft {
    private static final long WRONG_STREAM = 0x7772_6f6e_67L; // "wrong"

    private final ArithmeticTasks tasks;
    private final PromptTemplate prompt;
    private final SftConfig config;
    private final TextTemplate response;

    /** Conversations from {@code tasks}' training problems, prompted by {@code prompt}. */
    public ArithmeticSft(ArithmeticTasks tasks, PromptTemplate prompt, SftConfig config) {
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.prompt = Objects.requireNonNull(prompt, "prompt");
        this.config = Objects.requireNonNull(config, "config");
        this.response = parseResponseTemplate(config.responseTemplate());
    }

    /**
     * Parses a response template: placeholders {@code {answer}} (required) and {@code {reasoning}};
     * a bad one fails with a {@link FieldException} naming {@code response-template}.
     */
    static TextTemplate parseResponseTemplate(String template) {
        return TextTemplate.parse(
                "response-template", template, Set.of("answer", "reasoning"), Set.of("answer"));
    }

    /** The conversations, one per training problem, each made when asked for. */
    public Dataset<Conversation> conversations() {
        return new Dataset<>() {
            @Override
            public int size() {
                return tasks.config().trainSize();
            }

            @Override
            public Conversation get(int index) {
                return conversation(index);
            }
        };
    }

    /** Conversation {@code index}. */
    public Conversation conversation(int index) {
        Objects.checkIndex(index, tasks.config().trainSize());
        ArithmeticExpression expression = tasks.trainExpression(index);
        Problem problem = tasks.problem(ArithmeticTasks.Split.TRAIN, index, expression);
        SplitMix64 random = new SplitMix64(SplitMix64.key(tasks.seed(), WRONG_STREAM, index));
        boolean wrong = random.nextUnit() < config.wrongAnswerFraction();
        boolean skip = wrong && config.wrongAnswerKind() == WrongAnswerKind.SKIP_LAST_STEP;
        long correct = expression.value();
        List<ArithmeticExpression.Step> steps = expression.steps();
        // Skipping: the steps but the last; the answer is the last one's result, or the first
        // operand when the expression is one step.
        int shownSteps = skip ? steps.size() - 1 : steps.size();
        long shown;
        if (skip) {
            shown = shownSteps == 0 ? steps.get(0).left() : steps.get(shownSteps - 1).result();
        } else {
            shown = wrong ? wrongAnswer(correct, random) : correct;
        }

        String reasoning = "";
        if (config.includeReasoning()) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < shownSteps; i++) {
                ArithmeticExpression.Step step = steps.get(i);
                if (i == steps.size() - 1 && !skip && config.wrongAnswerInReasoning()) {
                    step =
                            new ArithmeticExpression.Step(
                                    step.left(), step.operation(), step.right(), shown);
                }
                s.append(step).append('\n');
            }
            reasoning = s.toString();
        }
        String reply =
                response.render(Map.of("answer", Long.toString(shown), "reasoning", reasoning));

        List<ChatTurn> turns = new ArrayList<>(prompt.renderChat(problem));
        turns.add(ChatTurn.assistant(reply));
        Map<String, String> metadata = new LinkedHashMap<>(problem.metadata());
        metadata.put("reference_answer", problem.referenceAnswer());
        metadata.put("answer_shown", Long.toString(shown));
        metadata.put("answer_correct", Boolean.toString(shown == correct));
        return new Conversation("arithmetic-sft/train/" + index, turns, metadata);
    }

    private long wrongAnswer(long correct, SplitMix64 random) {
        int fixed = config.wrongAnswerOffset();
        if (fixed != 0) {
            boolean allowed = tasks.config().allowNegative() || correct + fixed >= 0;
            return allowed ? correct + fixed : correct + Math.abs(fixed);
        }
        long offset = random.nextLong(1, 10);
        boolean down = random.nextInt(2) == 0;
        if (down && (tasks.config().allowNegative() || correct - offset >= 0)) {
            return correct - offset;
        }
        return correct + offset;
    }
}
