/**
 * Page IPC through the numbered ABI (docs/objects/pages.md, syscalls 300-309):
 * PAGE_ALLOC, PAGE_FREE, PAGE_SEND, PAGE_REGISTER_HANDLER,
 * PAGE_UNREGISTER_HANDLER, PAGE_TAKE, PAGE_ACCEPT, PAGE_ABANDON, PAGE_READ,
 * PAGE_WRITE, from worker-thread tasks (api/fixtures/pages-agent.ts) that handle deliveries
 * without the typed API: every errno of each call, the record PAGE_TAKE
 * writes, PAGE_TAKE waiting for ever (the snapshot shows the task blocked),
 * timing out and polling, the handler table's limits, accept and abandon
 * (and bogus ids), the send count for each target, and the pool returning
 * to its baseline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_BYTES, errno as E, sys as S, type Kernel } from '../../src/index.js';
import { tick, waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { PgAgent, pagesOf } from '../api/fixtures/pages-agent-client.js';
import { pattern } from '../support/patterns.js';
import { taskOf } from '../support/blocked.js';

const T = { timeout: 30_000 };
const TYPE = 9;
/** Where agents have PAGE_TAKE write its record, and scratch buffers in their user memory. */
const INFO = 64;
const BUF = 1024;

interface Taken {
  id: number;
  sender: number;
  type: number;
  addr: number;
  npages: number;
  flags: number;
}

async function takenAt(agent: PgAgent, at = INFO): Promise<Taken> {
  const b = await agent.mem(at, 24);
  const v = new DataView(b.buffer, b.byteOffset, 24);
  const [id, sender, type, addr, npages, flags] = [0, 1, 2, 3, 4, 5].map((i) => v.getUint32(i * 4, true)) as [number, number, number, number, number, number];
  return { id, sender, type, addr, npages, flags };
}

/** An agent that registered `types` through the ABI. */
async function abiReceiver(kernel: Kernel, ...types: number[]): Promise<PgAgent> {
  const r = await PgAgent.spawn(kernel);
  for (const t of types) assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, t), 0);
  return r;
}

/** Allocates `npages` in `agent` and fills them with pattern(seed); returns the address. */
async function filled(agent: PgAgent, npages: number, seed: number): Promise<{ addr: number; content: Uint8Array }> {
  const addr = await agent.sys(S.SYS_PAGE_ALLOC, npages);
  assert.ok(addr >= 0 && addr % PAGE_BYTES === 0, `PAGE_ALLOC(${npages}) returned ${addr}`);
  const content = pattern(seed, npages * PAGE_BYTES);
  await agent.write(addr, content);
  return { addr, content };
}

