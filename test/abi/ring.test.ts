/**
 * Shared rings through the numbered ABI: IPC_RING_CREATE (210) and
 * IPC_RING_MAP (211). Whole zeroed pages from the kernel's page pool, the
 * u64 location and the size map reports, every errno (EINVAL, ENOMEM with a
 * small pool and a fragmented one, EBADF, EPERM, EFAULT), Strat9's scenario 3's
 * ring part (8192 bytes is at least 2 pages; once destroyed it cannot be
 * found), bytes written through one task's mapping read through another's
 * (a real worker thread, fixtures/ring-peer.ts), and the pages going
 * back to the pool after the last close and after the holder dies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, OBJ_RING, RIGHTS_ALL, RIGHT_READ, RIGHT_WRITE, RIGHT_GRANT, type Kernel } from '../../src/index.js';
import { restrict } from '../../src/ops/handle-ops.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, createPort, info, objectInfo } from '../support/abi.js';
import { RING_PEER as P, createRing, readLocation } from './fixtures/object-rig.js';

const T = { timeout: 30_000 };
const PAGE = 4096;
/** Where the tests have RING_MAP write the location in init's memory. */
const OUT = 50_000;

/** IPC_RING_MAP in init: the size and a view of the ring's bytes in the kernel's buffer. */
function map(kernel: Kernel, h: number): { size: number; location: number; bytes: Uint8Array } {
  const t = kernel.task;
  const size = t.syscall(S.SYS_IPC_RING_MAP, h, OUT);
  if (size <= 0) throw new Error(`IPC_RING_MAP(${h}) failed: ${size}`);
  const location = readLocation(t.memory, OUT);
  return { size, location, bytes: new Uint8Array(kernel.buffer, location, size) };
}

test('scenario 3: a ring of 8192 bytes has at least 2 pages; after it is destroyed it cannot be found (EBADF)', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const h = t.syscall(S.SYS_IPC_RING_CREATE, 8192);
    assert.ok(h > 0, `IPC_RING_CREATE returned ${h}`);
    const i = info(t, h);
    assert.deepEqual([i.type, i.rights], [OBJ_RING, RIGHTS_ALL]);
    t.memory.fill(0xaa, OUT - 8, OUT + 16);
    const size = t.syscall(S.SYS_IPC_RING_MAP, h, OUT);
    assert.ok(size >= 8192, `IPC_RING_MAP returned ${size}`);
    assert.equal(size, 2 * PAGE, 'exactly two whole pages');
    assert.ok(t.memory.subarray(OUT - 8, OUT).every((b) => b === 0xaa) && t.memory.subarray(OUT + 8, OUT + 16).every((b) => b === 0xaa), 'only the u64 is written');
    const location = readLocation(t.memory, OUT);
    assert.ok(location > 0 && location % PAGE === 0, `location ${location} is page aligned`);
    assert.ok(location + size <= kernel.buffer.byteLength, 'inside the kernel buffer');
    assert.ok(new Uint8Array(kernel.buffer, location, size).every((b) => b === 0), 'zeroed');
    const o = objectInfo(kernel, i.id)!;
    assert.deepEqual([o.type, o.size, o.destroyed, o.refs], ['ring', 8192, false, 1]);
    const u = kernel.usage();
    assert.deepEqual([u.objects, u.handles, u.pages], [base.objects + 1, base.handles + 1, base.pages + 2]);

    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.equal(t.syscall(S.SYS_IPC_RING_MAP, h, OUT), -E.EBADF, 'cannot be found');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, h, OUT), -E.EBADF);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, h, 0), -E.EBADF);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), -E.EBADF);
    assert.equal(objectInfo(kernel, i.id), undefined, 'gone from the snapshot');
    assert.deepEqual(kernel.usage(), base, 'its pages are back in the pool');
  });
});

