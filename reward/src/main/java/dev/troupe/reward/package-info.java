/**
 * Rewards for RL post-training: the {@link dev.troupe.reward.RewardFunction} interface researchers
 * implement, the {@link dev.troupe.reward.RewardRegistry} that turns config names into functions,
 * the {@link dev.troupe.reward.RewardConfig} read at startup, and the {@link
 * dev.troupe.reward.RewardActor} that runs the functions safely on groups of completions.
 */
package dev.troupe.reward;