test('PAGE_ALLOC / PAGE_FREE / PAGE_READ / PAGE_WRITE: values and every errno (zero, unaligned, out of range, foreign, bad user buffers); unknown page syscall numbers are ENOSYS', T, async () => {
  await withKernel(
    async (kernel) => {
      const P = PAGE_BYTES;
      const a = await PgAgent.spawn(kernel);
      const b = await PgAgent.spawn(kernel);
      const base = kernel.usage();
      for (const n of [0, -1, 9, 1.5, NaN, '1', undefined, 2n ** 60n]) assert.equal(await a.sys(S.SYS_PAGE_ALLOC, n), -E.EINVAL, `PAGE_ALLOC(${String(n)})`);
      assert.equal(await a.sys(S.SYS_PAGE_ALLOC, 2n), 0, 'a bigint count; the lowest free range');
      assert.equal(await a.sys(S.SYS_PAGE_ALLOC, 7), -E.ENOMEM, 'no free range of 7 in a space of 8 with 2 mapped');
      assert.equal(await a.sys(S.SYS_PAGE_ALLOC, 1), 2 * P);
      assert.deepEqual(pagesOf(kernel, a.pid), { mapped: 3, inFlight: 0 });
      assert.equal(kernel.usage().pages, base.pages + 3);
      assert.equal(await b.sys(S.SYS_PAGE_ALLOC, 4), 0, 'page spaces are per task: b gets address 0 too');
      assert.equal(await b.sys(S.SYS_PAGE_ALLOC, 4), -E.ENOMEM, 'the pool (10 frames) has 3 left');

      // PAGE_WRITE / PAGE_READ: user memory <-> pages.
      await a.memWrite(BUF, pattern(1, 200));
      assert.equal(await a.sys(S.SYS_PAGE_WRITE, P - 100, BUF, 200), 200, 'across a page boundary, unaligned');
      assert.equal(await a.sys(S.SYS_PAGE_READ, P - 100, BUF + 1000, 200), 200);
      assert.deepEqual(await a.mem(BUF + 1000, 200), pattern(1, 200));
      assert.equal(await a.sys(S.SYS_PAGE_READ, 5 * P, BUF, 0), 0, 'zero bytes: nothing to check');
      assert.equal(await a.sys(S.SYS_PAGE_WRITE, 5 * P, BUF, 0), 0);
      const memBytes = 64 * 1024;
      for (const nr of [S.SYS_PAGE_READ, S.SYS_PAGE_WRITE]) {
        const name = nr === S.SYS_PAGE_READ ? 'PAGE_READ' : 'PAGE_WRITE';
        for (const len of [-1, 1.5, NaN, 'x']) assert.equal(await a.sys(nr, 0, BUF, len), -E.EINVAL, `${name} length ${String(len)}`);
        for (const [addr, len] of [
          [3 * P, 1], // unmapped
          [3 * P - 1, 2], // runs into an unmapped page
          [0, 3 * P + 1],
          [8 * P, 1], // past the space
          [8 * P - 1, 2],
          [2 ** 40, 1],
          [-1, 1],
          [0.5, 1],
        ] as const) {
          assert.equal(await a.sys(nr, addr, BUF, len), -E.EFAULT, `${name}(${addr}, ${len})`);
        }
        assert.equal(await b.sys(nr, 3 * P, BUF, 16), 0 + 16, `${name}: b maps its own page 3`);
        assert.equal(await a.sys(nr, 3 * P, BUF, 16), -E.EFAULT, `${name}: page 3 is b's, not a's (foreign)`);
        for (const [ptr, len] of [
          [memBytes - 10, 11],
          [memBytes, 1],
          [-1, 4],
          [1.5, 4],
          ['x', 4],
        ] as const) {
          assert.equal(await a.sys(nr, 0, ptr, len), -E.EFAULT, `${name}: user buffer ${String(ptr)}+${len}`);
        }
        assert.equal(await a.sys(nr, 0, memBytes - 10, 10), 10, `${name}: the last bytes of user memory`);
      }
      assert.deepEqual(await a.read(P - 100, 200), pattern(1, 200), 'the failed calls wrote nothing');

      // PAGE_FREE
      for (const [addr, n] of [
        [0, 0],
        [0, -1],
        [1, 1],
        [P / 2, 1],
        [-P, 1],
        [0, 1.5],
        ['0', 1],
      ] as const) {
        assert.equal(await a.sys(S.SYS_PAGE_FREE, addr, n), -E.EINVAL, `PAGE_FREE(${String(addr)}, ${n})`);
      }
      for (const [addr, n] of [
        [8 * P, 1],
        [7 * P, 2],
        [2 ** 40, 1],
        [3 * P, 1], // b's
        [2 * P, 2], // page 3 unmapped
        [0, 4],
      ] as const) {
        assert.equal(await a.sys(S.SYS_PAGE_FREE, addr, n), -E.EFAULT, `PAGE_FREE(${addr}, ${n})`);
      }
      assert.deepEqual(pagesOf(kernel, a.pid), { mapped: 3, inFlight: 0 }, 'failed frees unmapped nothing');
      assert.equal(await a.sys(S.SYS_PAGE_FREE, P, 2), 0);
      assert.equal(await a.sys(S.SYS_PAGE_READ, P, BUF, 1), -E.EFAULT, 'freed');
      assert.equal(await a.sys(S.SYS_PAGE_FREE, 0, 1), 0);
      assert.equal(await b.sys(S.SYS_PAGE_FREE, 0, 4), 0);
      assert.deepEqual(kernel.usage(), base);

      for (const nr of [310, 311, 399]) assert.equal(await a.sys(nr, 0, 0, 0), -E.ENOSYS, `syscall ${nr}`);
      assert.equal(kernel.task.syscall(310), -E.ENOSYS);
    },
    { pageSpace: 8, pages: 10 },
  );
});

