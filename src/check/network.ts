/**
 * The network block (network.ts): the driver and every TCP port holder are
 * tasks not yet reaped (registrations go with their task); a port entry is
 * free (port and pid 0) or holds a port in 1..65535, and no port is held
 * twice; the transmit queue, when attached, is a live mailbox; every frame
 * the interface handed in was counted once, delivered or dropped.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

const OUTCOMES = [L.NET_TO_PORT, L.NET_TO_DRIVER, L.NET_DROP_NO_ROUTE, L.NET_DROP_FULL, L.NET_DROP_TOO_BIG, L.NET_DROP_RUNT];

export const networkSection: CheckSection = {
  name: 'network',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const net = r.net;
    const driver = w[net + L.NET_DRIVER]!;
    if (driver !== 0 && ctx.unreapedSlotOf(driver) < 0) ctx.report(`network block: the driver pid ${driver} is no task (its registration should have gone with it)`);
    const holders = new Map<number, number>();
    for (let i = 0; i < L.NET_PORT_ENTRIES; i++) {
      const e = net + L.NET_PORTS + i * L.NET_PORT_WORDS;
      const port = w[e]!;
      const pid = w[e + 1]!;
      if (pid === 0) {
        if (port !== 0) ctx.report(`network port entry ${i}: TCP port ${port} with no task`);
        continue;
      }
      const name = `network port entry ${i} (TCP port ${port}, pid ${pid})`;
      if (!(port >= 1 && port <= 65535)) ctx.report(`${name}: the TCP port is outside 1..65535`);
      if (ctx.unreapedSlotOf(pid) < 0) ctx.report(`${name}: the pid is no task (its registration should have gone with it)`);
      const twin = holders.get(port);
      if (twin !== undefined) ctx.report(`${name}: TCP port ${port} is also held by entry ${twin}`);
      else holders.set(port, i);
    }
    const tx = w[net + L.NET_TX]!;
    if (tx !== 0 && (!ctx.isLiveObject(tx - 1) || w[r.object(tx - 1) + L.O_TYPE] !== L.OBJ_MAILBOX)) {
      ctx.report(`network block: the transmit queue is object ${tx - 1}, which is no live mailbox`);
    }
    const framesIn = w[net + L.NET_FRAMES_IN]!;
    const counted = OUTCOMES.reduce((sum, outcome) => sum + w[net + outcome]!, 0);
    if (framesIn !== counted) ctx.report(`network block: ${framesIn} frames came in but ${counted} were delivered or dropped`);
  },
};
