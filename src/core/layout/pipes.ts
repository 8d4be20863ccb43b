/**
 * The keyboard pipes (rou2exOS, docs/objects/keyboard-pipe.md;
 * src/objects/keyboard-pipe/keyboard-pipe.ts): one block per kernel,
 * PIPES_WORDS words from H_OFF_PIPES, starting on a pair of cache lines.
 *
 * A small header, then PIPE_SUBSCRIBERS records, each a ring of
 * PIPE_RING_BYTES scancode bytes filled by the keyboard device and drained
 * by its subscriber. Head and tail count bytes for ever (int32
 * wrap-around); the ring holds tail - head of them.
 *
 * Subscriptions (P_PID, and the reset of a record) change under the kernel
 * lock. Each ring has one producer, the device, which delivers under the
 * kernel lock and publishes P_TAIL, and one consumer, its subscriber, which
 * reads without the lock and publishes P_HEAD.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';

/** Bytes the keyboard device delivered, and 1 while a keyboard device is attached. */
export const K_SCANCODES = 0;
export const K_ATTACHED = 1;
export const PIPES_HEADER_WORDS = LINE_PAIR_WORDS;
export const PIPE_SUBSCRIBERS = 5;
export const PIPE_RING_BYTES = 256;
/** Subscriber pid (0: free). */
export const P_PID = 0;
export const P_HEAD = 1;
export const P_TAIL = 2;
/** Bytes dropped because the ring was full. */
export const P_DROPPED = 3;
/** Bumped after each delivery; a subscriber waiting for bytes parks on it, counted in P_WAITERS. */
export const P_SEQ = 4;
export const P_WAITERS = 5;
/** Word where the ring's bytes start. */
export const P_RING = LINE_PAIR_WORDS;
export const PIPE_WORDS = P_RING + PIPE_RING_BYTES / 4;
export const PIPES_WORDS = PIPES_HEADER_WORDS + PIPE_SUBSCRIBERS * PIPE_WORDS;
