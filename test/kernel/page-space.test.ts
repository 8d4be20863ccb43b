/**
 * Page spaces as runs (src/kernel/page-space.ts) under random programs of
 * page IPC calls made by one task to itself (fast-check): allocations,
 * frees of any mapped range (splitting runs), sends of any range (move,
 * share, duplicate; receiver writes or not), takes, accepts and abandons,
 * and writes of stamps. A small model (which page object each virtual page
 * shows, with what rights, from which undecided delivery) predicts every
 * result; after each step the stamps read back, unmapped pages fault, and
 * the page IPC section of the kernel checker finds nothing.
 *
 * The same programs run a second time with every successful kernel
 * operation rolled back instead of committed (as the supervisor does when
 * a task dies holding the kernel lock): the kernel's tables must then be
 * word for word what they were before the operation, which shows that
 * every store the run-based code makes is logged.
 *
 * One thread: this is the data structure and its undo log; the tests in
 * test/api/pages.test.ts and test/scenarios/page-ipc-death.test.ts cover
 * page IPC across worker threads and task deaths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Kernel, PAGE_BYTES, errno as E } from '../../src/index.js';
import * as L from '../../src/core/layout.js';
import type { TaskContext } from '../../src/core/context.js';
import {
  type DeliveryInfo,
  pageAbandon,
  pageAccept,
  pageAlloc,
  pageFree,
  pageRead,
  pageSend,
  pageTake,
  pageWrite,
  registerHandler,
  releasePageIpc,
} from '../../src/objects/page-ipc/page-ipc.js';
import { messageMemory } from '../../src/core/copy.js';
import { CheckContext } from '../../src/check/context.js';
import { pageIpcSection } from '../../src/check/page-ipc.js';
import { findFreeRun } from '../../src/core/bitmap.js';
import { deliveryTag } from '../../src/objects/page-ipc/page-ipc.js';

const SPACE = 48;
const LIMITS = { pageSpace: SPACE, pages: 96, deliveries: 8, pageQuota: 64 } as const;
const TYPE = 3;
const SELF = L.SEND_TARGET_SELF << L.SEND_TARGET_SHIFT;

type Step =
  | { op: 'alloc'; npages: number }
  | { op: 'free'; at: number; npages: number }
  | { op: 'send'; at: number; npages: number; keep: boolean; writes: boolean; duplicate: boolean }
  | { op: 'take' }
  | { op: 'decide'; which: number; accept: boolean }
  | { op: 'stamp'; at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('alloc' as const), npages: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('free' as const), at: fc.nat(SPACE - 1), npages: fc.integer({ min: 1, max: 10 }) }),
  fc.record({
    op: fc.constant('send' as const),
    at: fc.nat(SPACE - 1),
    npages: fc.integer({ min: 1, max: 10 }),
    keep: fc.boolean(),
    writes: fc.boolean(),
    duplicate: fc.boolean(),
  }),
  fc.record({ op: fc.constant('take' as const) }),
  fc.record({ op: fc.constant('decide' as const), which: fc.nat(7), accept: fc.boolean() }),
  fc.record({ op: fc.constant('stamp' as const), at: fc.nat(SPACE - 1) }),
);

/** The flags word of a send step: to this task itself. */
function flagsOf(s: Extract<Step, { op: 'send' }>): number {
  return (s.keep ? L.SEND_KEEP : 0) | (s.writes ? L.SEND_RECEIVER_WRITES : 0) | (s.duplicate ? L.SEND_DUPLICATE : 0) | SELF;
}

/** A page's contents, shared by every mapping of it: its stamp (word 0). */
interface PageObject {
  stamp: number;
}
interface Mapping {
  page: PageObject;
  writable: boolean;
  /** The undecided delivery that mapped it, or 0. */
  delivery: number;
}
interface Pending {
  pages: PageObject[];
  writable: boolean;
}

