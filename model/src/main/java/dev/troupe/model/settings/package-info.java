/**
 * The model a run uses, read from HOCON: {@code troupe.model} (checkpoint or tiny model, device,
 * dtype) and {@code troupe.lora} (the adapter), shared by the rollout and learner workers.
 */
package dev.troupe.model.settings;