test('PAGE_SEND: returns how many targets got the pages; the pid is ignored for self, all and all-but-self; ESRCH, ENOENT, EINVAL and EFAULT change nothing', T, async () => {
  await withKernel(async (kernel) => {
    const s = await abiReceiver(kernel, TYPE);
    const r = await abiReceiver(kernel, TYPE);
    const q = await abiReceiver(kernel, TYPE + 1);
    const base = kernel.usage();
    const { addr, content } = await filled(s, 4, 1);
    const P = PAGE_BYTES;
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, addr, 1, 1), 1, 'share with r');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 424242, TYPE, addr, 1, 1 | (1 << 3)), 1, 'self (pid ignored)');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 424242, TYPE, addr, 1, 1 | (2 << 3)), 2, 'all: s and r handle TYPE; q and init do not');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 424242, TYPE, addr, 1, 1 | (3 << 3)), 1, 'all but self: r');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 0, TYPE + 1, addr, 1, 4 | (3 << 3)), 1, 'all but self, TYPE + 1: q (a copy)');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 0, TYPE + 2, addr, 1, 2 << 3), 0, 'nobody handles TYPE + 2: 0, and a move keeps the page');
    assert.equal(await s.sys(S.SYS_PAGE_READ, addr, BUF, 4), 4);
    assert.equal(kernel.usage().deliveries, 6);
    assert.deepEqual(pagesOf(kernel, s.pid), { mapped: 4, inFlight: 6 });

    const before = kernel.usage();
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 99999, TYPE, addr, 1, 0), -E.ESRCH, 'no such task');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 0, TYPE, addr, 1, 0), -E.ESRCH, 'pid 0');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, q.pid, TYPE, addr, 1, 0), -E.ENOENT, 'q has no handler for TYPE');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 1, TYPE, addr, 1, 0), -E.ENOENT, 'init has none');
    assert.equal(await q.sys(S.SYS_PAGE_SEND, 0, TYPE + 1, 0, 1, 1 << 3), -E.EFAULT, 'self, but q maps no page 0');
    for (const [type, a, n] of [
      [-1, addr, 1],
      [2 ** 31, addr, 1],
      ['x', addr, 1],
      [TYPE, addr, 0],
      [TYPE, addr, 257],
      [TYPE, addr + 1, 1],
      [TYPE, addr, NaN],
    ] as const) {
      assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, type, a, n, 0), -E.EINVAL, `type ${String(type)}, ${a}+${n}`);
    }
    for (const [a, n] of [
      [addr, 5],
      [4 * P, 1],
      [1024 * P, 1],
      [1023 * P, 2],
    ] as const) {
      assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, a, n, 0), -E.EFAULT, `${a}+${n}`);
    }
    assert.deepEqual(kernel.usage(), before, 'the failed sends changed nothing');
    assert.deepEqual(await s.read(addr, 4 * P), content);

    // Drain: r has 3, s has 2, q has 1 pending; abandon them all.
    for (const [x, n] of [
      [r, 3],
      [s, 2],
      [q, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        assert.equal(await x.sys(S.SYS_PAGE_TAKE, INFO), 1);
        const t = await takenAt(x);
        assert.equal(t.sender, s.pid);
        assert.deepEqual(await x.read(t.addr, P), content.slice(0, P));
        assert.equal(await x.sys(S.SYS_PAGE_ABANDON, t.id), 0);
      }
      assert.equal(await x.sys(S.SYS_PAGE_TAKE, INFO), 0, 'nothing more pending');
    }
    assert.equal(await s.sys(S.SYS_PAGE_FREE, addr, 4), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('PAGE_REGISTER_HANDLER / PAGE_UNREGISTER_HANDLER: EEXIST registering twice, ENOSPC past 16 types, ENOENT unregistering an unknown type, EINVAL bad types; sends to an unregistered type are ENOENT, pending deliveries stay', T, async () => {
  await withKernel(async (kernel) => {
    const r = await PgAgent.spawn(kernel);
    const s = await PgAgent.spawn(kernel);
    const base = kernel.usage();
    for (const bad of [-1, 2 ** 31 - 1, 2 ** 31, 1.5, 'x', undefined]) {
      assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, bad), -E.EINVAL, `register ${String(bad)}`);
      assert.equal(await r.sys(S.SYS_PAGE_UNREGISTER_HANDLER, bad), -E.EINVAL, `unregister ${String(bad)}`);
    }
    assert.equal(await r.sys(S.SYS_PAGE_UNREGISTER_HANDLER, 5), -E.ENOENT, 'never registered');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 0), 0, 'type 0');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 0), -E.EEXIST);
    for (let t = 1; t < 15; t++) assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, t), 0, `type ${t}`);
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 2 ** 31 - 2), 0, 'the largest type, the 16th');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 15), -E.ENOSPC, 'a 17th type');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 3), -E.EEXIST, 'already registered beats full');
    assert.equal(await s.sys(S.SYS_PAGE_REGISTER_HANDLER, 15), 0, 'the table is per task');

    const { addr } = await filled(s, 2, 2);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, 3, addr, 1, 1), 1);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, 2 ** 31 - 2, addr, 1, 1), 1, 'the largest type is delivered');
    assert.equal(await r.sys(S.SYS_PAGE_UNREGISTER_HANDLER, 3), 0);
    assert.equal(await r.sys(S.SYS_PAGE_UNREGISTER_HANDLER, 3), -E.ENOENT, 'twice');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, 3, addr, 1, 1), -E.ENOENT, 'after unregistering');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 15), 0, 'the freed slot is reused');
    assert.equal(await r.sys(S.SYS_PAGE_REGISTER_HANDLER, 16), -E.ENOSPC);
    // The delivery of type 3 sent before unregistering is still there.
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 1);
    const t = await takenAt(r);
    assert.deepEqual([t.sender, t.type, t.npages, t.flags], [s.pid, 3, 1, 1]);
    assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, t.id), 0);
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 1);
    const t2 = await takenAt(r);
    assert.equal(t2.type, 2 ** 31 - 2);
    assert.equal(await r.sys(S.SYS_PAGE_ABANDON, t2.id), 0);
    assert.equal(await r.sys(S.SYS_PAGE_FREE, t.addr, 1), 0);
    assert.equal(await s.sys(S.SYS_PAGE_FREE, addr, 2), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('PAGE_TAKE / PAGE_ACCEPT / PAGE_ABANDON: the record, oldest first, read-only unless the sender allowed writes, accept keeps and abandon releases; EINVAL for bogus, foreign and decided ids; EFAULT for a bad record pointer', T, async () => {
  await withKernel(async (kernel) => {
    const P = PAGE_BYTES;
    const r = await abiReceiver(kernel, TYPE, TYPE + 1);
    const s1 = await PgAgent.spawn(kernel);
    const s2 = await PgAgent.spawn(kernel);
    const other = await abiReceiver(kernel, TYPE);
    const base = kernel.usage();
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 0, 'nothing pending: 0 (poll)');
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, 0), 0, 'timeout 0 polls');

    const one = await filled(s1, 2, 1);
    const two = await filled(s2, 3, 2);
    assert.equal(await s1.sys(S.SYS_PAGE_SEND, r.pid, TYPE, one.addr, 2, 0), 1, 'a move, read-only');
    assert.equal(await s2.sys(S.SYS_PAGE_SEND, r.pid, TYPE + 1, two.addr, 3, 2 | 1), 1, 'shared, writable');
    assert.equal(await s1.sys(S.SYS_PAGE_SEND, other.pid, TYPE, one.addr, 0 + 1, 0), -E.EFAULT, 'moved away already');
    assert.equal(kernel.usage().deliveries, 2);
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 0, inFlight: 0 }, 'nothing mapped before PAGE_TAKE');

    // A bad record pointer: EFAULT, and the delivery stays pending.
    for (const ptr of [-1, 64 * 1024 - 23, 64 * 1024, 1.5, 'x']) assert.equal(await r.sys(S.SYS_PAGE_TAKE, ptr), -E.EFAULT, `ptr ${String(ptr)}`);
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, -2), -E.EINVAL, 'timeout -2');
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, 'x'), -E.EINVAL, 'timeout not a number');
    assert.equal(kernel.usage().deliveries, 2);

    // Oldest first.
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, 64 * 1024 - 24), 1, 'the record fits the last 24 bytes');
    const t1 = await takenAt(r, 64 * 1024 - 24);
    assert.deepEqual([t1.sender, t1.type, t1.npages, t1.flags], [s1.pid, TYPE, 2, 0]);
    assert.equal(t1.addr % P, 0);
    assert.deepEqual(pagesOf(kernel, r.pid), { mapped: 2, inFlight: 0 }, 'mapped on take');
    assert.equal(await r.sys(S.SYS_PAGE_READ, t1.addr, BUF, 2 * P), 2 * P);
    assert.deepEqual(await r.mem(BUF, 2 * P), one.content);
    assert.equal(await r.sys(S.SYS_PAGE_WRITE, t1.addr, BUF, 1), -E.EFAULT, 'read-only');
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 1);
    const t2 = await takenAt(r);
    assert.notEqual(t2.id, t1.id);
    assert.deepEqual([t2.sender, t2.type, t2.npages, t2.flags], [s2.pid, TYPE + 1, 3, 3]);
    assert.ok(t2.addr >= t1.addr + 2 * P || t2.addr + 3 * P <= t1.addr, 'a range of its own');
    await r.memWrite(BUF, Uint8Array.of(0xab));
    assert.equal(await r.sys(S.SYS_PAGE_WRITE, t2.addr + 5, BUF, 1), 1, 'writable');
    assert.deepEqual(await s2.read(two.addr + 5, 1), Uint8Array.of(0xab), 'shared: the sender sees the write');
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 0);
    assert.deepEqual(pagesOf(kernel, s1.pid), { mapped: 0, inFlight: 2 }, 'charged until decided');
    assert.deepEqual(pagesOf(kernel, s2.pid), { mapped: 3, inFlight: 3 });

    // Bogus ids: EINVAL. Another task's taken delivery is not the caller's.
    assert.equal(await other.sys(S.SYS_PAGE_ACCEPT, t1.id), -E.EINVAL, 'taken by r, not other');
    assert.equal(await other.sys(S.SYS_PAGE_ABANDON, t2.id), -E.EINVAL);
    for (const id of [-1, 256, 2 ** 31, 1.5, NaN, 'x', undefined]) {
      assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, id), -E.EINVAL, `accept ${String(id)}`);
      assert.equal(await r.sys(S.SYS_PAGE_ABANDON, id), -E.EINVAL, `abandon ${String(id)}`);
    }
    const unused = [0, 1, 2, 3].find((id) => id !== t1.id && id !== t2.id)!;
    assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, unused), -E.EINVAL, 'a free record');
    // A pending (not taken) delivery cannot be decided either.
    assert.equal(await s1.sys(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
    const three = await filled(s2, 1, 3);
    assert.equal(await s2.sys(S.SYS_PAGE_SEND, s1.pid, TYPE, three.addr, 1, 0), 1);
    const pendingIds = [0, 1, 2, 3, 4].filter((id) => id !== t1.id && id !== t2.id);
    for (const id of pendingIds) assert.equal(await s1.sys(S.SYS_PAGE_ACCEPT, id), -E.EINVAL, `pending id ${id}`);
    assert.deepEqual(kernel.usage().deliveries, 3);

    // Accept keeps, abandon releases; a decided id is no longer valid.
    assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, t1.id), 0);
    assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, t1.id), -E.EINVAL, 'accepted already');
    assert.equal(await r.sys(S.SYS_PAGE_ABANDON, t1.id), -E.EINVAL);
    assert.deepEqual(pagesOf(kernel, s1.pid), { mapped: 0, inFlight: 0 });
    assert.equal(await r.sys(S.SYS_PAGE_READ, t1.addr, BUF, 8), 8, 'accepted pages stay mapped');
    assert.equal(await r.sys(S.SYS_PAGE_ABANDON, t2.id), 0);
    assert.equal(await r.sys(S.SYS_PAGE_ABANDON, t2.id), -E.EINVAL);
    assert.equal(await r.sys(S.SYS_PAGE_READ, t2.addr, BUF, 8), -E.EFAULT, 'abandoned pages are unmapped');
    assert.deepEqual(pagesOf(kernel, s2.pid), { mapped: 3, inFlight: 1 }, 'the move of `three` is still charged');
    assert.deepEqual(await s2.read(two.addr, 3 * P), (() => {
      const c = two.content.slice();
      c[5] = 0xab;
      return c;
    })(), 'the sender keeps its shared pages');

    assert.equal(await s1.sys(S.SYS_PAGE_TAKE, INFO), 1);
    const t3 = await takenAt(s1);
    assert.equal(await s1.sys(S.SYS_PAGE_ABANDON, t3.id), 0);
    assert.equal(await r.sys(S.SYS_PAGE_FREE, t1.addr, 2), 0);
    assert.equal(await s2.sys(S.SYS_PAGE_FREE, two.addr, 3), 0);
    assert.equal(await s2.sys(S.SYS_PAGE_FREE, three.addr, 1), -E.EFAULT, 'moved');
    assert.deepEqual(kernel.usage(), base);
  });
});