/** The model of one task's page space and the deliveries it sent itself. */
class Model {
  readonly space: (Mapping | undefined)[] = new Array<Mapping | undefined>(SPACE).fill(undefined);
  readonly pending: Pending[] = [];
  /** Taken, undecided deliveries by kernel id: where they were mapped. */
  readonly taken = new Map<number, { vpn: number; npages: number }>();
  private nextStamp = 1;

  fresh(): PageObject {
    return { stamp: 0 };
  }
  stampOf(): number {
    return this.nextStamp++;
  }
  freeRange(npages: number): number {
    let run = 0;
    for (let vpn = 0; vpn < SPACE; vpn++) {
      run = this.space[vpn] ? 0 : run + 1;
      if (run === npages) return vpn - npages + 1;
    }
    return -1;
  }
  holds(vpn: number, npages: number, write: boolean): boolean {
    if (vpn + npages > SPACE) return false;
    for (let i = vpn; i < vpn + npages; i++) {
      const m = this.space[i];
      if (!m || (write && !m.writable)) return false;
    }
    return true;
  }
}

/** The kernel side: init task of a fresh kernel, with page IPC calls made directly. */
function openKernel(): { kernel: Kernel; ctx: TaskContext } {
  const kernel = Kernel.create(LIMITS);
  const ctx = kernel.task.pages.ctx;
  assert.equal(registerHandler(ctx, TYPE), 0);
  return { kernel, ctx };
}

function problems(ctx: TaskContext): string[] {
  const check = new CheckContext(ctx.r);
  pageIpcSection.run(check);
  return check.results();
}

/** Whether the pool has no run of `npages` free frames (an allocation or a copy is then ENOMEM). */
function poolLacks(ctx: TaskContext, npages: number): boolean {
  const r = ctx.r;
  return findFreeRun(r, r.pageBitmap, r.pageCount, npages) < 0;
}

/** Word 0 of page `vpn` as the kernel reads it, or the errno. */
function readStamp(ctx: TaskContext, vpn: number): number {
  const mem = messageMemory(new Uint8Array(4));
  const n = pageRead(ctx, vpn * PAGE_BYTES, mem, 0, 4);
  return n < 0 ? n : new DataView(mem.bytes.buffer).getUint32(0, true);
}

