/**
 * The keyboard pipes (keyboard-pipe.ts): the attached flag is 0 or 1; a
 * subscriber is a task not yet reaped (subscriptions go with their task),
 * subscribed once; its ring holds 0..PIPE_RING_BYTES bytes (tail - head,
 * wrapping) and its drop count is not negative.
 */
import * as L from '../core/layout.js';
import type { CheckContext, CheckSection } from './context.js';

export const keyboardPipesSection: CheckSection = {
  name: 'keyboard pipes',
  run(ctx: CheckContext): void {
    const { r, w } = ctx;
    const attached = w[r.pipes + L.K_ATTACHED]!;
    if (attached !== 0 && attached !== 1) ctx.report(`keyboard pipes: attached flag ${attached} is neither 0 nor 1`);
    const subscribers = new Map<number, number>();
    for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
      const p = r.pipe(i);
      const pid = w[p + L.P_PID]!;
      if (pid === 0) continue;
      const name = `keyboard subscriber ${i} (pid ${pid})`;
      if (ctx.unreapedSlotOf(pid) < 0) ctx.report(`${name}: the pid is no task (its subscription should have gone with it)`);
      const twin = subscribers.get(pid);
      if (twin !== undefined) ctx.report(`${name}: also subscribed as subscriber ${twin}`);
      else subscribers.set(pid, i);
      const waiting = (Atomics.load(w, p + L.P_TAIL) - Atomics.load(w, p + L.P_HEAD)) | 0;
      if (!(waiting >= 0 && waiting <= L.PIPE_RING_BYTES)) ctx.report(`${name}: head/tail ${w[p + L.P_HEAD]}/${w[p + L.P_TAIL]} say ${waiting} bytes, outside its ring of ${L.PIPE_RING_BYTES}`);
      if (w[p + L.P_DROPPED]! < 0) ctx.report(`${name}: drop count ${w[p + L.P_DROPPED]} is negative`);
    }
  },
};
