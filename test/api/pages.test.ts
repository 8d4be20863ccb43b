/**
 * Page IPC through the typed API (task.pages, docs/objects/pages.md) across real
 * worker-thread tasks (api/fixtures/pages-agent.ts): every combination of the five send
 * flag bits (who can then read and write what, and who sees whose writes),
 * reserved bits, a move revoking the sender's access, broadcasts with a
 * target lacking a handler, the in-flight quota, bad ranges for every call,
 * rights when sending on pages held read-only, handlers running on the
 * receiver's event loop (after a blocking call returns), dispatch() for a
 * task that never yields and dispatch({ timeout }), read-only mappings,
 * handler registration, and an abandon after the handler reused the range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NoSpaceError,
  PAGE_BYTES,
  MAX_SEND_PAGES,
  errno as E,
  sendFlags,
  sys as S,
  type Kernel,
  type PageTarget,
} from '../../src/index.js';
import { kipcError } from '../support/errors.js';
import { tick, waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { CTL, PgAgent, isError, pagesOf, type DeliveryOut } from './fixtures/pages-agent-client.js';
import { pattern } from '../support/patterns.js';
import { remote } from '../support/agent.js';
import { taskOf, waitBlocked } from '../support/blocked.js';
import { sleepMs } from '../support/sleep.js';

const T = { timeout: 60_000 };
const TYPE = 7;

const fault = remote('FaultError', 14, 'EFAULT');
const invalid = remote('InvalidArgumentError', 22, 'EINVAL');

/** Pids of the live tasks (what a broadcast considers). */
function livePids(kernel: Kernel): number[] {
  return kernel.snapshot().tasks.filter((t) => t.state !== 'exited' && t.state !== 'exiting').map((t) => t.pid);
}

/** Waits until no delivery is in flight (every handler decided). */
async function settled(kernel: Kernel, what: string): Promise<void> {
  await waitFor(() => kernel.usage().deliveries === 0, `${what}: every delivery decided`);
}

test('the send flags table: all 32 combinations of keep / receiver writes / duplicate / target: who reads and writes what, who sees whose writes, frames and mappings after', T, async () => {
  await withKernel(async (kernel) => {
    const NP = 2;
    const LEN = NP * PAGE_BYTES;
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await s.handleType(TYPE);
    await r.handleType(TYPE);
    const base = kernel.usage();
    const targetNames = ['pid', 'self', 'all', 'others'] as const;

    for (let f = 0; f < 32; f++) {
      const keep = (f & 1) !== 0;
      const rw = (f & 2) !== 0;
      const dup = (f & 4) !== 0;
      const tgt = f >> 3;
      const moved = !keep && !dup;
      const label = `flags ${f} (${dup ? 'duplicate' : keep ? 'share' : 'move'}, receiver ${rw ? 'writes' : 'reads only'}, target ${targetNames[tgt]})`;
      const target: PageTarget = tgt === 0 ? r.pid : targetNames[tgt] as PageTarget;
      const options = { keep, receiverWrites: rw, duplicate: dup };
      assert.equal(sendFlags(target, options), f, `${label}: sendFlags`);
      const receivers = tgt === 0 ? [r] : tgt === 1 ? [s] : tgt === 2 ? [s, r] : [r];
      const considered = tgt === 0 ? [r.pid] : tgt === 1 ? [s.pid] : livePids(kernel).filter((pid) => tgt === 2 || pid !== s.pid);

      const content = pattern(f + 1, LEN);
      const a = await s.alloc(NP);
      await s.write(a, content);
      const seen = new Map(receivers.map((x) => [x, x.deliveries.length]));
      const countsBefore = [s.deliveries.length, r.deliveries.length];
      const handledBefore = Atomics.load(s.ctl, CTL.handled);

      const out = await s.send(target, TYPE, a, NP, options, 64);
      assert.equal(out.delivered, receivers.length, `${label}: delivered`);
      assert.deepEqual(
        out.targets.map((t) => [t.pid, t.error?.name ?? 'ok', t.error?.errno ?? 0]).sort((x, y) => (x[0] as number) - (y[0] as number)),
        considered
          .slice()
          .sort((x, y) => x - y)
          .map((pid) => (receivers.some((x) => x.pid === pid) ? [pid, 'ok', 0] : [pid, 'NotFoundError', E.ENOENT])),
        `${label}: per-target results (init has no handler)`,
      );
      // Right after the send, before the sender's event loop turned.
      const probe = out.probe!;
      assert.equal(probe.handledBefore, handledBefore, `${label}: no handler ran inside the send`);
      if (moved) {
        assert.ok(isError(probe.read, 'FaultError', E.EFAULT), `${label}: the sender lost read access at once: ${JSON.stringify(probe.read)}`);
        assert.ok(isError(probe.write, 'FaultError', E.EFAULT), `${label}: the sender lost write access at once`);
      } else {
        assert.deepEqual(probe.read, content.slice(0, 64), `${label}: the sender still reads`);
        assert.equal(probe.write, 'ok', `${label}: the sender still writes`);
      }

      // Every receiver's handler ran once, with what was sent.
      const got = new Map<PgAgent, DeliveryOut>();
      for (const x of receivers) {
        const list = await x.waitDeliveries(seen.get(x)! + 1, `${label}: agent ${x.pid}'s handler`);
        const d = list[list.length - 1]!;
        assert.deepEqual(
          [d.sender, d.type, d.npages, d.flags, d.writable, [...d.head]],
          [s.pid, TYPE, NP, f, rw, [...content.slice(0, 16)]],
          `${label}: delivery to ${x.pid}`,
        );
        assert.equal(d.addr % PAGE_BYTES, 0);
        got.set(x, d);
      }
      await settled(kernel, label);
      for (const [i, x] of [s, r].entries()) assert.equal(x.deliveries.length, countsBefore[i]! + (got.has(x) ? 1 : 0), `${label}: no other delivery to ${x.pid}`);
      if (!receivers.includes(s)) assert.equal(Atomics.load(s.ctl, CTL.handled), handledBefore, `${label}: the sender is no receiver`);

      // Frames in the pool and pages mapped per task.
      const framesUsed = NP * (dup ? 1 + receivers.length : 1);
      assert.equal(kernel.usage().pages, base.pages + framesUsed, `${label}: frames in use`);
      const snap = kernel.snapshot();
      assert.deepEqual(taskOf(snap, s.pid)!.pages, { mapped: (moved ? 0 : NP) + (receivers.includes(s) ? NP : 0), inFlight: 0 }, `${label}: sender's pages`);
      assert.deepEqual(taskOf(snap, r.pid)!.pages, { mapped: receivers.includes(r) ? NP : 0, inFlight: 0 }, `${label}: receiver's pages`);

      // Mappings and the frames behind them: one group when the frames are shared (move or share), one per copy (duplicate).
      interface Mapping {
        who: PgAgent;
        addr: number;
        writable: boolean;
        group: Uint8Array;
        name: string;
      }
      const shared = content.slice();
      const mappings: Mapping[] = [];
      if (!moved) mappings.push({ who: s, addr: a, writable: true, group: dup ? content.slice() : shared, name: 'the sender' });
      for (const [x, d] of got) mappings.push({ who: x, addr: d.addr, writable: rw, group: dup ? content.slice() : shared, name: `receiver ${x.pid}${x === s ? ' (the sender itself)' : ''}` });
      if (moved && !(got.has(s) && got.get(s)!.addr === a)) {
        await assert.rejects(s.read(a, 1), fault, `${label}: the sender cannot read what it moved`);
        await assert.rejects(s.write(a, Uint8Array.of(1)), fault, `${label}: the sender cannot write what it moved`);
      }

      // Everyone reads what was sent; writers write their mark (write() and through view()); read-only ones are refused.
      for (const m of mappings) assert.deepEqual(await m.who.read(m.addr, LEN), content, `${label}: ${m.name} reads the pages`);
      for (const [i, m] of mappings.entries()) {
        const mark = pattern(1000 + f * 8 + i, 16);
        const viewMark = pattern(2000 + f * 8 + i, 16);
        const at = 256 + 32 * i;
        const viewAt = PAGE_BYTES + 512 + 32 * i;
        if (m.writable) {
          await m.who.write(m.addr + at, mark);
          await m.who.run({ op: 'viewWrite', addr: m.addr, npages: NP, offset: viewAt, bytes: viewMark });
          m.group.set(mark, at);
          m.group.set(viewMark, viewAt);
        } else {
          await assert.rejects(m.who.write(m.addr + at, mark), fault, `${label}: ${m.name} may not write`);
          await assert.rejects(m.who.run({ op: 'viewWrite', addr: m.addr, npages: NP, offset: viewAt, bytes: viewMark }), fault, `${label}: ${m.name} gets no view`);
          await assert.rejects(m.who.run({ op: 'viewRead', addr: m.addr, npages: NP, offset: 0, length: 1 }), fault, `${label}: ${m.name} gets no view`);
        }
      }
      // Who sees whose writes: each mapping holds exactly its frames' writes.
      for (const m of mappings) {
        assert.deepEqual(await m.who.read(m.addr, LEN), m.group, `${label}: what ${m.name} sees after the writes`);
      }

      for (const m of mappings) await m.who.free(m.addr, NP);
      assert.deepEqual(kernel.usage(), base, `${label}: everything returned`);
      assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 0, inFlight: 0 });
      assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 0, inFlight: 0 });
    }

    assert.deepEqual(kernel.usage(), base);
  });
});

