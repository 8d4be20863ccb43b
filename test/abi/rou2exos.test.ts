/**
 * The rou2exOS personality through its numbered ABI, from real rou2exOS
 * worker-thread tasks (docs/README.md, "Syscalls"): send_data (0x36), receive_data
 * (0x35), net_register (0x37), pipe (0x03), and unknown numbers.
 *
 * Mailbox: each message has its own buffer (ten different payloads queued
 * before the first receive all arrive intact and in order), the capacity of
 * 10 (the 11th send is EAGAIN, counted as `refused`, nothing lost), the
 * 1..512 length rule and its default, a blocking receive that really sleeps
 * and is woken by another task (and never returns 0), no lost wake-up over
 * thousands of round trips, no loss or tearing with several senders,
 * ESRCH for every pid no live task has (a stale pid whose slot was reused
 * included), EFAULT on the whole range (a receive that cannot hold the
 * message leaves it queued). Network registrations: the driver, the port
 * table of 16, EBUSY/ENOSPC/EINVAL, refusals counted. Keyboard pipe:
 * subscribe/unsubscribe/read, EEXIST/ENOSPC/ENOENT/EFAULT, a full ring drops
 * and counts, subscriptions die with their task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyError, OutOfMemoryError, errno as E, type Kernel } from '../../src/index.js';
import { deliverScancodes } from '../../src/objects/keyboard-pipe/keyboard-pipe.js';
import { fixture } from '../support/fixtures.js';
import { kipcError } from '../support/errors.js';
import { withKernel } from '../support/kernel.js';
import { within } from '../support/wait.js';
import { controlWords, setWord } from '../support/control-words.js';
import { NET_REGISTER, PIPE, R2Agent, READ, RECEIVE_DATA, SEND_DATA, SUBSCRIBE, UNSUBSCRIBE, mailboxOf, slotOfPid } from '../api/fixtures/rou2exos-agent-client.js';
import { pattern } from '../support/patterns.js';
import { taskOf, waitReceiving } from '../support/blocked.js';
import { FLOOD, PINGPONG } from './fixtures/mailbox-checked.js';

const T = { timeout: 60_000 };
/** Where agents receive (mailbox and pipe reads) in their memory; sends use low offsets. */
const IN = 32_768;

async function agents(kernel: Kernel, n: number): Promise<R2Agent[]> {
  const all: R2Agent[] = [];
  for (let i = 0; i < n; i++) all.push(await R2Agent.spawn(kernel));
  return all;
}

/** Receives (mode 0) once in `agent` and returns the length and the bytes. */
async function receive(agent: R2Agent, mode = 0): Promise<{ n: number; bytes: Uint8Array }> {
  const n = await agent.sys(RECEIVE_DATA, mode, IN);
  return { n, bytes: n > 0 ? await agent.read(IN, n) : new Uint8Array(0) };
}

test('a rou2exOS task: personality in the snapshot, a mailbox from the start, capacity 10', T, async () => {
  await withKernel(async (kernel) => {
    const a = await R2Agent.spawn(kernel);
    assert.equal(a.personality, 'rou2exos');
    const t = taskOf(kernel.snapshot(), a.pid)!;
    assert.equal(t.personality, 'rou2exos');
    assert.notEqual(t.mailbox, undefined, 'a rou2exOS task gets its mailbox at spawn');
    const mb = mailboxOf(kernel, a.pid)!;
    assert.deepEqual([mb.type, mb.capacity, mb.depth, mb.refused, mb.owner], ['mailbox', 10, 0, 0, a.pid]);
    assert.equal(taskOf(kernel.snapshot(), 1)!.personality, 'strat9', 'init speaks Strat9');
  });
});

