/**
 * The network side of the rou2exOS personality (docs/objects/network.md): who gets
 * the Ethernet frames a network interface delivers, and the driver's
 * transmit queue.
 *
 * A frame goes to the mailbox of the task registered for its TCP
 * destination port (IPv4, first fragment, 802.1Q tag allowed: see
 * tcpDestinationPortOf), else to the
 * registered driver's, else it is dropped; every drop and refusal has its
 * counter in the network block. Registrations are the driver (port 0) and a
 * table of NET_PORT_ENTRIES TCP ports, changed under the kernel lock and
 * released when their task is reaped; a registration whose task is not live
 * is never used. Delivery reads them without the lock.
 *
 * An attached interface owns a transmit queue (a mailbox of NET_TX_CAPACITY
 * frames owned by no task): the driver puts frames in, the interface's
 * thread takes them out and sends them on its link.
 */
import * as L from '../../core/layout.js';
import { EAGAIN, EBUSY, EFAULT, EINVAL, ENOSPC, EPERM, EPIPE, WOULD_BLOCK } from '../../core/errno.js';
import type { Region } from '../../core/region.js';
import type { TaskContext } from '../../core/context.js';
import { type MessageMemory, inBounds } from '../../core/copy.js';
import { releaseRef } from '../../core/object-table.js';
import { liveSlotOf } from '../../core/task-table.js';
import { lockQueue, unlockQueue } from '../../core/queue.js';
import { countRefused, createMailboxObject, putInMailboxOf, putLocked, takeLocked } from '../mailbox/mailbox.js';
import { ETHERNET_HEADER_BYTES, tcpDestinationPortOf } from './frame-route.js';

function isLive(r: Region, pid: number): boolean {
  return pid !== 0 && liveSlotOf(r, pid) >= 0;
}

/**
 * net_register: `port` 0 makes the caller the network driver; 1..65535
 * gives it the frames whose TCP destination port is `port`. Registering
 * what the caller already holds is a no-op. Returns 0.
 * Errors: EINVAL `port` outside 0..65535; EBUSY another live task is the
 * driver or holds the port; ENOSPC all NET_PORT_ENTRIES entries are taken
 * (nothing is overwritten).
 */
export function netRegister(ctx: TaskContext, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return -EINVAL;
  const r = ctx.r;
  const w = r.w;
  const net = r.net;
  r.lock();
  if (port === 0) {
    const driver = w[net + L.NET_DRIVER]!;
    if (driver !== ctx.pid && isLive(r, driver)) return refuse(r, -EBUSY);
    r.set(net + L.NET_DRIVER, ctx.pid);
    return r.unlockWith(0);
  }
  let free = -1;
  for (let i = 0; i < L.NET_PORT_ENTRIES; i++) {
    const e = net + L.NET_PORTS + i * L.NET_PORT_WORDS;
    const holder = w[e + 1]!;
    if (!isLive(r, holder)) {
      if (free < 0) free = e;
    } else if (w[e] === port) {
      return holder === ctx.pid ? r.unlockWith(0) : refuse(r, -EBUSY);
    }
  }
  if (free < 0) return refuse(r, -ENOSPC);
  r.set(free, port);
  r.set(free + 1, ctx.pid);
  return r.unlockWith(0);
}

function refuse(r: Region, errno: number): number {
  Atomics.add(r.w, r.net + L.NET_REGISTER_REFUSED, 1);
  return r.fail(errno);
}

/** Releases every registration of `pid` (its task is being reaped). Kernel lock held. */
export function releaseNetRegistrations(r: Region, pid: number): void {
  const w = r.w;
  const net = r.net;
  if (w[net + L.NET_DRIVER] === pid) r.set(net + L.NET_DRIVER, 0);
  for (let i = 0; i < L.NET_PORT_ENTRIES; i++) {
    const e = net + L.NET_PORTS + i * L.NET_PORT_WORDS;
    if (w[e + 1] !== pid) continue;
    r.set(e, 0);
    r.set(e + 1, 0);
  }
}

/** The live task registered for TCP port `port`, or 0. */
function portHolder(r: Region, port: number): number {
  const w = r.w;
  for (let i = 0; i < L.NET_PORT_ENTRIES; i++) {
    const e = r.net + L.NET_PORTS + i * L.NET_PORT_WORDS;
    const holder = w[e + 1]!;
    if (holder !== 0 && w[e] === port && isLive(r, holder)) return holder;
  }
  return 0;
}

/**
 * Delivers one Ethernet frame from the network interface: into the mailbox
 * of the task bound to its TCP destination port, else of the driver, as a
 * frame from pid 0 whose length is the message length. Never blocks.
 * Returns the network-block counter it added one to: NET_TO_PORT,
 * NET_TO_DRIVER, or NET_DROP_RUNT / NET_DROP_TOO_BIG / NET_DROP_FULL (the
 * target's mailbox was full; its refusal is counted there too) /
 * NET_DROP_NO_ROUTE.
 */