test('IPC_RING_CREATE rounds up to whole pages; every ring is its own zeroed, non-overlapping memory; duplicates map the same', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const cases: [unknown, number][] = [
      [1, 1],
      [100, 1],
      [PAGE, 1],
      [PAGE + 1, 2],
      [10_000, 3],
      [8n * 1024n, 2],
      [16 * PAGE, 16],
    ];
    const rings: { h: number; location: number; size: number }[] = [];
    let pages = base.pages;
    for (const [asked, count] of cases) {
      const h = createRing(t, asked);
      pages += count;
      const m = map(kernel, h);
      assert.equal(m.size, count * PAGE, `IPC_RING_CREATE(${String(asked)})`);
      assert.equal(objectInfo(kernel, info(t, h).id)!.size, count * PAGE);
      assert.equal(kernel.usage().pages, pages);
      assert.ok(m.bytes.every((b) => b === 0), 'zeroed');
      m.bytes.fill(rings.length + 1);
      rings.push({ h, location: m.location, size: m.size });
    }
    for (const a of rings) {
      for (const b of rings) {
        if (a !== b) assert.ok(a.location + a.size <= b.location || b.location + b.size <= a.location, 'rings do not overlap');
      }
    }
    rings.forEach((r, k) => assert.ok(new Uint8Array(kernel.buffer, r.location, r.size).every((b) => b === k + 1), `ring ${k} kept its bytes`));

    // A duplicate maps the same pages.
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, rings[1]!.h);
    assert.ok(d > 0);
    const dm = map(kernel, d);
    assert.deepEqual([dm.location, dm.size], [rings[1]!.location, rings[1]!.size]);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, rings[1]!.h), 0);
    assert.equal(map(kernel, d).location, rings[1]!.location, 'the ring lives while a handle does');
    assert.equal(kernel.usage().pages, pages);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d), 0);
    assert.equal(kernel.usage().pages, pages - 1);

    // Freed pages come back zeroed.
    for (const r of rings) if (r !== rings[1]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, r.h), 0);
    assert.deepEqual(kernel.usage(), base);
    const again = createRing(t, 16 * PAGE);
    assert.ok(map(kernel, again).bytes.every((b) => b === 0), 'a new ring over used pages is zeroed');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, again), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_RING_CREATE of a zero, negative or non-integer size is -EINVAL and allocates nothing', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    for (const bad of [0, -1, -PAGE, -(2 ** 31), 0.5, 4096.5, NaN, Infinity, -Infinity, '4096', '', null, undefined, {}, 0n, -1n]) {
      assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, bad), -E.EINVAL, `IPC_RING_CREATE(${String(bad)})`);
    }
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_RING_CREATE is -ENOMEM when the page pool has no run long enough (the pool is shared with channels); closes give pages back', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const base = kernel.usage();
      assert.equal(kernel.snapshot().limits.pages, 4);
      // Sizes above the largest ring a kernel word can describe are EINVAL, not ENOMEM (test/api/validation.test.ts).
      for (const size of [2 ** 31 - PAGE + 1, 2 ** 31 - 1, 2 ** 40, 1e300]) assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, size), -E.EINVAL, `IPC_RING_CREATE(${size})`);
      for (const size of [5 * PAGE, 4 * PAGE + 1, 2 ** 31 - PAGE]) {
        assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, size), -E.ENOMEM, `IPC_RING_CREATE(${size}) with 4 pages`);
      }
      assert.deepEqual(kernel.usage(), base, 'a failed create leaves nothing behind');

      const all = createRing(t, 4 * PAGE);
      assert.equal(kernel.usage().pages, 4);
      const before = kernel.usage();
      assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, 1), -E.ENOMEM, 'the pool is empty');
      assert.equal(t.syscall(S.SYS_CHAN_CREATE, 1), -E.ENOMEM, 'channels take pages from the same pool');
      assert.deepEqual(kernel.usage(), before);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, all), 0);
      assert.equal(kernel.usage().pages, 0);

      // Fragmentation: pages 1 and 3 free, not consecutive.
      const one = [createRing(t, 1), createRing(t, 1), createRing(t, 1), createRing(t, 1)];
      assert.equal(kernel.usage().pages, 4);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, one[1]!), 0);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, one[3]!), 0);
      assert.equal(kernel.usage().pages, 2);
      assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, 2 * PAGE), -E.ENOMEM, 'two free pages, but not a run of two');
      const a = createRing(t, PAGE);
      const b = createRing(t, PAGE);
      assert.equal(kernel.usage().pages, 4);
      for (const h of [one[0]!, one[2]!, a, b]) assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
      assert.ok(createRing(t, 4 * PAGE) > 0, 'the whole pool again once everything is closed');
    },
    { pages: 4 },
  );
});