test('send_data / receive_data: length and bytes arrive intact, nothing past the length is written; mode 0 on an empty mailbox returns 0', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    const payload = pattern(1, 100);
    await a.write(0, payload);
    await b.fill(IN, 1024, 0xee);
    assert.equal(await b.sys(RECEIVE_DATA, 0, IN), 0, 'empty: mode 0 returns 0 at once');
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 100), 0);
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 1);
    assert.equal(await b.sys(RECEIVE_DATA, 0, IN), 100, 'receive returns the payload length');
    assert.deepEqual(await b.read(IN, 100), payload);
    assert.deepEqual(await b.read(IN + 100, 924), new Uint8Array(924).fill(0xee), 'the bytes after the message are untouched');
    assert.equal(await b.sys(RECEIVE_DATA, 0, IN), 0, 'empty again');
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 0);

    // One byte, to itself, and to init (a Strat9 task's mailbox).
    await a.write(0, new Uint8Array([0x5a]));
    assert.equal(await a.sys(SEND_DATA, a.pid, 0, 1), 0, 'a task may mail itself');
    assert.deepEqual(await receive(a), { n: 1, bytes: new Uint8Array([0x5a]) });
    await a.write(0, payload);
    assert.equal(await a.sys(SEND_DATA, 1, 0, 100), 0);
    const mail = kernel.task.mailbox.tryReceive()!;
    assert.deepEqual([mail.from, mail.kind, mail.data], [a.pid, 'data', payload]);
    // bigint arguments are integers too.
    assert.equal(await a.sys(SEND_DATA, BigInt(b.pid), 0n, 7n), 0);
    assert.deepEqual(await receive(b), { n: 7, bytes: payload.subarray(0, 7) });
  });
});

test('capacity 10: ten distinct payloads queued before any receive all arrive intact and in order; the 11th is -EAGAIN and counted as refused', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    const payloads = Array.from({ length: 12 }, (_, i) => pattern(100 + i, 40 + i * 41)); // 40..491 bytes
    for (let i = 0; i < 12; i++) await a.write(i * 512, payloads[i]!);
    for (let i = 0; i < 10; i++) assert.equal(await a.sys(SEND_DATA, b.pid, i * 512, payloads[i]!.length), 0, `send #${i}`);
    let mb = mailboxOf(kernel, b.pid)!;
    assert.deepEqual([mb.depth, mb.refused], [10, 0]);
    assert.equal(await a.sys(SEND_DATA, b.pid, 10 * 512, payloads[10]!.length), -E.EAGAIN, 'the 11th: full');
    mb = mailboxOf(kernel, b.pid)!;
    assert.deepEqual([mb.depth, mb.refused], [10, 1], 'nothing queued, the refusal counted');
    assert.equal(await a.sys(SEND_DATA, b.pid, 11 * 512, payloads[11]!.length), -E.EAGAIN);
    assert.equal(mailboxOf(kernel, b.pid)!.refused, 2);
    await a.write(0, pattern(999, 512)); // the sender's buffers change after the sends: the queued copies must not
    for (let i = 0; i < 10; i++) {
      const { n, bytes } = await receive(b);
      assert.equal(n, payloads[i]!.length, `message #${i} length`);
      assert.deepEqual(bytes, payloads[i], `message #${i} bytes`);
    }
    assert.equal(await b.sys(RECEIVE_DATA, 0, IN), 0, 'exactly ten');
    assert.equal(await a.sys(SEND_DATA, b.pid, 10 * 512, payloads[10]!.length), 0, 'room again');
    assert.deepEqual(await receive(b), { n: payloads[10]!.length, bytes: payloads[10] });
    assert.equal(mailboxOf(kernel, b.pid)!.refused, 2);
  });
});

test('lengths: 1..512 accepted, 513, 0, negative and non-integer lengths are -EINVAL; an omitted length sends 512 bytes', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    const bytes = pattern(7, 2048);
    await a.write(0, bytes);
    for (const bad of [513, 514, 2048, 0, -1, -512, 1.5, NaN, Infinity, '10', null, {}]) {
      assert.equal(await a.sys(SEND_DATA, b.pid, 0, bad), -E.EINVAL, `length ${String(bad)}`);
    }
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 0, 'refused sends queue nothing');
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 512), 0);
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 1), 0);
    assert.equal(await a.sys(SEND_DATA, b.pid, 100), 0, 'no length argument');
    assert.equal(await a.sys(SEND_DATA, b.pid, 3, undefined), 0, 'an undefined length is an omitted one');
    assert.deepEqual(await receive(b), { n: 512, bytes: bytes.subarray(0, 512) });
    assert.deepEqual(await receive(b), { n: 1, bytes: bytes.subarray(0, 1) });
    assert.deepEqual(await receive(b), { n: 512, bytes: bytes.subarray(100, 612) }, 'the default length is 512');
    assert.deepEqual(await receive(b), { n: 512, bytes: bytes.subarray(3, 515) });
    assert.equal(await b.sys(RECEIVE_DATA, 0, IN), 0);
  });
});

