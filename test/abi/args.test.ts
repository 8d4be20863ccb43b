/**
 * The syscall entry itself: unknown numbers, bad handle values and bad
 * pointers, for every syscall of the Strat9 personality. A syscall returns
 * >= 0 or -errno and never throws, and a rejected call changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, type Kernel } from '../../src/index.js';
import { withKernel } from '../support/kernel.js';
import { bind, connect, createPort, info, readInfo, send, tryRecv, writeMsg, writePath } from '../support/abi.js';

/** Every value below is not a live handle of the calling task (whose handles are `live`). */
function badHandles(live: number[]): unknown[] {
  const h = live[0]!;
  const values: unknown[] = [
    0,
    -1,
    -h,
    NaN,
    0.5,
    h + 0.5,
    h - 0.25,
    1000,
    4095,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 + h,
    2 ** 53,
    Number.MAX_SAFE_INTEGER,
    -(2 ** 53),
    Infinity,
    -Infinity,
    String(h),
    'x',
    '',
    undefined,
    null,
    true,
    {},
    [h],
    () => h,
    Symbol('h'),
    0n,
    -1n,
    1000n,
    BigInt(2 ** 32 + h),
    2n ** 64n + BigInt(h),
    2n ** 64n,
  ];
  for (let k = 1; k <= 3; k++) values.push(h + k * 4096, h + k);
  return values.filter((v) => !live.includes(v as number));
}

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? 'Symbol' : typeof v === 'function' ? 'function' : JSON.stringify(v) ?? String(v);
}

function usageAndQueue(kernel: Kernel) {
  const s = kernel.snapshot();
  return { usage: s.usage, depths: s.objects.map((o) => [o.id, o.depth, o.destroyed]), names: s.names, calls: s.stats.calls, sends: s.stats.sends };
}

test('unknown syscall numbers return -ENOSYS and change nothing', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const before = usageAndQueue(kernel);
    const numbers: unknown[] = [0, 7, 8, 9, 99, 100, 199, 209, 225, 229, 235, 299, 310, 999, 65536, -1, -2, -200, -201, 2 ** 31, 2 ** 32 + 1, 2 ** 32 + 201, 201.5, 1.5, NaN, Infinity, -Infinity, '201', '1', undefined, null];
    for (const nr of numbers) {
      for (const args of [[], [p, 0, 0], [0, 0, 0], [-1, -1, -1]]) {
        const r = (t.syscall as (...a: unknown[]) => number)(nr, ...args);
        assert.equal(r, -E.ENOSYS, `syscall(${describe(nr)}, ${args.join(', ')})`);
      }
    }
    assert.deepEqual(usageAndQueue(kernel), before);
  });
});

test('every syscall that takes a handle returns -EBADF for values that name no live handle', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/abi/args'), 0);
    const c = connect(t, '/abi/args');
    assert.ok(c > 0);
    const MSG = 0;
    const PATH = 1024;
    const pathLen = writePath(t.memory, PATH, '/abi/other');
    const before = usageAndQueue(kernel);
    const infoP = info(t, p);
    const infoC = info(t, c);
    const cases: [string, (b: unknown) => number][] = [
      ['HANDLE_DUPLICATE', (b) => t.syscall(S.SYS_HANDLE_DUPLICATE, b)],
      ['HANDLE_CLOSE', (b) => t.syscall(S.SYS_HANDLE_CLOSE, b)],
      ['HANDLE_WAIT(poll)', (b) => t.syscall(S.SYS_HANDLE_WAIT, b, 0)],
      ['HANDLE_WAIT(1 ms)', (b) => t.syscall(S.SYS_HANDLE_WAIT, b, 1_000_000)],
      ['HANDLE_WAIT(forever)', (b) => t.syscall(S.SYS_HANDLE_WAIT, b, -1)],
      ['HANDLE_GRANT', (b) => t.syscall(S.SYS_HANDLE_GRANT, b, t.pid)],
      ['HANDLE_REVOKE', (b) => t.syscall(S.SYS_HANDLE_REVOKE, b)],
      ['HANDLE_INFO', (b) => t.syscall(S.SYS_HANDLE_INFO, b, 0)],
      ['IPC_SEND', (b) => t.syscall(S.SYS_IPC_SEND, b, writeMsg(t.memory, MSG, { type: 1 }))],
      ['IPC_RECV', (b) => t.syscall(S.SYS_IPC_RECV, b, MSG)],
      ['IPC_CALL', (b) => t.syscall(S.SYS_IPC_CALL, b, writeMsg(t.memory, MSG, { type: 1 }))],
      ['IPC_BIND_PORT', (b) => t.syscall(S.SYS_IPC_BIND_PORT, b, PATH, pathLen)],
      ['IPC_TRY_RECV', (b) => t.syscall(S.SYS_IPC_TRY_RECV, b, MSG)],
    ];
    for (const b of badHandles([p, c])) {
      for (const [name, run] of cases) {
        let r: number | undefined;
        assert.doesNotThrow(() => {
          r = run(b);
        }, `${name}(${describe(b)}) threw`);
        assert.equal(r, -E.EBADF, `${name}(${describe(b)})`);
      }
    }
    // Nothing was created, queued, bound or closed; the live handles are intact.
    assert.deepEqual(usageAndQueue(kernel), before);
    assert.deepEqual(info(t, p), infoP);
    assert.deepEqual(info(t, c), infoC);
  });
});