test('reserved send flag bits (bit 5 and up, with every valid combination below them) are EINVAL and nothing moves; also bits past 31', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await s.handleType(TYPE);
    await r.handleType(TYPE);
    const base = kernel.usage();
    const content = pattern(99, PAGE_BYTES);
    const a = await s.alloc(1);
    await s.write(a, content);
    const refused = async (highs: number[]): Promise<void> => {
      for (const low of [0, 1, 2, 4, 7, 0x08, 0x10, 0x18, 0x1f]) {
        for (const high of highs) {
          const flags = low + high;
          assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, a, 1, flags), -E.EINVAL, `PAGE_SEND with flags 0x${flags.toString(16)}`);
        }
      }
      assert.deepEqual(await s.read(a, PAGE_BYTES), content, 'the sender still has its page');
      await tick(50);
      assert.deepEqual([s.deliveries.length, r.deliveries.length], [0, 0], 'nobody got anything');
      assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 1, inFlight: 0 });
      assert.equal(kernel.usage().deliveries, 0);
    };
    await refused([1 << 5, 1 << 6, 1 << 12, 1 << 30, 2 ** 31, 0xffffffe0]);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, a, 1, -1), -E.EINVAL, 'flags -1');
    // Flags are a number: bits 32 and up are reserved bits too, not to be dropped on the way to 32-bit arithmetic.
    await refused([2 ** 32, 2 ** 40, 2 ** 52]);
    await s.free(a, 1);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a move really revokes: the sender\'s later read, write, view, free and send of those pages fail with FaultError (and EFAULT through the ABI)', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    const base = kernel.usage();
    const content = pattern(5, 3 * PAGE_BYTES);
    const a = await s.alloc(3);
    await s.write(a, content);
    const out = await s.send(r.pid, TYPE, a + PAGE_BYTES, 2, { receiverWrites: true });
    assert.equal(out.delivered, 1);
    const [d] = await r.waitDeliveries(1);
    await settled(kernel, 'the move');
    // The page left behind is still the sender's.
    assert.deepEqual(await s.read(a, PAGE_BYTES), content.slice(0, PAGE_BYTES));
    for (const [addr, n] of [
      [a + PAGE_BYTES, 1],
      [a + 2 * PAGE_BYTES, 1],
      [a + PAGE_BYTES, 2],
      [a, 2],
      [a, 3],
    ] as const) {
      await assert.rejects(s.read(addr, n * PAGE_BYTES), fault, `read ${addr}+${n}`);
      await assert.rejects(s.read(addr + n * PAGE_BYTES - 1, 1), fault, `read the last byte of ${addr}+${n}`);
      await assert.rejects(s.write(addr + n * PAGE_BYTES - 1, Uint8Array.of(1)), fault, `write ${addr}+${n}`);
      await assert.rejects(s.run({ op: 'viewRead', addr, npages: n, offset: 0, length: 1 }), fault, `view ${addr}+${n}`);
      await assert.rejects(s.free(addr, n), fault, `free ${addr}+${n}`);
      for (const options of [{}, { keep: true }, { duplicate: true }, { receiverWrites: true }]) {
        await assert.rejects(s.send(r.pid, TYPE, addr, n, options), fault, `send ${addr}+${n} ${JSON.stringify(options)}`);
      }
      assert.equal(await s.sys(S.SYS_PAGE_READ, addr + n * PAGE_BYTES - 16, 0, 16), -E.EFAULT);
      assert.equal(await s.sys(S.SYS_PAGE_WRITE, addr + n * PAGE_BYTES - 16, 0, 16), -E.EFAULT);
      assert.equal(await s.sys(S.SYS_PAGE_FREE, addr, n), -E.EFAULT);
      assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, addr, n, 1), -E.EFAULT);
    }
    assert.deepEqual(await s.read(a, PAGE_BYTES), content.slice(0, PAGE_BYTES), 'the failed calls changed nothing');
    assert.deepEqual(await r.read(d!.addr, 2 * PAGE_BYTES), content.slice(PAGE_BYTES), 'the receiver has the moved pages');
    await tick(20);
    assert.equal(r.deliveries.length, 1, 'no failed send delivered anything');
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 1, inFlight: 0 });
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 2, inFlight: 0 });
    // The receiver owns them now: its writes are its own, and it may move them on (back to the sender).
    await r.write(d!.addr, Uint8Array.of(42));
    await s.handleType(TYPE);
    assert.equal((await r.send(s.pid, TYPE, d!.addr, 2)).delivered, 1);
    const [back] = await s.waitDeliveries(1);
    assert.equal((await s.read(back!.addr, 1))[0], 42);
    await assert.rejects(r.read(d!.addr, 1), fault, 'and the receiver lost them in turn');
    await s.free(back!.addr, 2);
    await s.free(a, 1);
    await settled(kernel, 'the moves');
    assert.deepEqual(kernel.usage(), base);
  });
});