test('blocking receive (mode != 0) sleeps on the mailbox until another task sends, and returns the message, never 0', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    for (const [mode, how] of [[1, 'a'], [2, 'a'], [-1, 'a'], [1, 'init'], [1, 'async']] as const) {
      const payload = pattern(mode * 10 + how.length, 77 + how.length);
      const pending = how === 'async' ? b.start<number>({ op: 'syscall', nr: RECEIVE_DATA, args: [mode, IN], async: true }) : b.startSys(RECEIVE_DATA, mode, IN);
      await waitReceiving(kernel, b.pid);
      const t = taskOf(kernel.snapshot(), b.pid)!;
      assert.deepEqual(t.blockedOn, { objectId: t.mailbox, type: 'mailbox', event: 'readable' });
      assert.equal(pending.settled, false, `mode ${mode} (${how}): still waiting`);
      if (how === 'init') kernel.task.mailbox.send(b.pid, payload);
      else {
        await a.write(0, payload);
        assert.equal(await a.sys(SEND_DATA, b.pid, 0, payload.length), 0);
      }
      assert.equal(await within(pending, 10_000, `receive (mode ${mode}, ${how})`), payload.length);
      assert.deepEqual(await b.read(IN, payload.length), payload);
      assert.equal(taskOf(kernel.snapshot(), b.pid)!.state, 'running');
    }
    // With a message waiting, a blocking receive returns at once.
    await a.write(0, pattern(5, 30));
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 30), 0);
    assert.deepEqual(await receive(b, 1), { n: 30, bytes: pattern(5, 30) });
  });
});

test('ESRCH: pid 0, negative, non-integer, unknown, an exited task, and a stale pid whose slot a new task reuses', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    await a.write(0, pattern(1, 64));
    for (const pid of [0, -1, -(2 ** 31), 1.5, NaN, Infinity, '2', undefined, null, 2 ** 31, 2 ** 40, 4000, b.pid + 4096, b.pid + 2 ** 20]) {
      assert.equal(await a.sys(SEND_DATA, pid, 0, 10), -E.ESRCH, `pid ${String(pid)}`);
    }
    const c = await R2Agent.spawn(kernel);
    const cPid = c.pid;
    assert.equal(await a.sys(SEND_DATA, cPid, 0, 10), 0, 'live: delivered');
    await c.exitWith(0);
    assert.equal(await a.sys(SEND_DATA, cPid, 0, 10), -E.ESRCH, 'exited');
    const d = await R2Agent.spawn(kernel);
    assert.equal(slotOfPid(d.pid), slotOfPid(cPid), 'the new task took the exited one\'s slot');
    assert.notEqual(d.pid, cPid, 'with a new pid');
    assert.equal(await a.sys(SEND_DATA, cPid, 0, 10), -E.ESRCH, 'the stale pid names nobody');
    assert.equal(await d.sys(RECEIVE_DATA, 0, IN), 0, 'and nothing reached the new task');
    assert.equal(mailboxOf(kernel, d.pid)!.depth, 0);
    assert.equal(await a.sys(SEND_DATA, d.pid, 0, 10), 0, 'its own pid works');
    assert.deepEqual(await receive(d), { n: 10, bytes: pattern(1, 10) });
    const e = await R2Agent.spawn(kernel);
    await e.terminate();
    assert.equal(await a.sys(SEND_DATA, e.pid, 0, 10), -E.ESRCH, 'terminated');
  });
});

