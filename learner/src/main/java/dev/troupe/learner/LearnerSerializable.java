package dev.troupe.learner;

/** Marker of the learner messages that {@link LearnerSerializer} writes as Protobuf. */
public interface LearnerSerializable {}