test('broadcast to all and to all-but-self with one target lacking a handler: the others receive, the per-target results say which, the count is right', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const b = await PgAgent.spawn(kernel);
    const c = await PgAgent.spawn(kernel);
    const lacking = await PgAgent.spawn(kernel);
    await lacking.handleType(TYPE + 1); // handles another type only
    for (const x of [s, b, c]) await x.handleType(TYPE);
    const initSeen: number[] = [];
    const stopInit = kernel.task.pages.handle(TYPE, (d) => {
      initSeen.push(d.read(0, 1)[0]!);
      return false;
    });
    const base = kernel.usage();
    const everyone = [1, s.pid, b.pid, c.pid, lacking.pid].sort((x, y) => x - y);
    assert.deepEqual(livePids(kernel).sort((x, y) => x - y), everyone);
    const resultOf = (out: { targets: { pid: number; error?: { name: string; errno?: number } }[] }) =>
      Object.fromEntries(out.targets.map((t) => [t.pid, t.error ? `${t.error.name} ${t.error.errno}` : 'ok']));

    // To all, shared and writable: init, the sender, b and c get them; `lacking` does not.
    const a = await s.alloc(1);
    await s.write(a, Uint8Array.of(1));
    const all = await s.send('all', TYPE, a, 1, { keep: true, receiverWrites: true });
    assert.equal(all.delivered, 4);
    assert.equal(all.targets.length, 5, 'every live task was considered');
    assert.deepEqual(resultOf(all), { 1: 'ok', [s.pid]: 'ok', [b.pid]: 'ok', [c.pid]: 'ok', [lacking.pid]: 'NotFoundError 2' });
    for (const x of [s, b, c]) {
      const [d] = await x.waitDeliveries(1);
      assert.deepEqual([d!.sender, d!.head[0], d!.writable], [s.pid, 1, true]);
    }
    await waitFor(() => initSeen.length === 1, 'init\'s handler');
    assert.equal(initSeen[0], 1);
    await settled(kernel, 'the broadcast to all');
    // Shared: a write by b is seen by c and by the sender.
    await b.write(b.deliveries[0]!.addr, Uint8Array.of(77));
    assert.equal((await c.read(c.deliveries[0]!.addr, 1))[0], 77);
    assert.equal((await s.read(a, 1))[0], 77);
    assert.equal((await s.read(s.deliveries[0]!.addr, 1))[0], 77);
    assert.equal(lacking.deliveries.length, 0);
    assert.equal(Atomics.load(lacking.ctl, CTL.handled), 0);

    // To all but self, moved: init, b and c; the sender loses its page (it got it nowhere else: it is no target).
    const m = await s.alloc(1);
    await s.write(m, Uint8Array.of(2));
    const others = await s.send('others', TYPE, m, 1);
    assert.equal(others.delivered, 3);
    assert.deepEqual(resultOf(others), { 1: 'ok', [b.pid]: 'ok', [c.pid]: 'ok', [lacking.pid]: 'NotFoundError 2' });
    await b.waitDeliveries(2);
    await c.waitDeliveries(2);
    await waitFor(() => initSeen.length === 2, 'init\'s handler');
    assert.equal(initSeen[1], 2);
    assert.equal(s.deliveries.length, 1, 'the sender is not a target of all-but-self');
    await assert.rejects(s.read(m, 1), fault, 'a move: the sender lost the page');
    assert.deepEqual([b.deliveries[1]!.head[0], c.deliveries[1]!.head[0], b.deliveries[1]!.writable], [2, 2, false]);
    await settled(kernel, 'the broadcast to others');

    // Nobody handles the type: nothing delivered, and a move takes nothing from the sender.
    const n = await s.alloc(1);
    const none = await s.send('others', TYPE + 2, n, 1);
    assert.equal(none.delivered, 0);
    assert.ok(none.targets.every((t) => t.error?.name === 'NotFoundError'));
    assert.equal(none.targets.length, 4);
    assert.deepEqual(await s.read(n, 1), Uint8Array.of(0), 'nothing sent: the sender keeps its page');
    // A single target with no handler is an error for the whole send.
    await assert.rejects(s.send(lacking.pid, TYPE, n, 1), remote('NotFoundError', 2, 'ENOENT'));
    await assert.rejects(s.send('self', TYPE + 1, n, 1), remote('NotFoundError', 2, 'ENOENT'));
    assert.deepEqual(await s.read(n, 1), Uint8Array.of(0));

    // Clean up and check nothing leaked.
    stopInit();
    for (const x of [b, c]) for (const d of x.deliveries) await x.free(d.addr, 1);
    await s.free(s.deliveries[0]!.addr, 1);
    await s.free(a, 1);
    await s.free(n, 1);
    await settled(kernel, 'everything');
    assert.deepEqual(kernel.usage(), base);
    for (const pid of everyone) assert.deepEqual(pagesOf(kernel, pid), { mapped: 0, inFlight: 0 }, `task ${pid}`);
  });
});