test('EFAULT on the whole range: a send buffer that starts inside memory and ends outside queues nothing', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    const mem = a.memory;
    await a.write(mem - 600, pattern(3, 600));
    for (const [at, len] of [
      [mem - 100, 200],
      [mem - 100, 101],
      [mem - 1, 2],
      [mem, 1],
      [mem + 10, 10],
      [-1, 10],
      [-100, 200],
      [2 ** 31, 1],
      [1.5, 10],
      ['0', 10],
      [undefined, 10],
      [mem - 511, undefined],
    ] as const) {
      assert.equal(await a.sys(SEND_DATA, b.pid, at, ...(len === undefined ? [] : [len])), -E.EFAULT, `send at ${String(at)} length ${String(len)}`);
    }
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 0, 'nothing was queued');
    assert.equal(await a.sys(SEND_DATA, b.pid, mem - 100, 100), 0, 'ending exactly at the end of memory');
    assert.equal(await a.sys(SEND_DATA, b.pid, mem - 512), 0, 'the default 512 bytes, exactly at the end');
    assert.deepEqual(await receive(b), { n: 100, bytes: pattern(3, 600).subarray(500) });
    assert.deepEqual(await receive(b), { n: 512, bytes: pattern(3, 600).subarray(88) });
  });
});

test('EFAULT on receive: a buffer that cannot hold the message leaves it queued for a later valid receive; a blocking receive with a bad buffer does not block', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    const mem = b.memory;
    const payload = pattern(11, 200);
    await a.write(0, payload);
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 200), 0);
    await b.fill(mem - 400, 400, 0x11);
    for (const [mode, at] of [
      [0, mem - 100],
      [0, mem - 199],
      [1, mem - 199],
      [0, -1],
      [1, -1],
      [0, mem + 1],
      [1, mem + 1],
      [0, 1.5],
      [1, 'x'],
      [1, undefined],
    ] as const) {
      assert.equal(await within(b.sys(RECEIVE_DATA, mode, at), 10_000, `receive(${mode}, ${String(at)})`), -E.EFAULT, `receive(${mode}, ${String(at)})`);
    }
    assert.deepEqual(await b.read(mem - 400, 400), new Uint8Array(400).fill(0x11), 'nothing was written');
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 1, 'the message is still queued');
    assert.equal(await b.sys(RECEIVE_DATA, 0, mem - 200), 200, 'a buffer that ends exactly at the end of memory');
    assert.deepEqual(await b.read(mem - 200, 200), payload);
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 0);

    // A blocking receive with a buffer too small for the message that wakes it: EFAULT, the message stays.
    const pending = b.startSys(RECEIVE_DATA, 1, mem - 50);
    await waitReceiving(kernel, b.pid);
    assert.equal(await a.sys(SEND_DATA, b.pid, 0, 200), 0);
    assert.equal(await within(pending, 10_000, 'the woken receive'), -E.EFAULT);
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 1);
    assert.deepEqual(await receive(b), { n: 200, bytes: payload });
  });
});

test('no room for a mailbox: a rou2exOS spawn throws OutOfMemoryError and leaves nothing; a send to a Strat9 task that has none is -ENOMEM', T, async () => {
  // 6 pages per mailbox: room for init's and one more.
  await withKernel(async (kernel) => {
    kernel.task.mailbox.tryReceive();
    const a = await R2Agent.spawn(kernel);
    const s = await R2Agent.spawn(kernel, { personality: 'strat9' });
    const before = kernel.usage();
    assert.throws(() => kernel.spawn(fixture('api/fixtures/rou2exos-agent'), { personality: 'rou2exos', data: { channel: 'unused' } }), kipcError(OutOfMemoryError, E.ENOMEM, 'ENOMEM'));
    assert.deepEqual(kernel.usage(), before, 'the failed spawn took no task slot, object or page');
    await a.write(0, pattern(1, 20));
    assert.equal(await a.sys(SEND_DATA, s.pid, 0, 20), -E.ENOMEM, 'the Strat9 task has no mailbox and there is no room for one');
    assert.throws(() => kernel.task.mailbox.send(s.pid, 'x'), kipcError(OutOfMemoryError, E.ENOMEM, 'ENOMEM'));
    assert.equal(taskOf(kernel.snapshot(), s.pid)!.mailbox, undefined);
    assert.deepEqual(kernel.usage(), before);
    await a.exitWith(0);
    assert.equal(kernel.snapshot().usage.pages, before.pages - 6, 'the dead task\'s pages are free');
    kernel.task.mailbox.send(s.pid, 'now there is room');
    assert.equal(taskOf(kernel.snapshot(), s.pid)!.mailbox !== undefined, true);
    assert.equal(new TextDecoder().decode((await s.run<{ data: Uint8Array }>({ op: 'tryReceive' })).data), 'now there is room');
  }, { pages: 13 });
});

