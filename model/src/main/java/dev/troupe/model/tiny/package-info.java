/**
 * Tiny models Troupe builds itself: {@link dev.troupe.model.tiny.TinyCheckpoint} writes a randomly
 * initialised Qwen2 checkpoint with a character-level tokenizer, as a Hugging Face folder that
 * loads like a downloaded one.
 */
package dev.troupe.model.tiny;