test('quota: a sender past its in-flight limit gets WouldBlockError (EAGAIN) and nothing moves; accepting or abandoning lifts the charge and sending works again', T, async () => {
  await withKernel(
    async (kernel) => {
      const P = PAGE_BYTES;
      const s = await PgAgent.spawn(kernel);
      const r = await PgAgent.spawn(kernel);
      // The receiver speaks the ABI: deliveries stay pending until it takes them.
      assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
      const base = kernel.usage();
      const content = pattern(3, 8 * P);
      const a = await s.alloc(8);
      await s.write(a, content);
      assert.equal((await s.send(r.pid, TYPE, a, 3)).delivered, 1, 'a move of 3 pages: 3 of 4 in flight');
      assert.deepEqual(await s.usage(), { mapped: 5, inFlight: 3 });
      const wouldBlock = remote('WouldBlockError', 11, 'EAGAIN');
      for (const options of [{}, { keep: true }, { duplicate: true }, { keep: true, receiverWrites: true }]) {
        await assert.rejects(s.send(r.pid, TYPE, a + 3 * P, 2, options), wouldBlock, `2 more pages ${JSON.stringify(options)}`);
      }
      await assert.rejects(s.send('others', TYPE, a + 3 * P, 2), wouldBlock, 'a broadcast past the quota');
      assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, a + 3 * P, 2, 0), -E.EAGAIN);
      // Nothing moved: the sender still maps and reads its pages, the receiver has one delivery pending.
      assert.deepEqual(await s.read(a + 3 * P, 5 * P), content.slice(3 * P));
      assert.deepEqual(await s.usage(), { mapped: 5, inFlight: 3 });
      assert.equal(kernel.usage().deliveries, 1);
      assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 0, inFlight: 0 });
      // Up to the quota exactly is fine; one page more is not.
      assert.equal((await s.send(r.pid, TYPE, a + 3 * P, 1)).delivered, 1);
      assert.deepEqual(await s.usage(), { mapped: 4, inFlight: 4 });
      await assert.rejects(s.send(r.pid, TYPE, a + 4 * P, 1, { duplicate: true }), wouldBlock);
      assert.deepEqual(await s.read(a + 4 * P, 4 * P), content.slice(4 * P));

      // The receiver takes and accepts the first delivery: the sender's charge drops by 3.
      const info = async (): Promise<number[]> => {
        const b = await r.mem(0, 24);
        const v = new DataView(b.buffer, b.byteOffset, 24);
        return [0, 1, 2, 3, 4, 5].map((i) => v.getUint32(i * 4, true));
      };
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, 0), 1);
      const [id1, sender1, type1, addr1, n1] = await info();
      assert.deepEqual([sender1, type1, n1], [s.pid, TYPE, 3]);
      assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, id1), 0);
      assert.deepEqual(await s.usage(), { mapped: 4, inFlight: 1 });
      assert.equal((await s.send(r.pid, TYPE, a + 4 * P, 2)).delivered, 1, 'sending works again');
      assert.deepEqual(await s.usage(), { mapped: 2, inFlight: 3 });
      await assert.rejects(s.send(r.pid, TYPE, a + 6 * P, 2), wouldBlock);
      // Abandoning lifts the charge too.
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, 0), 1);
      const [id2, , , , n2] = await info();
      assert.equal(n2, 1);
      assert.equal(await r.sys(S.SYS_PAGE_ABANDON, id2), 0);
      assert.deepEqual(await s.usage(), { mapped: 2, inFlight: 2 });
      assert.equal((await s.send(r.pid, TYPE, a + 6 * P, 2)).delivered, 1);
      assert.deepEqual(await s.usage(), { mapped: 0, inFlight: 4 });
      for (let i = 0; i < 2; i++) {
        assert.equal(await r.sys(S.SYS_PAGE_TAKE, 0), 1);
        const [id, , , addr, n] = await info();
        assert.deepEqual(await r.read(addr, n * P), content.slice((4 + 2 * i) * P, (4 + 2 * i + n) * P));
        assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, id), 0);
        assert.equal(await r.sys(S.SYS_PAGE_FREE, addr, n), 0);
      }
      assert.deepEqual(await r.read(addr1, 3 * P), content.slice(0, 3 * P));
      assert.equal(await r.sys(S.SYS_PAGE_FREE, addr1, 3), 0);
      assert.deepEqual(await s.usage(), { mapped: 0, inFlight: 0 });
      assert.deepEqual(kernel.usage(), base);
    },
    { pageQuota: 4 },
  );
});