test('unknown syscall numbers are -ENOSYS in a rou2exOS task (Strat9 numbers included), and rou2exOS numbers in a Strat9 task', T, async () => {
  await withKernel(async (kernel) => {
    const [a, b] = await agents(kernel, 2);
    await a.write(0, pattern(1, 16));
    for (const nr of [0, 1, 2, 4, 5, 6, 0x34, 0x38, 0x39, 200, 201, 202, 203, 204, 207, 220, 221, 230, 233, 999, -1, -0x35, 2 ** 31, 0x35 + 0.5, '53', NaN, undefined]) {
      assert.equal(await a.sys(nr, b.pid, 0, 16), -E.ENOSYS, `syscall ${String(nr)}`);
    }
    assert.equal(mailboxOf(kernel, b.pid)!.depth, 0, 'none of them sent anything');
    for (const nr of [0x35, 0x36, 0x37]) assert.equal(kernel.task.syscall(nr, a.pid, 0, 16), -E.ENOSYS, `Strat9 task, syscall 0x${nr.toString(16)}`);
    assert.equal(mailboxOf(kernel, a.pid)!.depth, 0);
    // pipe with an unknown op.
    for (const op of [0, 4, 9, -1, 1.5, '1', undefined]) assert.equal(await a.sys(PIPE, op, IN, 16), -E.EINVAL, `pipe op ${String(op)}`);
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, [], 'and subscribed nobody');
  });
});

test('net_register: 0 makes the driver (EBUSY for a second live task, 0 again for the same one); ports out of range are -EINVAL', T, async () => {
  await withKernel(async (kernel) => {
    const [d1, d2] = await agents(kernel, 2);
    assert.equal(kernel.snapshot().network.driver, 0);
    assert.equal(await d1.sys(NET_REGISTER, 0), 0);
    assert.equal(kernel.snapshot().network.driver, d1.pid);
    assert.equal(await d2.sys(NET_REGISTER, 0), -E.EBUSY);
    assert.equal(kernel.snapshot().network.registerRefused, 1);
    assert.equal(await d1.sys(NET_REGISTER, 0), 0, 'the driver registering again');
    assert.throws(() => kernel.task.network.becomeDriver(), kipcError(BusyError, E.EBUSY, 'EBUSY'), 'init is a live task too');
    assert.equal(kernel.snapshot().network.driver, d1.pid);
    assert.equal(kernel.snapshot().network.registerRefused, 2);

    for (const bad of [65536, 70000, -1, -80, 2 ** 31, 1.5, NaN, 'x', '80', undefined, null]) {
      assert.equal(await d2.sys(NET_REGISTER, bad), -E.EINVAL, `port ${String(bad)}`);
    }
    const net = kernel.snapshot().network;
    assert.deepEqual([net.driver, net.ports, net.registerRefused], [d1.pid, [], 2], 'invalid ports register nothing and are not refusals');
    assert.equal(await d1.sys(NET_REGISTER, 1), 0);
    assert.equal(await d2.sys(NET_REGISTER, 65535), 0);
    assert.deepEqual(
      kernel.snapshot().network.ports.sort((x, y) => x.port - y.port),
      [
        { port: 1, pid: d1.pid },
        { port: 65535, pid: d2.pid },
      ],
    );
    await d1.exitWith(0);
    assert.equal(kernel.snapshot().network.driver, 0, 'the driver registration died with its task');
    assert.equal(await d2.sys(NET_REGISTER, 0), 0, 'another task can become the driver');
    assert.equal(kernel.snapshot().network.driver, d2.pid);
  });
});