/** Runs `step` on the kernel and the model; asserts they agree. */
function run(ctx: TaskContext, model: Model, s: Step, info: DeliveryInfo, where: string): void {
  switch (s.op) {
    case 'alloc': {
      const vpn = model.freeRange(s.npages);
      const lacking = poolLacks(ctx, s.npages);
      const got = pageAlloc(ctx, s.npages);
      if (vpn < 0 || lacking) {
        assert.equal(got, -E.ENOMEM, `${where}: alloc with no free range or no free frames`);
        return;
      }
      assert.equal(got, vpn * PAGE_BYTES, `${where}: alloc maps the lowest free range`);
      for (let i = vpn; i < vpn + s.npages; i++) model.space[i] = { page: model.fresh(), writable: true, delivery: 0 };
      return;
    }
    case 'free': {
      const got = pageFree(ctx, s.at * PAGE_BYTES, s.npages);
      if (!model.holds(s.at, s.npages, false)) {
        assert.equal(got, -E.EFAULT, `${where}: free of a range not all mapped`);
        return;
      }
      assert.equal(got, 0, `${where}: free`);
      for (let i = s.at; i < s.at + s.npages; i++) model.space[i] = undefined;
      return;
    }
    case 'send': {
      const flags = flagsOf(s);
      const lacking = poolLacks(ctx, s.npages);
      const got = pageSend(ctx, 0, TYPE, s.at * PAGE_BYTES, s.npages, flags);
      const needsWrite = s.writes && !s.duplicate;
      if (!model.holds(s.at, s.npages, needsWrite)) {
        assert.equal(got, -E.EFAULT, `${where}: send of a range not held with the rights it needs`);
        return;
      }
      const inFlight = model.pending.reduce((n, p) => n + p.pages.length, 0) + [...model.taken.values()].reduce((n, t) => n + t.npages, 0);
      if (model.pending.length + model.taken.size === LIMITS.deliveries || inFlight + s.npages > LIMITS.pageQuota) {
        assert.equal(got, -E.EAGAIN, `${where}: send past the records or the quota`);
        return;
      }
      if (s.duplicate && lacking) {
        assert.equal(got, -E.ENOMEM, `${where}: duplicate with no free frames for the copy`);
        return;
      }
      assert.equal(got, 1, `${where}: send`);
      const pages: PageObject[] = [];
      for (let i = s.at; i < s.at + s.npages; i++) {
        const original = model.space[i]!.page;
        pages.push(s.duplicate ? { stamp: original.stamp } : original);
        if (!s.keep && !s.duplicate) model.space[i] = undefined;
      }
      model.pending.push({ pages, writable: s.writes });
      return;
    }
    case 'take': {
      const next = model.pending[0];
      const vpn = next ? model.freeRange(next.pages.length) : -1;
      const got = pageTake(ctx, info);
      if (!next) {
        assert.equal(got, 0, `${where}: take with nothing pending`);
        return;
      }
      if (vpn < 0) {
        assert.equal(got, -E.ENOMEM, `${where}: take with no free range`);
        return;
      }
      assert.equal(got, 1, `${where}: take`);
      assert.equal(info.addr, vpn * PAGE_BYTES, `${where}: a delivery maps at the lowest free range`);
      assert.equal(info.npages, next.pages.length);
      model.pending.shift();
      model.taken.set(info.id, { vpn, npages: next.pages.length });
      next.pages.forEach((page, i) => (model.space[vpn + i] = { page, writable: next.writable, delivery: info.id }));
      return;
    }
    case 'decide': {
      const ids = [...model.taken.keys()];
      if (ids.length === 0) {
        assert.equal(pageAccept(ctx, 0x7fff0000), -E.EINVAL, `${where}: accept of no delivery`);
        return;
      }
      const id = ids[s.which % ids.length]!;
      const { vpn, npages } = model.taken.get(id)!;
      assert.equal((s.accept ? pageAccept : pageAbandon)(ctx, id), 0, `${where}: decide`);
      model.taken.delete(id);
      for (let i = vpn; i < vpn + npages; i++) {
        const m = model.space[i];
        if (m?.delivery !== id) continue;
        if (s.accept) m.delivery = 0;
        else model.space[i] = undefined;
      }
      assert.equal((s.accept ? pageAccept : pageAbandon)(ctx, id), -E.EINVAL, `${where}: a decided delivery is decided`);
      return;
    }
    case 'stamp': {
      const m = model.space[s.at];
      const stamp = model.stampOf();
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, stamp, true);
      const got = pageWrite(ctx, s.at * PAGE_BYTES, messageMemory(bytes), 0, 4);
      if (!m || !m.writable) {
        assert.equal(got, -E.EFAULT, `${where}: write to a page not mapped writable`);
        return;
      }
      assert.equal(got, 4, `${where}: write`);
      m.page.stamp = stamp;
      return;
    }
  }
}

/** Every page reads back as the model says, and the checker is silent. */
function agree(ctx: TaskContext, model: Model, where: string): void {
  for (let vpn = 0; vpn < SPACE; vpn++) {
    const m = model.space[vpn];
    assert.equal(readStamp(ctx, vpn), m ? m.page.stamp : -E.EFAULT, `${where}: page ${vpn}`);
  }
  assert.deepEqual(problems(ctx), [], `${where}: kernel check`);
  const mapped = model.space.filter((m) => m !== undefined).length;
  assert.equal(ctx.r.w[ctx.record + L.T_PAGES_MAPPED], mapped, `${where}: pages counted mapped`);
}

