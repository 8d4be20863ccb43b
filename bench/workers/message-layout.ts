/**
 * The 64-byte messages of the message benchmarks, laid out as kipc's
 * (src/kernel/layout.ts), so that kipc, the bare ring and postMessage move
 * the same bytes: word indices of the fields the benchmarks write and check,
 * declared here once. A message's index in its burst travels as payload
 * u32[0] (its sequence word); postMessage's Uint8Arrays carry it in their
 * first byte instead (mod 256).
 */
import { MESSAGE_BYTES, MESSAGE_WORDS, MSG_PAYLOAD, MSG_TYPE } from '../../src/core/layout.js';

export { MESSAGE_BYTES, MESSAGE_WORDS };

/** Word of the message type. */
export const TYPE_WORD = MSG_TYPE / 4;
/** Word of payload u32[0]: the message's index in its burst. */
export const SEQUENCE_WORD = MSG_PAYLOAD / 4;
