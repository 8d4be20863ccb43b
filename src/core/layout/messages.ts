/**
 * Messages: the IpcMessage of the ABI, and the message slots of the region.
 *
 * An IpcMessage is 64 bytes (docs/objects/port.md, "The message"); the MSG_* byte offsets below
 * are its fields, as tasks see them in their own memory.
 *
 * The message slots are one table of H_MESSAGE_SLOTS records of
 * MESSAGE_SLOT_WORDS words (from H_OFF_MESSAGES, starting on a pair of
 * cache lines), with a bitmap of the slots in use (from
 * H_OFF_MESSAGE_BITMAP). Each port's queue takes a run of capacity + 1
 * consecutive slots as its ring when it is created, under the kernel lock
 * (src/core/queue.ts), and gives it back when destroyed. Inside a ring, a
 * sender holding the queue's send lock writes the slot at the tail (nobody
 * reads it until the tail moves), and a receiver holding the receive lock
 * copies out the slot at the head; a call or a handle in flight also
 * writes the slot's bookkeeping line under the kernel lock.
 *
 * A slot is two cache lines: the 64-byte message, then its bookkeeping.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';

/** Size of an IpcMessage in bytes and in 32-bit words (docs/objects/port.md, "The message"). */
export const MESSAGE_BYTES = 64;
export const MESSAGE_WORDS = 16;
/** Byte offsets of the IpcMessage fields. */
export const MSG_SENDER = 0; // u64: low word pid, high word call token
export const MSG_TYPE = 8;
export const MSG_FLAGS = 12;
export const MSG_PAYLOAD = 16;
export const MSG_PAYLOAD_BYTES = 48;
/** msg_type of a reply carrying a status (docs/objects/port.md, "The message"). */
export const MSG_TYPE_REPLY = 0x80;
export const MSG_TYPE_BOOTSTRAP = 0x10;
/**
 * A value message (the typed API's `port.send(value)` and `port.call(value)`;
 * docs/objects/port.md, "Values"): msg_type is MSG_TYPE_VALUE | the codec's
 * tag << 8 | the form. The form is the inline length 0..48 (the encoded
 * bytes are the payload's first bytes), or VALUE_OUT_OF_LINE: the bytes are
 * in the buffer (docs/objects/buffer.md) whose handle `flags` moves, and
 * payload u32 0 is their length. VALUE_THROWN marks a reply carrying what
 * the handler threw. Types MSG_TYPE_VALUE..+0xffff are kept for values.
 */
export const MSG_TYPE_VALUE = 0x4b560000;
export const MSG_TYPE_VALUE_MASK = 0xffff0000;
export const VALUE_CODEC_SHIFT = 8;
export const VALUE_INLINE_LENGTH = 0x3f;
export const VALUE_THROWN = 0x40;
export const VALUE_OUT_OF_LINE = 0x80;

/**
 * Words of the message line the kernel owns in a queued slot:
 * - the sender's pid, never 0 while the message is queued. A receiver that
 *   has taken a call or a handle out of the slot but not yet advanced the
 *   head sets it to 0 (logged, under the kernel lock); if it dies there,
 *   recovery advances the head for it;
 * - the call token (0 for anything but a call);
 * - flags: 0, or {@link SLOT_FLAG_TRANSFER} when a handle travels with it.
 * A receiver sees from this line alone whether the message needs the kernel
 * lock (a token or a flag) or is plain, so a plain message costs one line.
 */
export const M_SENDER_PID = MSG_SENDER >> 2;
export const M_CALL_TOKEN = (MSG_SENDER >> 2) + 1;
export const M_FLAGS = MSG_FLAGS >> 2;
export const SLOT_FLAG_TRANSFER = 1;
/**
 * The bookkeeping line is clean (all 0) in every slot but those holding a
 * queued call or handle: plain senders never touch it, and whoever takes,
 * drops or withdraws a call or handle clears it.
 *
 * M_CALL: call slot + 1 when this message is a call awaiting a reply, else 0.
 */
export const M_CALL = MESSAGE_WORDS + 1;
/**
 * A handle in flight: object slot + 1 (0 = none), its rights, and the
 * sender's handle entry (+1) it derives from. While in flight it holds a
 * reference to the object and counts as a child of that entry, so revoke
 * reaches it.
 */
export const M_XFER_OBJECT = MESSAGE_WORDS + 2;
export const M_XFER_RIGHTS = MESSAGE_WORDS + 3;
export const M_XFER_PARENT = MESSAGE_WORDS + 4;
/**
 * One pair of cache lines (the table starts on a pair): a sender filling the
 * slot after the one a receiver is copying out never shares a pair with it.
 */
export const MESSAGE_SLOT_WORDS = LINE_PAIR_WORDS;