test('random page IPC programs on one task: results, contents and rights as the model says; the kernel checker finds nothing', { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
      const { kernel, ctx } = openKernel();
      try {
        const model = new Model();
        const info: DeliveryInfo = { id: 0, sender: 0, type: 0, addr: 0, npages: 0, flags: 0 };
        steps.forEach((s, i) => {
          const where = `step ${i} ${JSON.stringify(s)}`;
          run(ctx, model, s, info, where);
          agree(ctx, model, where);
        });
      } finally {
        await kernel.close();
      }
    }),
    { numRuns: 60, seed: Number(process.env.KIPC_SEED ?? 20261121) },
  );
});

/** Words of the kernel's tables (everything below the page pool) that a rolled-back operation must leave as they were. */
function tables(ctx: TaskContext): Int32Array {
  const r = ctx.r;
  const copy = r.w.slice(0, r.pages);
  // The undo log itself, and wake-up counters bumped after the lock is freed.
  copy.fill(0, r.undo, r.undo + r.undoEntries * 2);
  copy[L.H_UNDO_COUNT] = 0;
  for (let slot = 0; slot < r.maxTasks; slot++) copy[r.task(slot) + L.T_PAGE_SEQ] = 0;
  // Free delivery records hold nothing but their free-list link.
  for (let i = 0; i < r.deliveryCount; i++) {
    const d = r.delivery(i);
    if (copy[d + L.D_STATE] !== L.DELIVERY_FREE) continue;
    const next = copy[d + L.D_NEXT]!;
    copy.fill(0, d, d + L.DELIVERY_WORDS);
    copy[d + L.D_NEXT] = next;
  }
  return copy;
}

test('every page IPC operation rolled back instead of committed leaves the kernel tables word for word as they were', { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const { kernel, ctx } = openKernel();
      const r = ctx.r;
      const commit = r.unlock.bind(r);
      try {
        const model = new Model();
        const info: DeliveryInfo = { id: 0, sender: 0, type: 0, addr: 0, npages: 0, flags: 0 };
        steps.forEach((s, i) => {
          const where = `step ${i} ${JSON.stringify(s)}`;
          // First rolled back: the tables must not change.
          const before = tables(ctx);
          // Every operation ends its critical section with unlock(): roll back there instead.
          r.unlock = (): void => {
            r.rollback();
            commit();
          };
          const scratch: DeliveryInfo = { ...info };
          try {
            replay(ctx, s, scratch);
          } finally {
            r.unlock = commit;
          }
          assertSameWords(tables(ctx), before, `${where}: rolled back`);
          // Then for real, so that the program goes on from a new state.
          run(ctx, model, s, info, where);
          agree(ctx, model, where);
        });
      } finally {
        await kernel.close();
      }
    }),
    { numRuns: 40, seed: Number(process.env.KIPC_SEED ?? 20261121) },
  );
});

/** `after` equals `before`, or the first word that differs is named. */
function assertSameWords(after: Int32Array, before: Int32Array, what: string): void {
  const at = after.findIndex((word, i) => word !== before[i]);
  assert.equal(at, -1, `${what}: word ${at} is ${after[at]}, was ${before[at]}`);
}

/** The kernel call of `s`, without the model (its result is not checked). */
function replay(ctx: TaskContext, s: Step, info: DeliveryInfo): void {
  switch (s.op) {
    case 'alloc':
      pageAlloc(ctx, s.npages);
      return;
    case 'free':
      pageFree(ctx, s.at * PAGE_BYTES, s.npages);
      return;
    case 'send':
      pageSend(ctx, 0, TYPE, s.at * PAGE_BYTES, s.npages, flagsOf(s));
      return;
    case 'take':
      pageTake(ctx, info);
      return;
    case 'decide': {
      // Any taken delivery: the rolled-back decision of the first one the kernel has.
      const r = ctx.r;
      for (let i = 0; i < r.deliveryCount; i++) {
        const d = r.delivery(i);
        if (r.w[d + L.D_STATE] !== L.DELIVERY_TAKEN) continue;
        const id = deliveryTag(i, r.w[d + L.D_SEQ]!) - 1;
        (s.accept ? pageAccept : pageAbandon)(ctx, id);
        return;
      }
      return;
    }
    case 'stamp':
      return;
  }
}