test('a handle to transfer (message flags) that names no live handle is -EBADF on send and call, and nothing is queued', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const q = createPort(t);
    const before = usageAndQueue(kernel);
    // flags is a u32 field: 0 means "no handle", anything else must name one.
    for (const flags of [1000, 4095, q + 4096, p + 4096, 0x7fffffff, 0x80000000, 0xffffffff]) {
      assert.equal(t.syscall(S.SYS_IPC_SEND, p, writeMsg(t.memory, 0, { flags })), -E.EBADF, `send flags=${flags}`);
      assert.equal(t.syscall(S.SYS_IPC_CALL, p, writeMsg(t.memory, 0, { flags })), -E.EBADF, `call flags=${flags}`);
    }
    assert.deepEqual(usageAndQueue(kernel), before);
    assert.equal(tryRecv(t, p).r, -E.EAGAIN);
  });
});

test('a bigint handle is read as the integer it holds (wasm i64 arguments), never as another handle', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, BigInt(p), 0), 0);
    assert.deepEqual(readInfo(t.memory, 0), info(t, p));
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, BigInt(p) + 2n ** 32n, 0), -E.EBADF);
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, BigInt(p) - 2n ** 32n, 0), -E.EBADF);
  });
});

test('message pointers outside user memory are -EFAULT, including ranges that start inside and end outside; nothing moves', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const L = t.memory.length;
    const p = createPort(t);
    const before = usageAndQueue(kernel);
    const bad: unknown[] = [-1, -64, -63, L, L - 63, L - 32, L - 1, L + 64, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), NaN, 0.5, 64.5, Infinity, -Infinity, '0', '', undefined, null, {}, -1n, BigInt(L - 1), 2n ** 64n];
    for (const ptr of bad) {
      const d = describe(ptr);
      assert.equal(t.syscall(S.SYS_IPC_SEND, p, ptr), -E.EFAULT, `IPC_SEND(p, ${d})`);
      assert.equal(t.syscall(S.SYS_IPC_CALL, p, ptr), -E.EFAULT, `IPC_CALL(p, ${d})`);
      assert.equal(t.syscall(S.SYS_IPC_REPLY, ptr), -E.EFAULT, `IPC_REPLY(${d})`);
      assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, p, ptr), -E.EFAULT, `IPC_TRY_RECV(p, ${d}) on an empty port`);
    }
    assert.deepEqual(usageAndQueue(kernel), before, 'a faulting send or call queued nothing and took no call slot');

    // A receive into a bad buffer must not consume the message.
    assert.equal(send(t, p, { type: 77, p0: 1234 }), 0);
    for (const ptr of bad) {
      const d = describe(ptr);
      assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, p, ptr), -E.EFAULT, `IPC_TRY_RECV(p, ${d})`);
      assert.equal(t.syscall(S.SYS_IPC_RECV, p, ptr), -E.EFAULT, `IPC_RECV(p, ${d})`);
    }
    const got = tryRecv(t, p);
    assert.equal(got.r, 0, 'the message is still queued');
    assert.equal(got.m.type, 77);
    assert.equal(got.m.p0, 1234);

    // The last whole message of memory is fine, and so is an unaligned one.
    writeMsg(t.memory, L - 64, { type: 5, p0: 55 });
    assert.equal(t.syscall(S.SYS_IPC_SEND, p, L - 64), 0);
    writeMsg(t.memory, 3, { type: 6, p0: 66 });
    assert.equal(t.syscall(S.SYS_IPC_SEND, p, 3), 0);
    t.memory.fill(0, L - 64);
    assert.equal(t.syscall(S.SYS_IPC_RECV, p, L - 64), 0);
    assert.equal(t.memory[L - 64 + 8], 5);
    assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, p, 1), 0);
    assert.equal(t.memory[1 + 8], 6);
  });
});