test('no free delivery record: a single send is WouldBlockError; a broadcast delivers to the targets it has records for and reports WouldBlockError for the rest', T, async () => {
  await withKernel(
    async (kernel) => {
      // The sender may take every record: the kernel-wide table runs out, not its quota (docs/quotas.md).
      const s = await PgAgent.spawn(kernel, { quotas: { deliveries: 2 } });
      const rs = [await PgAgent.spawn(kernel), await PgAgent.spawn(kernel), await PgAgent.spawn(kernel)];
      for (const r of rs) assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
      const base = kernel.usage();
      const a = await s.alloc(4);
      assert.equal((await s.send(rs[0]!.pid, TYPE, a, 1)).delivered, 1);
      assert.equal((await s.send(rs[1]!.pid, TYPE, a + PAGE_BYTES, 1)).delivered, 1);
      await assert.rejects(s.send(rs[2]!.pid, TYPE, a + 2 * PAGE_BYTES, 1), remote('WouldBlockError', 11, 'EAGAIN'));
      assert.deepEqual(await s.usage(), { mapped: 2, inFlight: 2 });
      // Free one record: a broadcast to the three gets one through.
      assert.equal(await rs[0]!.sys(S.SYS_PAGE_TAKE, 0), 1);
      const id = new DataView((await rs[0]!.mem(0, 4)).buffer).getUint32(0, true);
      assert.equal(await rs[0]!.sys(S.SYS_PAGE_ABANDON, id), 0);
      const out = await s.send('others', TYPE, a + 2 * PAGE_BYTES, 1, { keep: true });
      assert.equal(out.delivered, 1);
      const byPid = new Map(out.targets.map((t) => [t.pid, t.error ? `${t.error.name} ${t.error.errno}` : 'ok']));
      assert.equal(byPid.get(1), 'NotFoundError 2', 'init has no handler');
      assert.deepEqual(
        rs.map((r) => byPid.get(r.pid)).sort(),
        ['WouldBlockError 11', 'WouldBlockError 11', 'ok'],
        `one target got a record: ${JSON.stringify(out.targets)}`,
      );
      assert.equal(kernel.usage().deliveries, 2);
      await Promise.all(rs.map((r) => r.terminate()));
      await s.free(a + 2 * PAGE_BYTES, 2);
      await settled(kernel, 'the receivers\' deaths');
      assert.deepEqual(await s.usage(), { mapped: 0, inFlight: 0 });
      assert.deepEqual({ ...kernel.usage(), tasks: base.tasks }, base);
    },
    { deliveries: 2 },
  );
});

