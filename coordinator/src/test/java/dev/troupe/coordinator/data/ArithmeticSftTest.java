package dev.troupe.coordinator.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArithmeticSftTest {
    static final ArithmeticTasks TASKS =
            new ArithmeticTasks(ArithmeticTasksTest.defaults(10_000, 10), 11);
    static final PromptTemplate PROMPT =
            PromptTemplate.of(
                    new PromptConfig("Solve: {question}", PromptFormat.CHAT, "Be exact."));

    private static ArithmeticSft sft(boolean reasoning, double wrongFraction) {
        return new ArithmeticSft(
                TASKS,
                PROMPT,
                new SftConfig(
                        Optional.empty(),
                        "{reasoning}<answer>{answer}</answer>",
                        reasoning,
                        wrongFraction));
    }

    /** Worked steps on, wrong answers of the given kind. */
    private static ArithmeticSft withSlips(
            ArithmeticTasks tasks,
            String template,
            double fraction,
            int offset,
            boolean inReasoning,
            WrongAnswerKind kind) {
        return new ArithmeticSft(
                tasks,
                PROMPT,
                new SftConfig(
                        Optional.empty(), template, true, fraction, offset, inReasoning, kind));
    }

    @Test
    void shouldAskTheGrpoPromptAndAnswerInTheResponseTemplate() {
        Problem problem = TASKS.train().get(0);
        Conversation c = sft(false, 0).conversation(0);

        assertEquals(
                List.of(
                        ChatTurn.system("Be exact."),
                        ChatTurn.user("Solve: " + problem.question()),
                        ChatTurn.assistant("<answer>" + problem.referenceAnswer() + "</answer>")),
                c.turns());
        assertEquals("arithmetic-sft/train/0", c.id());
        assertEquals("true", c.metadata().get("answer_correct"));
        assertEquals(10_000, sft(false, 0).conversations().size());
    }

    @Test
    void shouldWriteTheWorkedStepsBeforeTheAnswerWhenReasoningIsOn() {
        // A problem with three operands, to see more than one step.
        ArithmeticTaskConfig config =
                new ArithmeticTaskConfig(
                        List.of(Operation.PLUS, Operation.TIMES), 1, 1, 3, 3, false, 0.1, 10, 1);
        ArithmeticTasks tasks = new ArithmeticTasks(config, 2);
        ArithmeticSft sft =
                new ArithmeticSft(
                        tasks,
                        PROMPT,
                        new SftConfig(
                                Optional.empty(), "{reasoning}<answer>{answer}</answer>", true, 0));
        ArithmeticExpression e = tasks.trainExpression(0);
        List<ArithmeticExpression.Step> steps = e.steps();

        String reply = sft.conversation(0).turns().get(2).content();

        assertEquals(
                steps.get(0) + "\n" + steps.get(1) + "\n<answer>" + e.value() + "</answer>", reply);
    }

    @Test
    void shouldShowAWrongAnswerInAboutTheConfiguredShareOfConversations() {
        ArithmeticSft sft = sft(true, 0.3);
        int wrong = 0;
        for (int i = 0; i < 10_000; i++) {
            Conversation c = sft.conversation(i);
            String reference = c.metadata().get("reference_answer");
            String shown = c.metadata().get("answer_shown");
            String reply = c.turns().get(2).content();
            assertTrue(reply.endsWith("= " + shown + "\n<answer>" + shown + "</answer>"), reply);
            if (c.metadata().get("answer_correct").equals("false")) {
                wrong++;
                assertNotEquals(reference, shown);
                long offset = Math.abs(Long.parseLong(shown) - Long.parseLong(reference));
                assertTrue(offset >= 1 && offset <= 10, c.toString());
                assertTrue(Long.parseLong(shown) >= 0, "negative answers are off: " + c);
            } else {
                assertEquals(reference, shown);
            }
        }
        // Binomial(10000, 0.3): standard deviation about 46.
        assertTrue(Math.abs(wrong - 3000) < 250, wrong + " wrong of 10000");
        assertEquals(sft.conversation(1234), sft(true, 0.3).conversation(1234));
    }

    @Test
    void shouldShiftByAFixedOffsetAndKeepTheStepsRightWhenAsked() {
        ArithmeticSft sft =
                withSlips(
                        TASKS,
                        "{reasoning}<answer>{answer}</answer>",
                        1.0,
                        1,
                        false,
                        WrongAnswerKind.OFFSET);
        for (int i = 0; i < 200; i++) {
            Conversation c = sft.conversation(i);
            long reference = Long.parseLong(c.metadata().get("reference_answer"));
            String reply = c.turns().get(2).content();
            // The worked steps end on the right result; only the stated answer is one more.
            assertTrue(
                    reply.endsWith("= " + reference + "\n<answer>" + (reference + 1) + "</answer>"),
                    reply);
            assertEquals("false", c.metadata().get("answer_correct"));
        }
    }

    @Test
    void shouldStopOneStepShortWhenSkippingTheLastStep() {
        ArithmeticTasks threeOperands =
                new ArithmeticTasks(
                        new ArithmeticTaskConfig(
                                List.of(Operation.PLUS), 1, 1, 3, 3, false, 0.25, 1000, 10),
                        3);
        ArithmeticSft sft =
                withSlips(
                        threeOperands,
                        "<think>{reasoning}</think><answer>{answer}</answer>",
                        0.5,
                        0,
                        true,
                        WrongAnswerKind.SKIP_LAST_STEP);
        int skipped = 0;
        for (int i = 0; i < 400; i++) {
            Conversation c = sft.conversation(i);
            ArithmeticExpression e = threeOperands.trainExpression(i);
            List<ArithmeticExpression.Step> steps = e.steps();
            String reply = c.turns().get(2).content();
            String full =
                    "<think>"
                            + steps.get(0)
                            + "\n"
                            + steps.get(1)
                            + "\n</think><answer>"
                            + e.value()
                            + "</answer>";
            // Short: the first step only, and its result as the answer (right only when the
            // skipped operand is 0).
            String shortReply =
                    "<think>"
                            + steps.get(0)
                            + "\n</think><answer>"
                            + steps.get(0).result()
                            + "</answer>";
            assertTrue(reply.equals(full) || reply.equals(shortReply), reply);
            if (reply.equals(shortReply)) {
                skipped++;
                assertEquals(
                        Boolean.toString(steps.get(0).result() == e.value()),
                        c.metadata().get("answer_correct"));
            } else {
                assertEquals("true", c.metadata().get("answer_correct"));
            }
        }
        // Binomial(400, 0.5): standard deviation 10.
        assertTrue(Math.abs(skipped - 200) < 50, skipped + " of 400 skipped");
    }

    @Test
    void shouldAnswerTheFirstOperandWhenSkippingTheOnlyStep() {
        ArithmeticSft sft =
                withSlips(
                        TASKS,
                        "{reasoning}<answer>{answer}</answer>",
                        1.0,
                        0,
                        true,
                        WrongAnswerKind.SKIP_LAST_STEP);
        for (int i = 0; i < 50; i++) {
            Conversation c = sft.conversation(i);
            ArithmeticExpression e = TASKS.trainExpression(i);
            assertEquals(1, e.steps().size());
            assertEquals(
                    "<answer>" + e.steps().get(0).left() + "</answer>", c.turns().get(2).content());
        }
    }
}
