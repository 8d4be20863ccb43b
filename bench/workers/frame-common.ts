/**
 * What the threads of the frames benchmark share: the Ethernet frames the
 * sender blasts (Ethernet / IPv4 / UDP, 64 to 128 bytes: frame k is
 * FRAME_MIN_BYTES + k mod 65 long and carries k, a u32 little-endian, at
 * SEQUENCE_AT; not TCP, so the kernel routes every one to the driver), the
 * check the receiving side makes of every frame (the right length for its
 * number, numbers rising: frames may be lost, never reordered, duplicated or
 * corrupted), the side's shared counters (S_* words, cumulative over the
 * run), and the go / stop protocol between the side's driver and its sender
 * over the control block:
 *
 * - go: the driver sets C_PEER_COUNT to 1 and bumps C_PEER_GO; the sender
 *   blasts until C_PEER_COUNT is 0, waits until its sends are done, adds
 *   them to S_SENT, and stores the go's number in S_STOPPED;
 * - C_PEER_GO = -1: the sender closes its socket and leaves.
 */
import { type Control, C_PEER_COUNT, C_PEER_GO } from '../control.js';
import { buildUdpFrame } from '../../src/devices/ethernet.js';

export const FRAME_MIN_BYTES = 64;
export const FRAME_MAX_BYTES = 128;
const LENGTHS = FRAME_MAX_BYTES - FRAME_MIN_BYTES + 1;
/** Byte offset of the frame's number: the first byte of the UDP payload. */
export const SEQUENCE_AT = 14 + 20 + 8;

/** UDP port the sender sends to (set before the sender starts). */
export const S_PORT = 0;
/** Datagrams the sender sent (send completed without error). */
export const S_SENT = 1;
/** Sends that failed. */
export const S_SEND_ERRORS = 2;
/** The go the sender last finished (all its sends completed). */
export const S_STOPPED = 3;
/** Frames the receiving side counted in its rounds' time windows. */
export const S_COUNTED = 4;
/** Frames it received outside them (still in flight when a round ended). */
export const S_DRAINED = 5;

export function createFrameStats(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 * 4);
}

export function frameLength(sequence: number): number {
  return FRAME_MIN_BYTES + (sequence % LENGTHS);
}

/** One frame of each length, FRAME_MIN_BYTES first; the sender stamps each copy's number. */
export function frameTemplates(): Uint8Array[] {
  return Array.from({ length: LENGTHS }, (_, i) =>
    buildUdpFrame({
      sourceMac: '02:00:00:00:00:02',
      destinationMac: '02:00:00:00:00:01',
      sourceIp: '10.0.2.2',
      destinationIp: '10.0.2.15',
      sourcePort: 40000,
      destinationPort: 9,
      payload: new Uint8Array(FRAME_MIN_BYTES + i - SEQUENCE_AT),
    }),
  );
}

/** Writes frame `sequence` into `into` (FRAME_MAX_BYTES long): returns its length. The UDP checksum is left as the template's. */
export function stampFrame(into: Uint8Array, templates: readonly Uint8Array[], sequence: number): number {
  const template = templates[sequence % LENGTHS]!;
  into.set(template);
  into[SEQUENCE_AT] = sequence & 0xff;
  into[SEQUENCE_AT + 1] = (sequence >>> 8) & 0xff;
  into[SEQUENCE_AT + 2] = (sequence >>> 16) & 0xff;
  into[SEQUENCE_AT + 3] = (sequence >>> 24) & 0xff;
  return template.length;
}

/** Checks every frame a receiving side gets, in arrival order. */
export class FrameChecker {
  private last = -1;

  /** Throws unless the `length` bytes at `offset` of `bytes` are a frame numbered above the last one, of its length. */
  check(bytes: Uint8Array, offset: number, length: number): void {
    const at = offset + SEQUENCE_AT;
    const sequence = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    if (sequence <= this.last || length !== frameLength(sequence)) {
      throw new Error(`bench: frame ${sequence} arrived wrong (${length} bytes, ${frameLength(sequence)} expected; the frame before was ${this.last})`);
    }
    this.last = sequence;
  }
}

/** Driver: tells the sender to start blasting (go number `go`, from 1). */
export function startSender(control: Control, go: number): void {
  Atomics.store(control.words, C_PEER_COUNT, 1);
  Atomics.store(control.words, C_PEER_GO, go);
  Atomics.notify(control.words, C_PEER_GO);
}

/** Driver: tells the sender to stop. */
export function stopSender(control: Control): void {
  Atomics.store(control.words, C_PEER_COUNT, 0);
}

/** Driver: tells the sender to leave. */
export function dismissSender(control: Control): void {
  Atomics.store(control.words, C_PEER_GO, -1);
  Atomics.notify(control.words, C_PEER_GO);
}

/** Milliseconds without a frame after the sender stopped before a round's leftovers count as drained. */
export const QUIET_MS = 10;
