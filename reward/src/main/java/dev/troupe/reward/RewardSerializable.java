package dev.troupe.reward;

/**
 * Marker of the reward messages that may cross processes; {@code reference.conf} binds it to {@link
 * RewardSerializer}, which writes them as the protobuf messages of {@code troupe/v1/reward.proto}.
 */
public interface RewardSerializable {}
