package dev.troupe.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test that needs a CUDA device. Such a test still runs everywhere, and skips itself with
 * {@code assumeTrue(Devices.cudaAvailable(), "needs a CUDA device")} where there is none, so the
 * skip is reported rather than silent.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
public @interface GpuTest {}
