/**
 * Network: a task's typed access to the network side of the rou2exOS
 * personality (docs/objects/network.md). A task becomes the network driver or binds
 * TCP destination ports; the frames routed to it arrive in its mailbox
 * (`kind: 'frame'`); the driver transmits frames out of the attached
 * interface.
 *
 * ```ts
 * task.network.becomeDriver();
 * for await (const mail of task.mailbox) {
 *   if (mail.kind === 'frame') task.network.transmit(answer(mail.data));
 * }
 * ```
 */
import { EAGAIN } from '../core/errno.js';
import type { TaskContext } from '../core/context.js';
import { messageMemory } from '../core/copy.js';
import { netRegister, netTransmit } from '../objects/network/network.js';
import * as ops from '../ops/rou2exos-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import { check } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, signalOf, type WaitOptions } from './handle.js';
import { bytesArgument, optionsOf } from './arguments.js';

export class Network {
  /** @internal Use `task.network`. */
  constructor(private readonly ctx: TaskContext) {}

  /**
   * Makes this task the network driver: it gets every frame no port binding
   * takes, and may transmit. Throws BusyError while another live task is
   * the driver. Released when this task exits.
   */
  becomeDriver(): void {
    check(netRegister(this.ctx, 0), 'Network.becomeDriver');
  }

  /**
   * Routes IPv4/TCP frames with destination port `port` (1..65535) to this
   * task's mailbox. Throws BusyError when another live task holds the port,
   * NoSpaceError when all 16 bindings are taken, InvalidArgumentError for a
   * port out of range. Released when this task exits.
   */
  bindPort(port: number): void {
    if (port === 0) throw new RangeError('Network.bindPort: port must be 1..65535 (0 is becomeDriver)');
    check(netRegister(this.ctx, port), `Network.bindPort(${port})`);
  }

  /**
   * Sends one Ethernet frame (14 to 2048 bytes) out of the attached
   * interface. Only the driver may. With `wait` (or a timeout), waits while
   * the interface's queue is full; otherwise a full queue throws
   * WouldBlockError. Throws PermissionError when this task is not the
   * driver, BrokenPipeError when no interface is attached.
   */
  transmit(frame: Uint8Array, options?: WaitOptions & { wait?: boolean }): void {
    const memory = messageMemory(bytesArgument(frame, 'frame', 'Network.transmit'));
    const waits = optionsOf(options, 'Network.transmit')?.wait === true || options?.timeout !== undefined;
    const deadline = deadlineOf(options, 'Network.transmit');
    const length = memory.bytes.length;
    const result = waits ? blocking(ops.TRANSMIT, this.ctx, 0, memory, 0, length, deadline) : netTransmit(this.ctx, memory, 0, length, false);
    check(result, 'Network.transmit');
  }

  /** Transmits like {@link transmit}, but returns false instead of throwing when the queue is full. */
  tryTransmit(frame: Uint8Array): boolean {
    const memory = messageMemory(bytesArgument(frame, 'frame', 'Network.tryTransmit'));
    const result = netTransmit(this.ctx, memory, 0, memory.bytes.length, false);
    if (result === -EAGAIN) return false;
    check(result, 'Network.tryTransmit');
    return true;
  }

  /** Transmits, waiting without blocking the event loop while the queue is full. */
  async transmitAsync(frame: Uint8Array, options?: AsyncWaitOptions): Promise<void> {
    const memory = messageMemory(bytesArgument(frame, 'frame', 'Network.transmitAsync'));
    const deadline = deadlineOf(options, 'Network.transmitAsync');
    const signal = signalOf(options, 'Network.transmitAsync');
    check(await blockingAsync(ops.TRANSMIT, this.ctx, 0, memory, 0, memory.bytes.length, deadline, signal), 'Network.transmitAsync', signal);
  }
}
