/** Not API: the reward worker pool and config helpers. */
package dev.troupe.reward.internal;
