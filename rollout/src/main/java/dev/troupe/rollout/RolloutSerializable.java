package dev.troupe.rollout;

/** Marker of the rollout messages that {@link RolloutSerializer} writes as Protobuf. */
public interface RolloutSerializable {}