test('net_register: a table of 16 ports, the 17th is -ENOSPC (nothing overwritten), a port held by another live task is -EBUSY, refusals counted; a dead task\'s entries are free again', T, async () => {
  await withKernel(async (kernel) => {
    const [d1, d2, d3] = await agents(kernel, 3);
    const expected: { port: number; pid: number }[] = [];
    for (let i = 0; i < 8; i++) {
      assert.equal(await d1.sys(NET_REGISTER, 1000 + i), 0);
      expected.push({ port: 1000 + i, pid: d1.pid });
      assert.equal(await d2.sys(NET_REGISTER, 2000 + i), 0);
      expected.push({ port: 2000 + i, pid: d2.pid });
    }
    expected.sort((x, y) => x.port - y.port);
    const ports = () => kernel.snapshot().network.ports.sort((x, y) => x.port - y.port);
    assert.deepEqual(ports(), expected);
    assert.equal(await d2.sys(NET_REGISTER, 1003), -E.EBUSY, 'held by another live task');
    assert.equal(await d3.sys(NET_REGISTER, 2007), -E.EBUSY);
    assert.equal(await d1.sys(NET_REGISTER, 1003), 0, 'a port the task holds already');
    assert.equal(await d1.sys(NET_REGISTER, 3000), -E.ENOSPC, 'the 17th');
    assert.equal(await d3.sys(NET_REGISTER, 3000), -E.ENOSPC);
    assert.equal(await d3.sys(NET_REGISTER, 0), 0, 'the driver is not a table entry');
    assert.deepEqual(ports(), expected, 'nothing was overwritten');
    assert.equal(kernel.snapshot().network.registerRefused, 4);

    await d2.exitWith(0);
    assert.deepEqual(ports(), expected.filter((e) => e.pid === d1.pid), 'the dead task\'s ports are gone');
    assert.equal(await d3.sys(NET_REGISTER, 2003), 0, 'its port is free for another task');
    assert.equal(await d3.sys(NET_REGISTER, 3000), 0, 'and its entries too');
    for (let i = 1; i < 7; i++) assert.equal(await d3.sys(NET_REGISTER, 3000 + i), 0);
    assert.equal(await d1.sys(NET_REGISTER, 4000), -E.ENOSPC, 'full again');
    assert.equal(kernel.snapshot().network.registerRefused, 5);
    assert.equal(kernel.snapshot().network.ports.length, 16);
  });
});

test('pipe: subscribe (twice is -EEXIST), read copies in order and returns the count (default 16), unsubscribe; -ENOENT when not subscribed', T, async () => {
  await withKernel(async (kernel) => {
    const [k, other] = await agents(kernel, 2);
    const ctx = kernel.task.ctx;
    assert.equal(await k.sys(PIPE, READ, IN, 16), -E.ENOENT, 'read before subscribing');
    assert.equal(await k.sys(PIPE, UNSUBSCRIBE), -E.ENOENT);
    assert.equal(await k.sys(PIPE, SUBSCRIBE), 0);
    assert.equal(await k.sys(PIPE, SUBSCRIBE), -E.EEXIST);
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, [{ pid: k.pid, waiting: 0, dropped: 0 }]);
    assert.equal(await k.sys(PIPE, READ, IN, 16), 0, 'nothing yet: 0, no blocking');
    const codes = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    assert.equal(deliverScancodes(ctx, codes), 1, 'one subscriber');
    assert.equal(kernel.snapshot().keyboard.subscribers[0]!.waiting, 40);
    await k.fill(IN, 64, 0xee);
    assert.equal(await k.sys(PIPE, READ, IN), 16, 'default length 16');
    assert.deepEqual(await k.read(IN, 17), Uint8Array.from([...codes.subarray(0, 16), 0xee]));
    assert.equal(await k.sys(PIPE, READ, IN, 5), 5);
    assert.deepEqual(await k.read(IN, 5), codes.subarray(16, 21));
    assert.equal(await k.sys(PIPE, READ, IN, 0), 0);
    assert.equal(await k.sys(PIPE, READ, IN, 100), 19, 'only what is waiting');
    assert.deepEqual(await k.read(IN, 19), codes.subarray(21));
    assert.equal(await k.sys(PIPE, READ, IN, 100), 0);
    assert.equal(await other.sys(PIPE, READ, IN), -E.ENOENT, 'another task is not subscribed');
    assert.equal(await k.sys(PIPE, UNSUBSCRIBE), 0);
    assert.equal(await k.sys(PIPE, UNSUBSCRIBE), -E.ENOENT);
    assert.equal(await k.sys(PIPE, READ, IN), -E.ENOENT);
    assert.equal(deliverScancodes(ctx, codes), 0, 'no subscribers left');
    assert.deepEqual(kernel.snapshot().keyboard.subscribers, []);
    assert.equal(kernel.snapshot().keyboard.scancodes, 80, 'every delivered byte counted');
    assert.equal(await k.sys(PIPE, SUBSCRIBE), 0, 'subscribing again');
    assert.equal(await k.sys(PIPE, READ, IN), 0, 'with an empty ring: bytes delivered while unsubscribed are not seen');
    // bad lengths
    for (const bad of [-1, 1.5, NaN, '4']) assert.equal(await k.sys(PIPE, READ, IN, bad), -E.EINVAL, `length ${String(bad)}`);
  });
});