test('IPC_RING_MAP: bad, closed and wrong-type handles are -EBADF; without read and write -EPERM; an out_ptr outside memory -EFAULT', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const h = createRing(t, PAGE);
    for (const bad of [0, -1, 999, 2 ** 31, NaN, 1.5, 'x', undefined]) {
      assert.equal(t.syscall(S.SYS_IPC_RING_MAP, bad, OUT), -E.EBADF, `IPC_RING_MAP(${String(bad)})`);
    }
    const d = t.syscall(S.SYS_HANDLE_DUPLICATE, h);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, d), 0);
    assert.equal(t.syscall(S.SYS_IPC_RING_MAP, d, OUT), -E.EBADF, 'a closed handle');

    const p = createPort(t);
    const c = t.syscall(S.SYS_CHAN_CREATE, 2);
    const s = t.syscall(S.SYS_SEM_CREATE, 0);
    for (const [name, x] of [['port', p], ['channel', c], ['semaphore', s]] as const) {
      assert.equal(t.syscall(S.SYS_IPC_RING_MAP, x, OUT), -E.EBADF, `IPC_RING_MAP on a ${name}`);
    }

    const id = info(t, h).id;
    for (const rights of [RIGHT_READ, RIGHT_WRITE, RIGHT_READ | RIGHT_GRANT, RIGHT_GRANT]) {
      const n = restrict(t.ctx, h, rights);
      assert.ok(n > 0);
      assert.deepEqual(info(t, n), { type: OBJ_RING, rights, id });
      t.memory.fill(0xaa, OUT, OUT + 8);
      assert.equal(t.syscall(S.SYS_IPC_RING_MAP, n, OUT), -E.EPERM, `rights ${rights}`);
      assert.ok(t.memory.subarray(OUT, OUT + 8).every((b) => b === 0xaa), 'nothing written');
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, n), 0);
    }
    const rw = restrict(t.ctx, h, RIGHT_READ | RIGHT_WRITE);
    assert.equal(map(kernel, rw).location, map(kernel, h).location, 'read and write are enough');

    const L = t.memory.length;
    t.memory.fill(0xaa, L - 16);
    for (const ptr of [-1, -8, L - 7, L - 1, L, L + 8, 2 ** 32, NaN, 0.5, Infinity, '0', null, undefined, BigInt(L - 7)]) {
      assert.equal(t.syscall(S.SYS_IPC_RING_MAP, h, ptr), -E.EFAULT, `IPC_RING_MAP(h, ${String(ptr)})`);
    }
    assert.ok(t.memory.subarray(L - 16).every((b) => b === 0xaa), 'nothing written at the end of memory');
    assert.equal(t.syscall(S.SYS_IPC_RING_MAP, h, L - 8), PAGE, 'the last 8 bytes of memory are fine');
    assert.equal(readLocation(t.memory, L - 8), map(kernel, h).location);
    assert.equal(t.syscall(S.SYS_IPC_RING_MAP, h, 3), PAGE, 'and so is an unaligned pointer');
    assert.equal(readLocation(t.memory, 3), map(kernel, h).location);
  });
});

