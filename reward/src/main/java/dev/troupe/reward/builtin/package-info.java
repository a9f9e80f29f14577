/**
 * The built-in reward functions ({@code format}, {@code gsm8k_correctness}, {@code tiered_0_1_10}),
 * the weighted combination, and the format and answer checks they share.
 */
package dev.troupe.reward.builtin;