test('bad ranges: zero, unaligned, out-of-range (past the page space) and foreign (mapped by another task) ranges for alloc, free, send, read and write', T, async () => {
  await withKernel(
    async (kernel) => {
      const P = PAGE_BYTES;
      const SPACE = 16;
      const a = await PgAgent.spawn(kernel);
      const b = await PgAgent.spawn(kernel);
      await b.handleType(TYPE);
      const base = kernel.usage();
      const noMemory = remote('OutOfMemoryError', 12, 'ENOMEM');
      const noTask = remote('NoSuchTaskError', 3, 'ESRCH');

      // alloc
      for (const n of [0, -1, 1.5, SPACE + 1, 2 ** 31, NaN]) await assert.rejects(a.alloc(n), invalid, `alloc(${n})`);
      const mine = await a.alloc(2); // a: pages 0-1
      assert.equal(mine, 0, 'the lowest free range');
      await assert.rejects(a.alloc(SPACE - 1), noMemory, 'no free range that long in the space');
      const rest = await a.alloc(SPACE - 2);
      assert.equal(rest, 2 * P);
      await a.free(rest, SPACE - 2);
      // The pool is smaller than two full spaces: b cannot get 16 frames while a holds 10.
      const held = await a.alloc(8);
      await assert.rejects(b.alloc(SPACE), noMemory, 'not that many free frames in the pool');
      await a.free(held, 8);
      const theirs = await b.alloc(4); // b: pages 0-3; a maps only 0-1
      assert.equal(theirs, 0);
      const foreign = 3 * P; // mapped by b, not by a
      await b.write(foreign, Uint8Array.of(9));
      const bContent = await b.read(0, 4 * P);

      // free
      for (const [addr, n] of [
        [mine, 0],
        [mine, -1],
        [mine + 1, 1],
        [mine + P / 2, 1],
        [-P, 1],
        [1.5, 1],
      ] as const) {
        await assert.rejects(a.free(addr, n), invalid, `free(${addr}, ${n})`);
      }
      for (const [addr, n] of [
        [SPACE * P, 1],
        [(SPACE - 1) * P, 2],
        [2 ** 40, 1],
        [foreign, 1],
        [mine, 3],
        [2 * P, 1],
      ] as const) {
        await assert.rejects(a.free(addr, n), fault, `free(${addr}, ${n})`);
      }

      // send
      for (const [addr, n] of [
        [mine, 0],
        [mine + 8, 1],
        [mine, MAX_SEND_PAGES + 1],
        [-P, 1],
      ] as const) {
        await assert.rejects(a.send(b.pid, TYPE, addr, n), invalid, `send(${addr}, ${n})`);
      }
      for (const type of [-1, 2 ** 31, 1.5]) await assert.rejects(a.send(b.pid, type, mine, 1), invalid, `send type ${type}`);
      for (const [addr, n] of [
        [SPACE * P, 1],
        [(SPACE - 1) * P, 2],
        [foreign, 1],
        [mine, 3],
      ] as const) {
        for (const options of [{}, { keep: true }, { duplicate: true }]) {
          await assert.rejects(a.send(b.pid, TYPE, addr, n, options), fault, `send(${addr}, ${n}, ${JSON.stringify(options)})`);
        }
      }
      await assert.rejects(a.send(9999, TYPE, mine, 1), noTask);
      await assert.rejects(a.send(0, TYPE, mine, 1), noTask);

      // read and write: any byte range of mapped pages; nothing outside
      assert.deepEqual(await a.read(mine, 0), new Uint8Array(0), 'a zero-length read reads nothing');
      assert.deepEqual(await a.read(foreign, 0), new Uint8Array(0));
      await a.write(foreign, new Uint8Array(0));
      await a.write(mine + 4093, Uint8Array.of(1, 2, 3, 4, 5, 6));
      assert.deepEqual(await a.read(mine + 4093, 6), Uint8Array.of(1, 2, 3, 4, 5, 6), 'unaligned and across a page boundary');
      for (const [addr, len] of [
        [SPACE * P, 1],
        [SPACE * P - 1, 2],
        [(SPACE - 1) * P, 1],
        [foreign, 1],
        [foreign + 100, 10],
        [2 * P - 1, 2],
        [mine, 2 * P + 1],
        [-1, 1],
        [2 ** 40, 1],
        [0.5, 1],
      ] as const) {
        await assert.rejects(a.read(addr, len), fault, `read(${addr}, ${len})`);
        await assert.rejects(a.write(addr, new Uint8Array(len)), fault, `write(${addr}, ${len})`);
      }
      // Nothing of that touched b's pages or a's.
      assert.deepEqual(await b.read(0, 4 * P), bContent);
      assert.deepEqual(pagesOf(kernel, a.pid), { mapped: 2, inFlight: 0 });
      assert.deepEqual(pagesOf(kernel, b.pid), { mapped: 4, inFlight: 0 });
      assert.equal(b.deliveries.length, 0);
      await a.free(mine, 2);
      await b.free(theirs, 4);
      assert.deepEqual(kernel.usage(), base);
    },
    { pageSpace: 16, pages: 24 },
  );
});

test('rights: pages held read-only can be sent on read-only (move or share) or duplicated writable, never passed on writable (FaultError)', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    const x = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    await x.handleType(TYPE);
    const base = kernel.usage();
    const content = pattern(11, 3 * PAGE_BYTES);
    const a = await s.alloc(3);
    await s.write(a, content);
    await s.send(r.pid, TYPE, a, 3); // read-only for r
    const [d] = await r.waitDeliveries(1);
    assert.equal(d!.writable, false);
    const ro = d!.addr;
    for (const options of [{ receiverWrites: true }, { keep: true, receiverWrites: true }]) {
      await assert.rejects(r.send(x.pid, TYPE, ro, 1, options), fault, `onward ${JSON.stringify(options)}`);
    }
    assert.equal(await r.sys(S.SYS_PAGE_SEND, x.pid, TYPE, ro, 1, 2), -E.EFAULT);
    // A writable copy is fine: the copy is x's own.
    assert.equal((await r.send(x.pid, TYPE, ro, 1, { duplicate: true, receiverWrites: true })).delivered, 1);
    const [copy] = await x.waitDeliveries(1);
    assert.equal(copy!.writable, true);
    await x.write(copy!.addr, Uint8Array.of(0xee));
    assert.equal((await r.read(ro, 1))[0], content[0], 'the copy is independent');
    // Shared on read-only: x reads r's page, may not write it.
    assert.equal((await r.send(x.pid, TYPE, ro + PAGE_BYTES, 1, { keep: true })).delivered, 1);
    const [, shared] = await x.waitDeliveries(2);
    assert.equal(shared!.writable, false);
    await assert.rejects(x.write(shared!.addr, Uint8Array.of(1)), fault);
    assert.deepEqual(await x.read(shared!.addr, PAGE_BYTES), content.slice(PAGE_BYTES, 2 * PAGE_BYTES));
    // Moved on read-only.
    assert.equal((await r.send(x.pid, TYPE, ro + 2 * PAGE_BYTES, 1)).delivered, 1);
    const [, , moved] = await x.waitDeliveries(3);
    assert.equal(moved!.writable, false);
    await assert.rejects(r.read(ro + 2 * PAGE_BYTES, 1), fault);
    assert.deepEqual(await x.read(moved!.addr, PAGE_BYTES), content.slice(2 * PAGE_BYTES));
    await settled(kernel, 'the sends');
    for (const dd of x.deliveries) await x.free(dd.addr, 1);
    await r.free(ro, 2);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a read-only mapping refuses write() and view() with FaultError (and PAGE_WRITE with EFAULT) but read() and PAGE_READ work', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    const content = pattern(21, 2 * PAGE_BYTES);
    const a = await s.alloc(2);
    await s.write(a, content);
    await s.send(r.pid, TYPE, a, 2, { keep: true });
    const [d] = await r.waitDeliveries(1);
    assert.equal(d!.writable, false);
    assert.equal(d!.flags & 2, 0);
    assert.deepEqual(await r.read(d!.addr, 2 * PAGE_BYTES), content);
    assert.deepEqual(await r.read(d!.addr + 5000, 7), content.slice(5000, 5007));
    for (const [off, len] of [
      [0, 1],
      [4095, 2],
      [PAGE_BYTES, PAGE_BYTES],
    ] as const) {
      await assert.rejects(r.write(d!.addr + off, new Uint8Array(len)), fault, `write at ${off}`);
    }
    await assert.rejects(r.run({ op: 'viewRead', addr: d!.addr, npages: 2, offset: 0, length: 1 }), fault);
    await assert.rejects(r.run({ op: 'viewWrite', addr: d!.addr + PAGE_BYTES, npages: 1, offset: 0, bytes: Uint8Array.of(1) }), fault);
    await r.memWrite(100, pattern(1, 32));
    assert.equal(await r.sys(S.SYS_PAGE_WRITE, d!.addr, 100, 32), -E.EFAULT);
    assert.equal(await r.sys(S.SYS_PAGE_READ, d!.addr, 200, 32), 32);
    assert.deepEqual(await r.mem(200, 32), content.slice(0, 32));
    assert.deepEqual(await s.read(a, 2 * PAGE_BYTES), content, 'the refused writes changed nothing');
    // The sender's own mapping of the shared pages stays writable; the receiver sees its writes.
    await s.run({ op: 'viewWrite', addr: a, npages: 2, offset: 10, bytes: Uint8Array.of(7, 7) });
    assert.deepEqual(await r.read(d!.addr + 10, 2), Uint8Array.of(7, 7));
    await r.free(d!.addr, 2);
    await s.free(a, 2);
  });
});