test('bytes written through one task\'s mapping are read through another task\'s, across the page boundary, both ways', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const h = createRing(t, 8192);
    const mine = map(kernel, h);
    const fromInit = 'hello from init, across the page boundary';
    mine.bytes.set(new TextEncoder().encode(fromInit), PAGE - 10);
    const fromPeer = 'hello from the peer';

    const ctl = new Int32Array(new SharedArrayBuffer(P.WORDS * 4));
    const peer = kernel.spawn(fixture('abi/fixtures/ring-peer'), {
      data: { ctl: ctl.buffer, expect: { at: PAGE - 10, text: fromInit }, write: { at: 6000, text: fromPeer } },
    });
    const g = t.syscall(S.SYS_HANDLE_GRANT, h, peer.pid);
    assert.ok(g > 0, `grant returned ${g}`);
    Atomics.store(ctl, P.HANDLE, g);
    Atomics.notify(ctl, P.HANDLE);
    await waitFor(() => Atomics.load(ctl, P.STEP) === 1, 'the peer to map the ring');

    assert.equal(Atomics.load(ctl, P.MAP_RESULT), 8192, 'the peer\'s IPC_RING_MAP');
    const peerLocation = (Atomics.load(ctl, P.LOC_LO) >>> 0) + (Atomics.load(ctl, P.LOC_HI) >>> 0) * 2 ** 32;
    assert.equal(peerLocation, mine.location, 'both tasks are told the same location');
    assert.equal(Atomics.load(ctl, P.MATCH), 1, 'the peer read what init wrote');
    assert.equal(new TextDecoder().decode(mine.bytes.subarray(6000, 6000 + fromPeer.length)), fromPeer, 'init reads what the peer wrote');
    assert.equal(objectInfo(kernel, info(t, h).id)!.refs, 2);

    Atomics.store(ctl, P.GO_CLOSE, 1);
    Atomics.notify(ctl, P.GO_CLOSE);
    await waitFor(() => Atomics.load(ctl, P.STEP) === 2, 'the peer to close its handle');
    assert.equal(Atomics.load(ctl, P.CLOSE_RESULT), 0);
    assert.equal(Atomics.load(ctl, P.REMAP_RESULT), -E.EBADF, 'the peer\'s closed handle cannot map');
    assert.equal((await within(peer.exited, 10_000, 'the peer')).code, 0);
    assert.equal(kernel.usage().pages, base.pages + 2, 'init still holds the ring');
    assert.equal(new TextDecoder().decode(map(kernel, h).bytes.subarray(6000, 6000 + fromPeer.length)), fromPeer, 'the data stays');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, h), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a ring\'s pages go back to the pool when the only task holding it dies; a ring granted away outlives its creator', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();

    // Killed while holding the only handle.
    const a = await Agent.spawn(kernel);
    const ha = (await a.syscall(S.SYS_IPC_RING_CREATE, 3 * PAGE)).r;
    assert.ok(ha > 0);
    assert.equal((await a.syscall(S.SYS_IPC_RING_MAP, ha, 0, 0, { at: 0 })).r, 3 * PAGE);
    assert.equal(kernel.usage().pages, base.pages + 3);
    await a.terminate();
    await waitFor(() => kernel.usage().pages === base.pages, 'the pages to return to the pool');
    assert.deepEqual(kernel.usage(), base);

    // Exits after granting it: the ring lives on with init's handle.
    const b = await Agent.spawn(kernel);
    const hb = (await b.syscall(S.SYS_IPC_RING_CREATE, 2 * PAGE)).r;
    assert.ok(hb > 0);
    const mapped = await b.syscall(S.SYS_IPC_RING_MAP, hb, 0, 0, { at: 0 });
    assert.equal(mapped.r, 2 * PAGE);
    const location = readLocation(mapped.bytes, 0);
    const g = (await b.syscall(S.SYS_HANDLE_GRANT, hb, t.pid)).r;
    assert.ok(g > 0);
    new Uint8Array(kernel.buffer, location, 2 * PAGE).set([1, 2, 3, 4], 100);
    await b.exitWith(0);
    assert.equal(kernel.usage().pages, base.pages + 2, 'the creator\'s death does not free a ring another task holds');
    const m = map(kernel, g);
    assert.equal(m.location, location, 'init maps the pages the creator mapped');
    assert.deepEqual([...m.bytes.subarray(100, 104)], [1, 2, 3, 4]);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, g), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('a full object table (-ENOMEM) or handle table (-ENOSPC) fails IPC_RING_CREATE, CHAN_CREATE and SEM_CREATE without leaking pages', T, async () => {
  for (const [limits, errno] of [[{ maxObjects: 1 }, E.ENOMEM], [{ maxHandles: 1 }, E.ENOSPC]] as const) {
    await withKernel((kernel) => {
      const t = kernel.task;
      const s = t.syscall(S.SYS_SEM_CREATE, 0);
      assert.ok(s > 0);
      const before = kernel.usage();
      assert.equal(t.syscall(S.SYS_IPC_RING_CREATE, 3 * PAGE), -errno, `IPC_RING_CREATE with ${JSON.stringify(limits)}`);
      assert.equal(t.syscall(S.SYS_CHAN_CREATE, 4), -errno, `CHAN_CREATE with ${JSON.stringify(limits)}`);
      assert.equal(t.syscall(S.SYS_SEM_CREATE, 1), -errno, `SEM_CREATE with ${JSON.stringify(limits)}`);
      assert.deepEqual(kernel.usage(), before, 'no page, object or handle left behind');
      assert.equal(t.syscall(S.SYS_SEM_CLOSE, s), 0);
      const r = createRing(t, 3 * PAGE);
      assert.equal(kernel.usage().pages, 3, 'room again once the semaphore is closed');
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, r), 0);
      assert.equal(kernel.usage().pages, 0);
    }, limits);
  }
});