test('the worst case for the undo log: a whole default page space of one-page runs, and pending deliveries of one-page runs, released in one critical section (as when the task is reaped), then rolled back word for word', { timeout: 60_000 }, async () => {
  const kernel = Kernel.create({ pages: 2048 });
  try {
    const ctx = kernel.task.pages.ctx;
    const r = ctx.r;
    assert.equal(registerHandler(ctx, TYPE), 0);
    // Every other frame stays held by a delivery, so that the space's pages map frames that never follow each other.
    for (let vpn = 0; vpn < r.pageSpace; vpn++) assert.equal(pageAlloc(ctx, 1), vpn * PAGE_BYTES);
    let sent = 0;
    for (let vpn = 1; vpn < 2 * L.MAX_SEND_PAGES && sent < 4; vpn += 64, sent++) {
      assert.equal(pageSend(ctx, 0, TYPE, vpn * PAGE_BYTES, 1, SELF | L.SEND_KEEP), 1);
    }
    assert.equal(ctx.r.w[ctx.record + L.T_PAGES_MAPPED], r.pageSpace);
    const before = tables(ctx);
    r.lock();
    releasePageIpc(r, ctx.slot, ctx.pid);
    assert.equal(r.w[ctx.record + L.T_PAGES_MAPPED], 0, 'every page unmapped');
    r.rollback();
    r.unlock();
    assertSameWords(tables(ctx), before, 'rolled back');
    assert.deepEqual(problems(ctx), []);
  } finally {
    await kernel.close();
  }
});

test('kernel.check() names a corrupted page space, frame holder count, pending list or delivery free list', { timeout: 60_000 }, async () => {
  const cases: { what: string; corrupt: (ctx: TaskContext) => void; names: RegExp }[] = [
    { what: 'a frame holder count', corrupt: (ctx) => ctx.r.w[ctx.r.frameRefs + 1]!++, names: /frame 1: 2 holders counted but 1 hold it/ },
    { what: 'a head entry', corrupt: (ctx) => (ctx.r.w[ctx.r.pageSpaceOf(ctx.slot) + 1] = 3), names: /page 1 names head 2, which is not the head of a run covering it/ },
    { what: 'a run length', corrupt: (ctx) => (ctx.r.w[ctx.r.pageSpaceOf(ctx.slot) + ctx.r.pageSpace * L.PS_RUN_LENGTHS] = 2), names: /page 2 names head 0, which is not the head of a run covering it/ },
    { what: 'the pending count', corrupt: (ctx) => (ctx.r.w[ctx.record + L.T_PAGES_PENDING] = 5), names: /5 deliveries counted pending but 1 are listed/ },
    { what: 'the delivery free list', corrupt: (ctx) => (ctx.r.w[L.H_DELIVERY_FREE] = 0), names: /free but not on the free list/ },
    { what: 'the mapped bitmap', corrupt: (ctx) => (ctx.r.w[ctx.r.pageSpaceOf(ctx.slot) + ctx.r.pageSpace * L.PS_MAPPED] = 0), names: /page 0 is mapped but its bitmap bit says otherwise/ },
  ];
  for (const { what, corrupt, names } of cases) {
    const { kernel, ctx } = openKernel();
    try {
      // Three pages mapped at 0 (one run), one pending delivery of a fourth.
      assert.equal(pageAlloc(ctx, 3), 0);
      const fourth = pageAlloc(ctx, 1);
      assert.equal(pageSend(ctx, 0, TYPE, fourth, 1, SELF), 1);
      assert.deepEqual(kernel.check(), [], `${what}: clean before`);
      corrupt(ctx);
      const found = kernel.check();
      assert.ok(
        found.some((p) => names.test(p)),
        `${what}: expected a problem matching ${names}, got ${JSON.stringify(found)}`,
      );
    } finally {
      await kernel.close();
    }
  }
});
