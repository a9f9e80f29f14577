package dev.troupe.coordinator.internal;

import java.nio.charset.StandardCharsets;

/**
 * Counter-based pseudo-random numbers: every draw is a pure function of a key and a counter, so a
 * resumed run redraws exactly what an uninterrupted one drew.
 *
 * <p>The mixing function is SplitMix64's finalizer (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014; constants from Vigna's reference {@code
 * splitmix64.c}): {@code z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >>> 27)) *
 * 0x94d049bb133111eb; z ^ (z >>> 31)}. The stream {@code next()} returns {@code mix(key + k *
 * 0x9e3779b97f4a7c15)} for k = 1, 2, ..., which is SplitMix64 seeded with {@code key}. It is
 * written out here rather than taken from {@link java.util.SplittableRandom}, whose algorithm the
 * JDK does not promise to keep.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    /** A stream seeded with {@code key}. */
    public SplitMix64(long key) {
        this.state = key;
    }

    /** The next 64 random bits. */
    public long next() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /**
     * A uniform int in [0, bound), by the multiply-shift method on the top 32 bits (bias below
     * bound / 2^32, negligible for the small bounds used here).
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) (((next() >>> 32) * bound) >>> 32);
    }

    /** A uniform long in [low, high], both inclusive. */
    public long nextLong(long low, long high) {
        if (high < low) {
            throw new IllegalArgumentException("empty range [" + low + ", " + high + "]");
        }
        long span = high - low + 1;
        // span <= 10^18 here, so the unsigned remainder has bias below span / 2^64.
        return low + Long.remainderUnsigned(next(), span);
    }

    /** A uniform double in [0, 1), from the top 53 bits. */
    public double nextUnit() {
        return unit(next());
    }

    /** SplitMix64's finalizer: a bijection of 64-bit values that scatters nearby inputs. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A key for a tuple of values: each part is folded in with a mix, so order matters. */
    public static long key(long... parts) {
        long h = 0x6a09e667f3bcc909L;
        for (long part : parts) {
            h = mix(h ^ mix(part + GOLDEN_GAMMA));
        }
        return h;
    }

    /** A 64-bit hash of a string's UTF-8 bytes (FNV-1a, then mixed). */
    public static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** Maps 64 random bits to a double in [0, 1). */
    public static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }
}
