/**
 * NetworkInterface: a kernel's network interface device, bound to a frame
 * link (udp-link.ts, pcap.ts). Every frame the link receives is routed by
 * the kernel (network.ts: the task bound to its TCP destination port, else
 * the driver, else a counted drop); every frame the driver task transmits
 * goes out of the link. Runs on the thread that attached it (its event loop
 * receives the link's frames and waits for the driver's).
 *
 * ```ts
 * const nic = await kernel.attachNetwork(new UdpFrameLink({ bind: { port: 5555 } }));
 * // ... tasks register and exchange frames ...
 * await nic.detach();
 * ```
 */
import type { TaskContext } from '../core/context.js';
import { messageMemory } from '../core/copy.js';
import { FRAME_MAX_BYTES } from '../core/layout.js';
import { attachInterface, deliverFrame, detachInterface } from '../objects/network/network.js';
import { TAKE_TRANSMITTED } from '../ops/rou2exos-ops.js';
import { blockingAsync } from '../ops/blocking.js';
import { check } from '../api/errors.js';
import type { FrameLink } from './frame-link.js';

export class NetworkInterface {
  private readonly transmitting: Promise<void>;
  private detached: Promise<void> | undefined;

  private constructor(
    private readonly ctx: TaskContext,
    /** The link frames come from and go to. */
    readonly link: FrameLink,
  ) {
    this.transmitting = this.transmitLoop();
  }

  /**
   * Attaches an interface on `link` to the kernel `ctx` belongs to. Throws
   * BusyError when the kernel has an interface already, OutOfMemoryError
   * when there is no room for its transmit queue, and whatever opening the
   * link throws (the interface is then detached again).
   */
  static async attach(ctx: TaskContext, link: FrameLink): Promise<NetworkInterface> {
    check(attachInterface(ctx), 'attachNetwork');
    let nic: NetworkInterface | undefined;
    try {
      nic = new NetworkInterface(ctx, link);
      await link.open((frame) => deliverFrame(ctx, frame));
      return nic;
    } catch (error) {
      if (nic) await nic.detach();
      else detachInterface(ctx);
      throw error;
    }
  }

  /**
   * Hands the kernel one received frame, as the link does: returns where it
   * went (a network-block counter index). For injecting frames by hand.
   */
  deliver(frame: Uint8Array): number {
    return deliverFrame(this.ctx, frame);
  }

  /** Closes the link and removes the interface: frames the driver still had queued are dropped. Idempotent. */
  detach(): Promise<void> {
    this.detached ??= (async () => {
      await this.link.close();
      detachInterface(this.ctx);
      await this.transmitting;
    })();
    return this.detached;
  }

  /** Takes each frame the driver transmits and sends it out of the link, until the interface is detached. */
  private async transmitLoop(): Promise<void> {
    const buffer = messageMemory(new Uint8Array(FRAME_MAX_BYTES));
    for (;;) {
      const length = await blockingAsync(TAKE_TRANSMITTED, this.ctx, 0, buffer, 0, 0, Infinity, undefined);
      if (length < 0) return;
      this.link.transmit(buffer.bytes.subarray(0, length));
    }
  }
}