test('PAGE_TAKE with timeout -1 blocks until a send arrives (the snapshot shows the task blocked); a positive timeout ends in ETIMEDOUT; init can wait with syscallAsync', T, async () => {
  await withKernel(async (kernel) => {
    const r = await abiReceiver(kernel, TYPE);
    const s = await PgAgent.spawn(kernel);
    const base = kernel.usage();

    const started = performance.now();
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, 50_000_000), -E.ETIMEDOUT, '50 ms, nothing sent');
    assert.ok(performance.now() - started >= 45, 'it waited');
    assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, 1n), -E.ETIMEDOUT, '1 ns (a bigint)');

    const taking = r.startSys(S.SYS_PAGE_TAKE, INFO, -1);
    await waitFor(() => taskOf(kernel.snapshot(), r.pid)?.state === 'blocked', 'the receiver to block in PAGE_TAKE');
    const snap = taskOf(kernel.snapshot(), r.pid)!;
    assert.equal(snap.blockedOn?.event, 'readable');
    await tick(50);
    assert.equal(taking.settled, false, 'still waiting');
    const { addr, content } = await filled(s, 1, 4);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, addr, 1, 0), 1);
    assert.equal(await within(taking, 10_000, 'PAGE_TAKE(-1)'), 1);
    assert.equal(taskOf(kernel.snapshot(), r.pid)!.state, 'running');
    const t = await takenAt(r);
    assert.deepEqual([t.sender, t.type, t.npages], [s.pid, TYPE, 1]);
    assert.deepEqual(await r.read(t.addr, PAGE_BYTES), content);
    assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, t.id), 0);

    // A positive timeout long enough: the send arrives first.
    const waiting = r.startSys(S.SYS_PAGE_TAKE, INFO, 20_000_000_000);
    await waitFor(() => taskOf(kernel.snapshot(), r.pid)?.state === 'blocked', 'the receiver to block again');
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 0, TYPE, (await filled(s, 1, 5)).addr, 1, 3 << 3), 1, 'to all but self');
    assert.equal(await within(waiting, 10_000, 'PAGE_TAKE(20 s)'), 1);
    const t2 = await takenAt(r);
    assert.equal(await r.sys(S.SYS_PAGE_ABANDON, t2.id), 0);

    // Init waits on its event loop with syscallAsync while a task sends.
    const init = kernel.task;
    assert.equal(init.syscall(S.SYS_PAGE_REGISTER_HANDLER, TYPE), 0);
    const initWait = init.syscallAsync(S.SYS_PAGE_TAKE, INFO, -1);
    await waitFor(() => taskOf(kernel.snapshot(), 1)?.state === 'blocked', 'init to wait in PAGE_TAKE');
    const third = await filled(s, 2, 6);
    assert.equal(await s.sys(S.SYS_PAGE_SEND, 1, TYPE, third.addr, 2, 4), 1, 'a copy to init');
    assert.equal(await within(initWait, 10_000, 'init\'s PAGE_TAKE'), 1);
    const v = new DataView(init.memory.buffer, init.memory.byteOffset + INFO, 24);
    const [id, sender, type, at, n] = [0, 1, 2, 3, 4].map((i) => v.getUint32(i * 4, true)) as [number, number, number, number, number];
    assert.deepEqual([sender, type, n], [s.pid, TYPE, 2]);
    assert.equal(init.syscall(S.SYS_PAGE_READ, at, BUF, 2 * PAGE_BYTES), 2 * PAGE_BYTES);
    assert.deepEqual(init.memory.slice(BUF, BUF + 2 * PAGE_BYTES), third.content);
    assert.equal(await init.syscallAsync(S.SYS_PAGE_TAKE, INFO, 10_000_000), -E.ETIMEDOUT, 'async timeout');
    assert.equal(init.syscall(S.SYS_PAGE_ABANDON, id), 0);
    assert.equal(init.syscall(S.SYS_PAGE_UNREGISTER_HANDLER, TYPE), 0);
    assert.equal(await s.sys(S.SYS_PAGE_FREE, third.addr, 2), 0);
    assert.equal(await r.sys(S.SYS_PAGE_FREE, t.addr, 1), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('PAGE_TAKE with no free range in the receiver\'s page space is ENOMEM and the delivery stays pending', T, async () => {
  await withKernel(
    async (kernel) => {
      const r = await abiReceiver(kernel, TYPE);
      const s = await PgAgent.spawn(kernel);
      const full = await r.sys(S.SYS_PAGE_ALLOC, 4);
      assert.equal(full, 0);
      const { addr, content } = await filled(s, 2, 7);
      assert.equal(await s.sys(S.SYS_PAGE_SEND, r.pid, TYPE, addr, 2, 0), 1);
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), -E.ENOMEM);
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO, 1_000_000), -E.ENOMEM);
      assert.equal(kernel.usage().deliveries, 1);
      assert.equal(await r.sys(S.SYS_PAGE_FREE, PAGE_BYTES, 1), 0);
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), -E.ENOMEM, 'one free page is not a range of two');
      assert.equal(await r.sys(S.SYS_PAGE_FREE, 2 * PAGE_BYTES, 1), 0);
      assert.equal(await r.sys(S.SYS_PAGE_TAKE, INFO), 1);
      const t = await takenAt(r);
      assert.equal(t.addr, PAGE_BYTES);
      assert.deepEqual(await r.read(t.addr, 2 * PAGE_BYTES), content);
      assert.equal(await r.sys(S.SYS_PAGE_ACCEPT, t.id), 0);
    },
    { pageSpace: 4 },
  );
});