test('pipe: every subscriber gets every byte; the 6th subscriber is -ENOSPC until a subscriber dies', T, async () => {
  await withKernel(async (kernel) => {
    const subs = await agents(kernel, 6);
    for (const s of subs.slice(0, 5)) assert.equal(await s.sys(PIPE, SUBSCRIBE), 0);
    assert.equal(await subs[5]!.sys(PIPE, SUBSCRIBE), -E.ENOSPC);
    assert.equal(deliverScancodes(kernel.task.ctx, Uint8Array.of(0x1e, 0x9e, 0x30, 0xb0)), 5);
    for (const s of subs.slice(0, 5)) {
      assert.equal(await s.sys(PIPE, READ, IN, 16), 4);
      assert.deepEqual(await s.read(IN, 4), Uint8Array.of(0x1e, 0x9e, 0x30, 0xb0));
    }
    const victim = subs[2]!;
    await victim.terminate();
    assert.deepEqual(
      kernel.snapshot().keyboard.subscribers.map((s) => s.pid).sort(),
      subs.slice(0, 5).filter((s) => s !== victim).map((s) => s.pid).sort(),
      'the dead task\'s subscription is gone',
    );
    assert.equal(await subs[5]!.sys(PIPE, SUBSCRIBE), 0, 'its record is free for the 6th');
    assert.equal(deliverScancodes(kernel.task.ctx, Uint8Array.of(7)), 5);
    assert.equal(await subs[5]!.sys(PIPE, READ, IN), 1);
    assert.deepEqual(await subs[5]!.read(IN, 1), Uint8Array.of(7), 'the new subscriber starts with an empty ring');
  });
});

test('pipe: bad pointer ranges are -EFAULT on the whole range (even when fewer bytes wait) and consume nothing', T, async () => {
  await withKernel(async (kernel) => {
    const [k] = await agents(kernel, 1);
    const mem = k.memory;
    assert.equal(await k.sys(PIPE, SUBSCRIBE), 0);
    deliverScancodes(kernel.task.ctx, Uint8Array.of(0xaa, 0xbb));
    for (const [at, len] of [
      [mem - 4, 16],
      [mem - 4, undefined],
      [mem - 1, 2],
      [mem, 1],
      [-1, 1],
      [-1, 0],
      [mem + 1, 0],
      [1.5, 4],
      ['0', 4],
      [undefined, 4],
    ] as const) {
      assert.equal(await k.sys(PIPE, READ, at, ...(len === undefined ? [] : [len])), -E.EFAULT, `read at ${String(at)} length ${String(len)}`);
    }
    assert.equal(kernel.snapshot().keyboard.subscribers[0]!.waiting, 2, 'nothing consumed');
    assert.equal(await k.sys(PIPE, READ, mem - 2, 2), 2, 'a range ending exactly at the end of memory');
    assert.deepEqual(await k.read(mem - 2, 2), Uint8Array.of(0xaa, 0xbb));
  });
});