test('handlers run on the receiver\'s event loop: a receiver blocked in a semaphore acquire or a mailbox receive runs the handler only after that call returns', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    const a = await s.alloc(2);
    await s.write(a, Uint8Array.of(1));
    await s.write(a + PAGE_BYTES, Uint8Array.of(2));

    // Blocked in a semaphore acquire.
    const sem = kernel.task.createSemaphore(0);
    const acquiring = r.start<number>({ op: 'semAcquire', handle: sem.grant(r.pid) });
    await waitBlocked(kernel, r.pid, { type: 'semaphore' });
    assert.equal((await s.send(r.pid, TYPE, a, 1)).delivered, 1, 'the send does not wait for the receiver');
    await tick(100);
    assert.equal(Atomics.load(r.ctl, CTL.handled), 0, 'no handler ran while the receiver was blocked');
    assert.equal(r.deliveries.length, 0);
    assert.equal(kernel.usage().deliveries, 1, 'the delivery is pending');
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 0, inFlight: 0 }, 'nothing mapped in the receiver yet');
    assert.equal(taskOf(kernel.snapshot(), r.pid)!.state, 'blocked', 'still blocked in acquire');
    sem.release();
    assert.equal(await within(acquiring, 10_000, 'the acquire'), 0, 'no handler had run when acquire returned');
    const [d1] = await r.waitDeliveries(1);
    assert.equal(d1!.returned, 1, 'the handler ran after acquire returned');
    assert.equal(d1!.head[0], 1);

    // Blocked in a mailbox receive.
    Atomics.store(r.ctl, CTL.returned, 0);
    const receiving = r.start<{ handled: number; data: Uint8Array }>({ op: 'mailReceive' });
    await waitBlocked(kernel, r.pid, { type: 'mailbox' });
    assert.equal((await s.send(r.pid, TYPE, a + PAGE_BYTES, 1)).delivered, 1);
    await tick(100);
    assert.equal(Atomics.load(r.ctl, CTL.handled), 1);
    assert.equal(kernel.usage().deliveries, 1);
    kernel.task.mailbox.send(r.pid, 'wake up');
    const got = await within(receiving, 10_000, 'the mailbox receive');
    assert.equal(new TextDecoder().decode(got.data), 'wake up');
    assert.equal(got.handled, 1, 'the second handler had not run when receive returned');
    const [, d2] = await r.waitDeliveries(2);
    assert.equal(d2!.returned, 1, 'the handler ran after receive returned');
    assert.equal(d2!.head[0], 2);
    await settled(kernel, 'both');
    sem.close();
  });
});

test('dispatch(): a task that never yields runs pending handlers synchronously; dispatch({ timeout }) waits for a delivery, TimeoutError when none comes', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.handleType(TYPE);
    const base = kernel.usage();
    assert.equal(await r.run({ op: 'dispatch' }), 0, 'nothing pending: 0');

    const going = r.start<{ ran: number; handledBefore: number; handledAfter: number; deliveriesAfter: number; usageAfter: { mapped: number } }>({ op: 'dispatchOnGo' });
    await waitFor(() => Atomics.load(r.ctl, CTL.waiting) === 1, 'the receiver to stop yielding');
    const a = await s.alloc(3);
    for (let i = 0; i < 3; i++) {
      await s.write(a + i * PAGE_BYTES, Uint8Array.of(10 + i));
      assert.equal((await s.send(r.pid, TYPE, a + i * PAGE_BYTES, 1)).delivered, 1);
    }
    await tick(50);
    assert.equal(Atomics.load(r.ctl, CTL.handled), 0);
    assert.equal(kernel.usage().deliveries, 3);
    Atomics.store(r.ctl, CTL.go, 1);
    Atomics.notify(r.ctl, CTL.go);
    const res = await within(going, 10_000, 'dispatch');
    assert.equal(res.ran, 3);
    assert.deepEqual([res.handledBefore, res.handledAfter], [0, 3], 'the handlers ran inside dispatch()');
    assert.equal(res.usageAfter.mapped, 3);
    const ds = await r.waitDeliveries(3);
    assert.deepEqual(
      ds.map((d) => d.head[0]),
      [10, 11, 12],
      'in send order',
    );
    await settled(kernel, 'the dispatched deliveries');

    // dispatch({ timeout }) sleeps until a delivery comes.
    const waiting = r.start<number>({ op: 'dispatch', timeout: 20_000 });
    await waitBlocked(kernel, r.pid);
    const b = await s.alloc(1);
    await s.write(b, Uint8Array.of(13));
    assert.equal(waiting.settled, false);
    await s.send(r.pid, TYPE, b, 1);
    assert.equal(await within(waiting, 10_000, 'dispatch({ timeout })'), 1);
    const [, , , d4] = await r.waitDeliveries(4);
    assert.equal(d4!.head[0], 13);
    await assert.rejects(r.run({ op: 'dispatch', timeout: 30 }), remote('TimeoutError', 110, 'ETIMEDOUT'));
    await settled(kernel, 'the last one');
    for (const d of r.deliveries) await r.free(d.addr, 1);
    assert.deepEqual(kernel.usage(), base);

    // Last, since it needs the kernel's help: a synchronous handler's decision is applied before dispatch() returns
    // (a task that never yields would otherwise keep its senders charged for ever).
    assert.equal(res.deliveriesAfter, 0, `deliveries still undecided when dispatch() returned: ${res.deliveriesAfter}`);
  });
});