export function deliverFrame(ctx: TaskContext, frame: Uint8Array): number {
  const r = ctx.r;
  const net = r.net;
  Atomics.add(r.w, net + L.NET_FRAMES_IN, 1);
  let outcome: number;
  if (frame.length < ETHERNET_HEADER_BYTES) outcome = L.NET_DROP_RUNT;
  else if (frame.length > L.FRAME_MAX_BYTES) outcome = L.NET_DROP_TOO_BIG;
  else {
    const port = tcpDestinationPortOf(frame);
    const holder = port !== undefined && port > 0 ? portHolder(r, port) : 0;
    outcome = holder !== 0 ? deliverTo(ctx, holder, frame, L.NET_TO_PORT) : -1;
    // A holder that died just now: the frame goes to the driver instead.
    if (outcome < 0) {
      const driver = Atomics.load(r.w, net + L.NET_DRIVER);
      outcome = driver !== 0 ? deliverTo(ctx, driver, frame, L.NET_TO_DRIVER) : -1;
    }
    if (outcome < 0) outcome = L.NET_DROP_NO_ROUTE;
  }
  Atomics.add(r.w, net + outcome, 1);
  return outcome;
}

/** Puts `frame` in `pid`'s mailbox: `delivered`, NET_DROP_FULL, or -1 when `pid` is not live (or has no room for a mailbox). */
function deliverTo(ctx: TaskContext, pid: number, frame: Uint8Array, delivered: number): number {
  const result = putInMailboxOf(ctx, pid, frame, 0, frame.length, 0, L.MAIL_KIND_FRAME, false);
  if (result === 0) return delivered;
  return result === -EAGAIN ? L.NET_DROP_FULL : -1;
}

/**
 * Gives the kernel a network interface: creates its transmit queue. Returns
 * 0. Errors: EBUSY an interface is attached already; ENOMEM no room for
 * the queue.
 */
export function attachInterface(ctx: TaskContext): number {
  const r = ctx.r;
  r.lock();
  if (r.w[r.net + L.NET_TX] !== 0) return r.fail(-EBUSY);
  const queue = createMailboxObject(r, 0, L.NET_TX_CAPACITY);
  if (queue < 0) return r.fail(queue);
  r.set(r.net + L.NET_TX, queue + 1);
  return r.unlockWith(0);
}

/** Removes the network interface: its queued frames are dropped and the interface's pending take ends with EPIPE. */
export function detachInterface(ctx: TaskContext): void {
  const r = ctx.r;
  r.lock();
  const queue = r.w[r.net + L.NET_TX]!;
  if (queue !== 0) {
    r.set(r.net + L.NET_TX, 0);
    releaseRef(r, queue - 1);
  }
  r.unlock();
}

/** Takes queue lock `which` of the attached interface's transmit queue: its record, or -EPIPE when none is attached. */
function lockTransmitQueue(r: Region, which: number): number {
  const queue = Atomics.load(r.w, r.net + L.NET_TX);
  if (queue === 0) return -EPIPE;
  const o = r.object(queue - 1);
  lockQueue(r, o, which);
  if (Atomics.load(r.w, r.net + L.NET_TX) === queue && !(r.w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED)) return o;
  unlockQueue(r, o, which);
  return -EPIPE;
}

/**
 * One try of the driver transmitting the `length`-byte Ethernet frame at
 * `offset` of `src`: queues it for the interface. Returns 0. While the
 * queue is full: -EAGAIN (counted in NET_TX_REFUSED) or, when `blocking`,
 * WOULD_BLOCK with the wait recorded.
 * Errors: EINVAL `length` outside ETHERNET_HEADER_BYTES..FRAME_MAX_BYTES;
 * EFAULT the frame lies outside `src`; EPERM the caller is not the
 * registered driver; EPIPE no interface is attached.
 */
export function netTransmit(ctx: TaskContext, src: MessageMemory, offset: number, length: number, blocking: boolean): number {
  if (!Number.isInteger(length) || length < ETHERNET_HEADER_BYTES || length > L.FRAME_MAX_BYTES) return -EINVAL;
  if (!inBounds(src, offset, length)) return -EFAULT;
  const r = ctx.r;
  if (Atomics.load(r.w, r.net + L.NET_DRIVER) !== ctx.pid) return -EPERM;
  const o = lockTransmitQueue(r, L.O_SEND_LOCK);
  if (o < 0) return o;
  const result = putLocked(ctx, o, src.bytes, offset, length, ctx.pid, L.MAIL_KIND_FRAME);
  unlockQueue(r, o, L.O_SEND_LOCK);
  if (result === 0) {
    Atomics.add(r.w, r.net + L.NET_TX_FRAMES, 1);
    return 0;
  }
  if (blocking) return result;
  countRefused(r, o);
  Atomics.add(r.w, r.net + L.NET_TX_REFUSED, 1);
  return -EAGAIN;
}

/**
 * One try of the interface taking the oldest frame the driver queued into
 * `dst` at `offset` (which must hold FRAME_MAX_BYTES). Returns its length;
 * WOULD_BLOCK (wait recorded) when none is queued; -EPIPE once the
 * interface is detached; -EFAULT when `dst` is too small.
 */
export function takeTransmitted(ctx: TaskContext, dst: MessageMemory, offset: number): number {
  const r = ctx.r;
  const o = lockTransmitQueue(r, L.O_RECV_LOCK);
  if (o < 0) return o;
  const result = takeLocked(ctx, o, dst, offset);
  unlockQueue(r, o, L.O_RECV_LOCK);
  return result === -1 ? WOULD_BLOCK : result;
}