test('HANDLE_INFO with a record (16 bytes) outside user memory is -EFAULT and writes nothing', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const L = t.memory.length;
    const p = createPort(t);
    t.memory.fill(0xaa, L - 32);
    for (const ptr of [-1, -16, L - 15, L - 8, L - 1, L, L + 16, 2 ** 31, 2 ** 53, NaN, 0.5, Infinity, '0', undefined, null]) {
      assert.equal(t.syscall(S.SYS_HANDLE_INFO, p, ptr), -E.EFAULT, `HANDLE_INFO(p, ${describe(ptr)})`);
    }
    assert.ok(t.memory.subarray(L - 32).every((b) => b === 0xaa), 'no byte written');
    assert.equal(t.syscall(S.SYS_HANDLE_INFO, p, L - 16), 0, 'the last 16 bytes of memory are fine');
    assert.equal(readInfo(t.memory, L - 16).type, 4);
    assert.ok(t.memory.subarray(L - 32, L - 16).every((b) => b === 0xaa));
  });
});

test('path pointers and lengths outside user memory are -EFAULT for bind, connect and unbind', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const L = t.memory.length;
    const p = createPort(t);
    writePath(t.memory, 0, '/abi/x');
    writePath(t.memory, L - 4, '/abi');
    const before = usageAndQueue(kernel);
    const cases: [unknown, unknown][] = [
      [-1, 4],
      [-4, 4],
      [L, 1],
      [L - 3, 4], // starts inside, ends one byte past the end
      [L - 4, 5],
      [L - 1, 2],
      [0, L + 1],
      [0, 2 ** 31],
      [0, 2 ** 53],
      [2 ** 31, 4],
      [2 ** 53, 4],
      [NaN, 4],
      [0.5, 4],
      [Infinity, 4],
      ['0', 4],
      [undefined, 4],
    ];
    for (const [ptr, len] of cases) {
      const d = `${describe(ptr)}, ${describe(len)}`;
      assert.equal(t.syscall(S.SYS_IPC_BIND_PORT, p, ptr, len), -E.EFAULT, `IPC_BIND_PORT(p, ${d})`);
      assert.equal(t.syscall(S.SYS_IPC_CONNECT, ptr, len), -E.EFAULT, `IPC_CONNECT(${d})`);
      assert.equal(t.syscall(S.SYS_IPC_UNBIND_PORT, ptr, len), -E.EFAULT, `IPC_UNBIND_PORT(${d})`);
    }
    assert.deepEqual(usageAndQueue(kernel), before);
    // A path that ends exactly at the end of memory is fine.
    assert.equal(t.syscall(S.SYS_IPC_BIND_PORT, p, L - 4, 4), 0);
    assert.deepEqual(kernel.snapshot().names.map((n) => n.path), ['/abi']);
    const c = t.syscall(S.SYS_IPC_CONNECT, L - 4, 4);
    assert.ok(c > 0);
    assert.equal(t.syscall(S.SYS_IPC_UNBIND_PORT, L - 4, 4), 0);
  });
});

test('empty and negative path lengths are rejected (EINVAL) without touching the namespace', async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    writePath(t.memory, 0, '/abi/x');
    for (const len of [0, -1, -6, NaN, 2.5, '6', undefined]) {
      const d = describe(len);
      for (const [name, r] of [
        ['IPC_BIND_PORT', t.syscall(S.SYS_IPC_BIND_PORT, p, 0, len)],
        ['IPC_CONNECT', t.syscall(S.SYS_IPC_CONNECT, 0, len)],
        ['IPC_UNBIND_PORT', t.syscall(S.SYS_IPC_UNBIND_PORT, 0, len)],
      ] as const) {
        if (len === 0) assert.equal(r, -E.EINVAL, `${name} with an empty path`);
        else assert.ok(r === -E.EINVAL || r === -E.EFAULT, `${name}(0, ${d}) = ${r}, expected -EINVAL or -EFAULT`);
      }
    }
    assert.equal(kernel.usage().bindings, 0);
  });
});