test('pipe: a full 256-byte ring drops new bytes and counts them; the first 256 arrive intact', T, async () => {
  await withKernel(async (kernel) => {
    const [k, j] = await agents(kernel, 2);
    assert.equal(await k.sys(PIPE, SUBSCRIBE), 0);
    assert.equal(await j.sys(PIPE, SUBSCRIBE), 0);
    const codes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
    deliverScancodes(kernel.task.ctx, codes.subarray(0, 100));
    assert.equal(await j.sys(PIPE, READ, IN, 100), 100, 'j keeps up');
    deliverScancodes(kernel.task.ctx, codes.subarray(100));
    const info = (pid: number) => kernel.snapshot().keyboard.subscribers.find((s) => s.pid === pid)!;
    assert.deepEqual(info(k.pid), { pid: k.pid, waiting: 256, dropped: 44 });
    assert.deepEqual(info(j.pid), { pid: j.pid, waiting: 200, dropped: 0 }, 'rings are per subscriber');
    const got: number[] = [];
    for (;;) {
      const n = await k.sys(PIPE, READ, IN, 100);
      assert.ok(n >= 0);
      if (n === 0) break;
      got.push(...(await k.read(IN, n)));
    }
    assert.deepEqual(Uint8Array.from(got), codes.subarray(0, 256));
    deliverScancodes(kernel.task.ctx, Uint8Array.of(1, 2, 3));
    assert.equal(await k.sys(PIPE, READ, IN, 100), 3, 'room again');
    assert.deepEqual(await k.read(IN, 3), Uint8Array.of(1, 2, 3));
    assert.deepEqual(info(k.pid), { pid: k.pid, waiting: 0, dropped: 44 }, 'the drop count stays');
    assert.equal(await j.sys(PIPE, READ, IN, 256), 203);
    assert.deepEqual(await j.read(IN, 203), Uint8Array.from([...codes.subarray(100), 1, 2, 3]));
  });
});

test('no lost wake-up: 3000 round trips of blocking receives between two rou2exOS tasks, payloads of every length checked', T, async () => {
  await withKernel(async (kernel) => {
    const c = controlWords(PINGPONG.words);
    const rounds = 3000;
    const ping = kernel.spawn(fixture('abi/fixtures/mailbox-pingpong'), { personality: 'rou2exos', data: { ctl: c.buffer, role: 'ping', rounds } });
    const pong = kernel.spawn(fixture('abi/fixtures/mailbox-pingpong'), { personality: 'rou2exos', data: { ctl: c.buffer, role: 'pong', rounds } });
    setWord(c, PINGPONG.pongPid, pong.pid);
    setWord(c, PINGPONG.pingPid, ping.pid);
    const exits = await within(Promise.all([ping.exited, pong.exited]), 45_000, 'the round trips');
    assert.deepEqual(
      exits.map((e) => e.code),
      [0, 0],
      `errors: ${JSON.stringify(exits)} ping error ${Atomics.load(c, PINGPONG.error)} at round ${Atomics.load(c, PINGPONG.errorRound)}`,
    );
    assert.equal(Atomics.load(c, PINGPONG.pingDone), rounds);
    assert.equal(Atomics.load(c, PINGPONG.pongDone), rounds);
  });
});

test('several senders flooding one blocking receiver: EAGAIN retried, nothing lost, torn, duplicated or reordered per sender', T, async () => {
  await withKernel(async (kernel) => {
    const c = controlWords(FLOOD.words);
    const senders = 3;
    const count = 400;
    const consumer = kernel.spawn(fixture('abi/fixtures/mailbox-flood'), { personality: 'rou2exos', data: { ctl: c.buffer, role: 'consume', senders, count } });
    setWord(c, FLOOD.consumerPid, consumer.pid);
    const producers = Array.from({ length: senders }, (_, index) =>
      kernel.spawn(fixture('abi/fixtures/mailbox-flood'), { personality: 'rou2exos', data: { ctl: c.buffer, role: 'produce', index, count } }),
    );
    for (let i = 0; i < senders; i++) setWord(c, FLOOD.producerPids + i, producers[i]!.pid);
    setWord(c, FLOOD.go, 1);
    const exits = await within(Promise.all([consumer.exited, ...producers.map((p) => p.exited)]), 45_000, 'the flood');
    assert.deepEqual(exits.map((e) => e.code), Array(senders + 1).fill(0), JSON.stringify(exits));
    assert.equal(Atomics.load(c, FLOOD.received), senders * count);
    assert.equal(Atomics.load(c, FLOOD.corrupt), 0, 'torn or mixed-up payloads');
    assert.equal(Atomics.load(c, FLOOD.order), 0, 'lost, duplicated or reordered messages');
    assert.equal(Atomics.load(c, FLOOD.wrongSender), 0);
    // The mailbox had to refuse some sends (the receiver verifies each message), each counted; none was dropped.
    const retries = Array.from({ length: senders }, (_, i) => Atomics.load(c, FLOOD.retries + i)).reduce((x, y) => x + y, 0);
    assert.equal(Atomics.load(c, FLOOD.refusedSeen), retries, 'the mailbox counted exactly the EAGAINs the senders saw');
  });
});