test('handle(): AlreadyExistsError for a type handled twice; the returned function unregisters (later sends: NotFoundError); NoSpaceError past 16 types; InvalidArgumentError for a bad type', T, async () => {
  await withKernel(async (kernel) => {
    const pages = kernel.task.pages;
    const s = await PgAgent.spawn(kernel);
    const offs = [pages.handle(100, () => {})];
    assert.throws(() => pages.handle(100, () => {}), kipcError(AlreadyExistsError, 17, 'EEXIST'));
    for (let t = 1; t < 16; t++) offs.push(pages.handle(100 + t, () => {}));
    assert.throws(() => pages.handle(200, () => {}), kipcError(NoSpaceError, 28, 'ENOSPC'));
    for (const bad of [-1, 2 ** 31, 1.5]) assert.throws(() => pages.handle(bad, () => {}), kipcError(InvalidArgumentError, 22, 'EINVAL'));
    offs[0]!();
    offs[0]!(); // twice: harmless
    const seen: number[] = [];
    const again = pages.handle(200, (d) => {
      seen.push(d.type);
      return false;
    });
    const a = await s.alloc(1);
    await assert.rejects(s.send(1, 100, a, 1), remote('NotFoundError', 2, 'ENOENT'), 'unregistered type');
    assert.equal((await s.send(1, 200, a, 1, { keep: true })).delivered, 1);
    await waitFor(() => seen.length === 1, 'init\'s handler');
    assert.deepEqual(seen, [200]);
    again();
    for (const off of offs.slice(1)) off();
    await assert.rejects(s.send(1, 101, a, 1), remote('NotFoundError', 2, 'ENOENT'));
    await settled(kernel, 'the send to init');
  });
});

test('abandoning a delivery whose handler freed one of its pages and allocated another there leaves the new page alone', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const r = await PgAgent.spawn(kernel);
    await r.run({ op: 'handle', type: TYPE, decide: 'freeRealloc' });
    const base = kernel.usage();
    const a = await s.alloc(2);
    await s.send(r.pid, TYPE, a, 2);
    const [d] = await r.waitDeliveries(1);
    await settled(kernel, 'the abandon');
    assert.equal(d!.note, d!.addr, 'the new page landed where the freed one was');
    assert.deepEqual(await r.read(d!.note!, 16), new Uint8Array(16).fill(0x5a), 'the page the handler allocated survives the abandon');
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 1, inFlight: 0 });
    await r.free(d!.note!, 1);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('unregistering a handler with a delivery of its type pending: the delivery is abandoned (as for any type without a handler), also when it was the last handler, not left charged to the sender', T, async () => {
  await withKernel(async (kernel) => {
    const s = await PgAgent.spawn(kernel);
    const ran: number[] = [];
    const base = kernel.usage();
    const a = await s.alloc(1);
    /** Posts a send to init, keeps init's thread (and event loop) busy until the delivery is pending, then unregisters `off`. */
    const sendThenUnregister = async (type: number, off: () => void): Promise<void> => {
      const sending = s.send(1, type, a, 1, { keep: true });
      const deadline = Date.now() + 10_000;
      while (kernel.usage().deliveries === 0 && Date.now() < deadline) sleepMs(1);
      assert.equal(kernel.usage().deliveries, 1, 'the delivery is pending');
      off();
      assert.equal((await sending).delivered, 1);
    };

    // Another handler remains: the upcalls go on and abandon the orphan.
    const offA = kernel.task.pages.handle(TYPE, (d) => {
      ran.push(d.type);
    });
    const offB = kernel.task.pages.handle(TYPE + 1, (d) => {
      ran.push(d.type);
    });
    await sendThenUnregister(TYPE, offA);
    await waitFor(() => kernel.usage().deliveries === 0, 'the orphan delivery to be abandoned');
    assert.deepEqual(await s.usage(), { mapped: 1, inFlight: 0 });

    // The last handler goes: the same should hold.
    await sendThenUnregister(TYPE + 1, offB);
    await waitFor(() => kernel.usage().deliveries === 0, 'the pending delivery to be abandoned', 3_000).catch(() => {});
    assert.deepEqual(ran, [], 'no handler ran: each was unregistered first');
    assert.deepEqual(await s.usage(), { mapped: 1, inFlight: 0 }, "the sender's charge is lifted (the last handler's delivery was left pending, charged, with nobody to take it)");
    assert.equal(kernel.usage().deliveries, 0);
    assert.deepEqual(pagesOf(kernel, 1), { mapped: 0, inFlight: 0 });
    await s.free(a, 1);
    assert.deepEqual(kernel.usage(), base);
  });
});
