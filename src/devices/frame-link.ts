/**
 * A frame link: where a kernel's network interface gets Ethernet frames from
 * and sends the driver's frames to. The kernel routes every frame a link
 * delivers (docs/objects/network.md) and hands the link every frame the driver task
 * transmits. Links in this folder: a UDP socket carrying one frame per
 * datagram (QEMU's dgram netdev framing) and a pcap file replay.
 */

import { FRAME_MAX_BYTES } from '../core/layout.js';

/** Largest Ethernet frame the kernel routes or transmits, in bytes (longer ones are counted and dropped). */
export const MAX_FRAME_BYTES = FRAME_MAX_BYTES;

export interface FrameLink {
  /** What the snapshot and the CLI show for this link, e.g. `udp 127.0.0.1:5555`. */
  readonly description: string;
  /**
   * Starts delivering received frames to `deliver` (each call hands one
   * frame; the kernel copies it before returning, so the link may reuse the
   * buffer). Resolves once the link is up (a socket bound, a file opened).
   * Frames longer than MAX_FRAME_BYTES are passed on too: the kernel counts
   * and drops them.
   */
  open(deliver: (frame: Uint8Array) => void): Promise<void>;
  /** Sends one frame out of the link (a frame the driver task transmitted). A link that cannot send (a replay) counts it and drops it. */
  transmit(frame: Uint8Array): void;
  /** Stops delivering and frees the link's resources. Idempotent. */
  close(): Promise<void>;
}
