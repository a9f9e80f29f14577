package dev.troupe.tensor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.GradMode;
import org.junit.jupiter.api.Test;

class NoGradTest {

    @Test
    void shouldDisableGradAndRestoreWhatWasThereNested() {
        assertTrue(GradMode.is_enabled());
        try (NoGrad outer = new NoGrad()) {
            assertFalse(GradMode.is_enabled());
            try (NoGrad inner = new NoGrad()) {
                assertFalse(GradMode.is_enabled());
            }
            assertFalse(GradMode.is_enabled(), "inner close restores the outer's off");
        }
        assertTrue(GradMode.is_enabled());
    }
}
