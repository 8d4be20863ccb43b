/**
 * kernel.check(), the kernel's consistency checker (docs/check.md):
 * 1. a fresh kernel is clean, with default and with small limits;
 * 2. after varied real traffic across worker threads (ports, calls held
 *    and queued, channels, semaphores, rings, mailboxes, the network and
 *    keyboard registrations, handles granted, duplicated, transferred and
 *    revoked), with tasks parked, tasks that exited or threw, and tasks
 *    terminated while parked or in the middle of sending, it stays clean
 *    at every stage, and after close();
 * 3. for each kind of corruption it looks for, one word of the region
 *    changed directly is reported, naming the place; put back, the kernel
 *    is clean again (so the checker is no no-op);
 * 4. a kernel lock held by a task that no longer exists is reported, not
 *    waited for.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, Message, type TaskHandle } from '../../src/index.js';
import * as L from '../../src/core/layout.js';
import type { Region } from '../../src/core/region.js';
import { deliverScancodes } from '../../src/objects/keyboard-pipe/keyboard-pipe.js';
import { deliverFrame } from '../../src/objects/network/network.js';
import { buildTcpFrame } from '../../src/devices/ethernet.js';
import { assertKernelConsistent } from '../support/kernel.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog } from '../support/kernel.js';
import { CHK, type ChkData, type ChkEnd } from './fixtures/check-traffic-layout.js';

const watchdog = startWatchdog(420_000, 'kernel check tests');
after(() => watchdog.stop());

// Generous: the machines these run on may be shared and loaded many times over.
const T = { timeout: 300_000 };

test('a fresh kernel is clean, with default and with small limits', async () => {
  for (const options of [{}, { maxTasks: 2, maxObjects: 1, maxHandles: 1, messageSlots: 1, maxCalls: 1, namespaceEntries: 1, pages: 0 }]) {
    const kernel = Kernel.create(options);
    try {
      assert.deepEqual(kernel.check(), []);
    } finally {
      await kernel.close();
    }
    assert.deepEqual(kernel.check(), [], 'and once closed');
  }
});

/** A TCP frame to `port`, as the network interface would hand in. */
function tcpFrame(port: number): Uint8Array {
  return buildTcpFrame({
    sourceMac: '02:00:00:00:00:01',
    destinationMac: '02:00:00:00:00:02',
    sourceIp: '10.0.0.1',
    destinationIp: '10.0.0.2',
    sourcePort: 40_000,
    destinationPort: port,
    sequence: 1,
    payload: new TextEncoder().encode('frame'),
  });
}

test('clean after varied traffic across tasks, with tasks parked, exited, thrown and terminated mid-operation, and after close', T, async () => {
  const kernel = Kernel.create({ maxTasks: 32 });
  const ctl = new Int32Array(new SharedArrayBuffer(64 * 4));
  let next = 0;
  /** Tasks that ended before reaching their ending: a failure in the fixture. */
  const early: string[] = [];
  const spawn = (role: ChkData['role'], path: string, end: ChkEnd): { task: TaskHandle; index: number } => {
    const index = next++;
    const data: ChkData = { role, path, index, ctl: ctl.buffer as SharedArrayBuffer, end };
    const task = kernel.spawn(fixture('reliability/fixtures/check-traffic'), { data, ...(role === 'r2' ? { personality: 'rou2exos' as const } : {}) });
    void task.exited.then((exit) => {
      if (!ending(index) && role !== 'server') early.push(`${role} ${index} (${end}) ended early: ${exit.error ?? exit.code}`);
    });
    return { task, index };
  };
  const ending = (index: number): boolean => Atomics.load(ctl, index) === CHK.STAGE_ENDING;
  const allEnding = (indices: number[]): boolean => {
    if (early.length > 0) throw new Error(early.join('; '));
    return indices.every(ending);
  };
  try {
    const init = kernel.task;
    // Init's ports that nobody receives from: calls to one stay queued, sends to the other wait for room.
    init.createPort({ capacity: 4 }).bind(CHK.SINK);
    const full = init.createPort({ capacity: 1 });
    full.bind(CHK.FULL);
    full.send(Message.of(5));
    const servers = [spawn('server', '/chk/s0', 'exit'), spawn('server', '/chk/s1', 'park-receive')];
    await waitFor(() => kernel.snapshot().names.length === 4, 'the servers to bind');
    const clients = (
      [
        ['/chk/s0', 'exit'],
        ['/chk/s1', 'throw'],
        ['/chk/s0', 'park-held-call'],
        ['/chk/s1', 'park-queued-call'],
        ['/chk/s0', 'park-semaphore'],
        ['/chk/s1', 'park-send'],
        ['/chk/s0', 'park-channel'],
        ['/chk/s1', 'park-receive'],
        ['/chk/s0', 'flood'],
      ] as const
    ).map(([path, end]) => ({ end, ...spawn('client', path, end) }));
    const r2 = [spawn('r2', '', 'park-receive'), spawn('r2', '', 'park-receive')];

    // Init's own traffic meanwhile: a semaphore an async waiter of init's
    // is parked on, a channel with messages queued, a ring stream, a call
    // to itself received and held, a message carrying a handle queued.
    const semaphore = init.createSemaphore(0);
    const acquired = semaphore.acquireAsync();
    acquired.catch(() => undefined); // awaited below; a failure before then must not be reported twice
    const { sender, receiver } = init.createChannel({ capacity: 8, maxBytes: 100 });
    sender.send(new Uint8Array(40));
    sender.send(new Uint8Array(3));
    const ring = init.createRing(8192);
    ring.write(new TextEncoder().encode('stream'));
    const own = init.createPort({ capacity: 4 });
    const call = own.callAsync(Message.of(CHK.CALL_ECHO));
    const received = own.receive();
    own.send(Message.of(6, 'with a handle', semaphore.duplicate().handle));

    const parked = [...clients.filter((c) => c.end.startsWith('park-')), servers[1]!, ...r2];
    await within(
      waitFor(() => allEnding([...clients, ...r2].map((t) => t.index)), 'every task to reach its ending', 150_000).catch((error: Error) => {
        const behind = [...clients, ...r2].filter((t) => !ending(t.index)).map((t) => t.task.pid);
        throw new Error(`${error.message}; not there: pids ${behind.join(', ')}; tasks: ${JSON.stringify(kernel.snapshot().tasks)}`);
      }),
      160_000,
      'traffic',
    );
    const parkedPids = new Set(parked.map((p) => p.task.pid));
    await waitFor(() => kernel.snapshot().tasks.filter((t) => parkedPids.has(t.pid) && t.state === 'blocked').length === parkedPids.size, 'the parked tasks to block', 150_000);
    // Devices: scancodes for the subscribers, frames to the bound TCP ports and the driver.
    deliverScancodes(init.ctx, Uint8Array.of(0x1e, 0x9e));
    for (const port of [8000, 8001, 9999]) deliverFrame(init.ctx, tcpFrame(port));
    for (let i = 0; i < 3; i++) init.mailbox.tryReceive();

    const flood = clients.find((c) => c.end === 'flood')!;
    kernel.check(); // once under load: must not throw or wedge (it may report a moment mid-operation)
    await flood.task.terminate();
    await assertKernelConsistent(kernel, 'with tasks parked');

    // Exits: s0 is told to stop, r2[0] mailed 'stop'; the thrower and the plain exiter ended already.
    for (const c of clients.filter((c) => c.end === 'exit' || c.end === 'throw')) await c.task.exited;
    init.connect('/chk/s0').send(Message.of(CHK.STOP));
    init.mailbox.send(r2[0]!.task.pid, 'stop');
    assert.equal((await within(servers[0]!.task.exited, 30_000, 's0 to stop')).code, 0);
    assert.equal((await within(r2[0]!.task.exited, 30_000, 'r2 to stop')).code, 0);
    await assertKernelConsistent(kernel, 'after tasks exited');

    // Kills while parked, one at a time, checking after each.
    for (const p of [...clients.filter((c) => c.end.startsWith('park-')), servers[1]!, r2[1]!]) {
      await within(p.task.terminate(), 30_000, `task ${p.task.pid} to be reaped`);
      await assertKernelConsistent(kernel, `after terminating task ${p.task.pid}`);
    }

    // Init answers its own call and drains what it holds.
    assert.ok(init.reply(received.setU32(0, 41)));
    assert.equal((await call).getU32(0), 41);
    semaphore.release();
    await acquired;
    assert.equal(receiver.receive().length, 40);
    own.receive();
    const got = own.tryReceive();
    assert.equal(got, undefined);
    await assertKernelConsistent(kernel, 'after init drained');
  } finally {
    await kernel.close();
  }
  await assertKernelConsistent(kernel, 'after close');
});

/**
 * A kernel with one of everything, made by init alone (so nothing moves
 * while words are corrupted), and where its parts are.
 */
function stockedKernel(): { kernel: Kernel; r: Region; at: Record<string, number> } {
  const kernel = Kernel.create({ maxTasks: 8, maxObjects: 64, messageSlots: 256, maxCalls: 16, pages: 64 });
  const init = kernel.task;
  const r = init.ctx.r;
  const slotOf = (handle: number): number => (init.port(handle).info().objectId - 1) % r.maxObjects;
  const entryOf = (handle: number): number => r.handle(0, (handle - 1) & (L.HANDLE_INDEX_STRIDE - 1));
  const port = init.createPort({ capacity: 4 });
  port.bind('/chk/port');
  const dup = port.duplicate();
  dup.duplicate();
  port.send(Message.of(1, 'queued'));
  port.send(Message.of(2, 'with a handle', dup.handle));
  void port.callAsync(Message.of(3)).catch(() => undefined);
  const { sender } = init.createChannel({ capacity: 4 });
  sender.send(Message.of(4));
  const semaphore = init.createSemaphore(2);
  const ring = init.createRing(4096);
  const quiet = init.createPort({ capacity: 2 });
  init.mailbox.send(1, 'to myself');
  init.keyboard.subscribe();
  init.network.bindPort(7000);
  deliverFrame(init.ctx, tcpFrame(7000));
  const portSlot = slotOf(port.handle);
  const o = r.object(portSlot);
  const ring0 = r.w[o + L.O_RING]!;
  const mailbox = r.w[r.task(0) + L.T_MAILBOX]! - 1;
  const at = {
    port: portSlot,
    portEntry: entryOf(port.handle),
    dupEntry: entryOf(dup.handle),
    queued: r.message(ring0 + r.w[o + L.O_HEAD]!),
    transfer: r.message(ring0 + r.w[o + L.O_HEAD]! + 1),
    callMessage: r.message(ring0 + r.w[o + L.O_HEAD]! + 2),
    freeRingSlot: r.message(ring0 + 4),
    channel: slotOf(sender.handle),
    semaphore: slotOf(semaphore.handle),
    ring: slotOf(ring.handle),
    quiet: slotOf(quiet.handle),
    mailbox,
  };
  return { kernel, r, at };
}

test('each kind of corruption is reported, naming its place; put back, the kernel is clean again', T, async () => {
  const { kernel, r, at } = stockedKernel();
  const w = new Int32Array(kernel.buffer);
  const obj = (slot: number, word: number): number => r.object(slot) + word;
  const firstFreeObject = w[L.H_OBJECT_FREE]!;
  const firstFreeCall = w[L.H_CALL_FREE]!;
  const queuedCall = w[at.callMessage + L.M_CALL]! - 1;
  const freeTask = r.maxTasks - 1;
  const pipe0 = r.pipe(0);
  const netEntry0 = r.net + L.NET_PORTS;
  const bind0 = r.binding(0);
  try {
    assert.deepEqual(kernel.check(), [], 'clean before any corruption');
    assert.ok(queuedCall >= 0, 'a call is queued');
    /** [word, value to write (or a function of the old one), what the report must say]. */
    const cases: [string, number, number | ((old: number) => number), RegExp][] = [
      ['objects used', L.H_OBJECTS_USED, (v) => v + 1, /^header: \d+ objects counted in use but \d+ are live$/],
      ['handles used', L.H_HANDLES_USED, (v) => v + 1, /^header: \d+ handles counted in use/],
      ['messages reserved', L.H_MESSAGES_RESERVED, (v) => v + 1, /^header: \d+ messages counted reserved/],
      ['message bitmap', r.messageBitmap + 7, (v) => v | 1, /^message slot 224: marked in use but in no port's ring/],
      ['pages used', L.H_PAGES_USED, (v) => v + 1, /^header: \d+ pages counted in use but the page bitmap marks \d+$/],
      ['calls used', L.H_CALLS_USED, (v) => v + 1, /^header: \d+ call slots counted in use but \d+ are not free$/],
      ['bindings used', L.H_BINDINGS_USED, (v) => v + 1, /^header: \d+ bindings counted/],
      ['object free list', L.H_OBJECT_FREE, -1, new RegExp(`^free object ${firstFreeObject} is not on the free list`)],
      ['object free list link', r.object(firstFreeObject) + L.O_NEXT_FREE, at.port, new RegExp(`^port object ${at.port} is live but on the free list`)],
      ['call free list', L.H_CALL_FREE, -1, new RegExp(`^call slot ${firstFreeCall}: free but not on the free list`)],
      ['undo log', L.H_UNDO_COUNT, 3, /^kernel lock: the undo log holds 3 entries/],
      ['lock waiters', r.task(0) + L.T_LOCK_PARK, L.H_LOCK_WAITERS, /^kernel lock: its waiter count is 0 but 1 tasks are noted asleep on it$/],
      ['spinners', r.task(0) + L.T_SPINNING, 1, /^header: 0 spinners counted but 1 tasks have their spinner flag up$/],
      ['header offset', L.H_OFF_CALLS, (v) => v + 1, /^header word 18: the call slots is recorded as/],
      ['port references', obj(at.port, L.O_REFS), (v) => v + 1, new RegExp(`^port object ${at.port}: \\d+ references but \\d+ holders`)],
      ['owner handles', obj(at.port, L.O_OWNER_HANDLES), (v) => v + 1, new RegExp(`^port object ${at.port}: owner handle count`)],
      ['port bindings', obj(at.port, L.O_BINDINGS), 0, new RegExp(`^port object ${at.port}: 0 bindings counted but 1`)],
      ['port head', obj(at.port, L.O_HEAD), 9, new RegExp(`^port object ${at.port}: head/tail 9/\\d+ outside its ring of 5 positions$`)],
      ['port cached tail', obj(at.port, L.O_CACHED_TAIL), (v) => v + 4, new RegExp(`^port object ${at.port}: receivers' cached tail`)],
      ['port cached head', obj(at.port, L.O_CACHED_HEAD), (v) => v + 2, new RegExp(`^port object ${at.port}: senders' cached head`)],
      ['queue lock of a free task', obj(at.port, L.O_SEND_LOCK), freeTask + 1, new RegExp(`^port object ${at.port}: its send lock is held by task slot ${freeTask}, which is free`)],
      ['queued sender', at.queued + L.M_SENDER_PID, 0, /^message slot \d+ \(queued on port object \d+\): has no sender pid/],
      ['queued transfer flag', at.transfer + L.M_FLAGS, 0, /carries a handle but not the transfer flag$/],
      ['handle left in a free ring slot', at.freeRingSlot + L.M_XFER_OBJECT, at.port + 1, /\(free in the ring of port object \d+\): still holds a handle in flight/],
      ['queued call position', r.call(queuedCall) + L.C_MESSAGE, -5, new RegExp(`^call slot ${queuedCall} \\(queued\\): its message slot -5 is not in the ring`)],
      ['queued call token', at.callMessage + L.M_CALL_TOKEN, (v) => v + 1, /carries token \d+, not the call's/],
      ['call table entry', r.callTableEntry((w[r.call(queuedCall) + L.C_CALLER]! - 1) & (L.PID_SLOT_STRIDE - 1), w[r.call(queuedCall) + L.C_TOKEN]!), 0, new RegExp(`^call slot ${queuedCall} \\(queued\\): its caller's call table does not lead to it`)],
      ['call state', r.call(queuedCall) + L.C_STATE, 9, new RegExp(`^call slot ${queuedCall}: state 9 is no call state`)],
      ['stale handle', at.dupEntry + L.HD_OBJECT_GEN, (v) => v + 1, /^handle \d+ of task slot 0 \(pid 1\): names port object \d+ at generation \d+, but the object is at generation \d+ \(stale\)$/],
      ['handle to a freed object', at.dupEntry + L.HD_OBJECT, firstFreeObject + 1, new RegExp(`names object ${firstFreeObject}, which is free$`)],
      ['handle rights', at.dupEntry + L.HD_RIGHTS, 64, /rights 64 include bits that are no right/],
      ['handle child count', at.portEntry + L.HD_CHILDREN, (v) => v + 1, /^handle \d+ of task slot 0 \(pid 1\): child count \d+ but \d+ handles derive from it$/],
      ['handle parent loop', at.portEntry + L.HD_PARENT, at.dupEntry + 1, /its parent links loop back to it$/],
      ['task handle count', r.task(0) + L.T_HANDLE_COUNT, (v) => v + 1, /^task slot 0 \(pid 1\): handle count \d+ but its table holds \d+ handles$/],
      ['task objects charge', r.task(0) + L.T_QUOTA_USED + L.QUOTA_OBJECTS, (v) => v + 1, /^task slot 0 \(pid 1\): charged \d+ for quota 'objects' but holds \d+$/],
      ['task received handles charge', r.task(0) + L.T_QUOTA_USED + L.QUOTA_RECEIVED_HANDLES, (v) => v + 1, /^task slot 0 \(pid 1\): charged 1 for quota 'receivedHandles' but holds 0$/],
      ['task names limit', r.task(0) + L.T_QUOTA_LIMITS + L.QUOTA_NAMES, () => 0, /^task slot 0 \(pid 1\): charged \d+ for quota 'names', past its limit 0$/],
      ['task state', r.task(3) + L.T_STATE, 9, /^task slot 3 \(pid 0\): state 9 is no task state$/],
      ['task pid', r.task(0) + L.T_PID, 2, /^task slot 0 \(pid 2\): init must be running with pid 1/],
      ['free task with a mailbox', r.task(freeTask) + L.T_MAILBOX, at.mailbox + 1, new RegExp(`^task slot ${freeTask} \\(pid 0\\), free, still has a mailbox$`)],
      ['mailbox not named by its owner', r.task(0) + L.T_MAILBOX, 0, new RegExp(`^mailbox object ${at.mailbox}: its owner task slot 0 \\(pid 1\\) does not name it`)],
      ['mailbox message', r.page(w[obj(at.mailbox, L.O_RING)]!) + L.MB_LENGTH, 0, /queued message at position 0: data of 0 bytes/],
      ['semaphore count', obj(at.semaphore, L.O_SEM_COUNT), -5, new RegExp(`^semaphore object ${at.semaphore}: count -5 is negative$`)],
      ['semaphore waiters', obj(at.semaphore, L.O_SEM_WAITERS), -1, new RegExp(`^semaphore object ${at.semaphore}: waiter count -1 is negative$`)],
      ['waiter not counted', r.task(0) + L.T_PARK_RECORDS + 5, obj(at.semaphore, L.O_SEM_WAITERS), new RegExp(`^semaphore object ${at.semaphore}: waiter count 0 but 1 park records name it \\(a waiter may never be woken\\)$`)],
      ['semaphore destroyed', obj(at.semaphore, L.O_FLAGS), L.OBJECT_FLAG_DESTROYED, /destroyed yet not freed/],
      ['channel ends', obj(at.channel, L.O_READERS), (v) => v + 1, new RegExp(`^channel object ${at.channel}: \\d+ receiver ends counted but \\d+ handles can receive$`)],
      ['channel pages', obj(at.channel, L.O_PAGES), (v) => v + 1, new RegExp(`^channel object ${at.channel}: holds \\d+ pages but`)],
      ['ring size', obj(at.ring, L.O_RING_BYTES), 100, new RegExp(`^ring object ${at.ring}: size 100 bytes but it holds 1 pages$`)],
      ['pages held twice', obj(at.ring, L.O_RING), w[obj(at.channel, L.O_RING)]!, /^page \d+ is held by both channel object \d+ and ring object \d+$/],
      ['page marked free', r.pageBitmap + (w[obj(at.ring, L.O_RING)]! >>> 5), (v) => v & ~(1 << (w[obj(at.ring, L.O_RING)]! & 31)), /^page \d+: held by ring object \d+ but marked free$/],
      ['binding generation', bind0 + L.N_OBJECT_GEN, (v) => v + 1, /^namespace entry 0: binds port object \d+ at generation \d+, but it is at \d+ \(stale\)$/],
      ['binding of a dead task', bind0 + L.N_BINDER, 77, /^namespace entry 0: its binder pid 77 is no task/],
      ['keyboard ring', pipe0 + L.P_TAIL, (v) => v + 300, /^keyboard subscriber 0 \(pid 1\): head\/tail \d+\/\d+ say 300 bytes/],
      ['network registration', netEntry0 + 1, 77, /^network port entry 0 \(TCP port 7000, pid 77\): the pid is no task/],
      ['network counters', r.net + L.NET_FRAMES_IN, (v) => v + 1, /^network block: 2 frames came in but 1 were delivered or dropped$/],
      ['park record', r.task(0) + L.T_PARK_RECORDS, 5, /^park records: 1 name word 5, which is no waiter counter$/],
      ['lost wake-up', r.task(0) + L.T_BLOCKED_OBJECT, at.quiet + 1, /^task slot 0 \(pid 1\): blocked on port object \d+ for a message, but nothing flags its queue to wake it \(lost wake-up\)$/],
    ];
    const blockedEvent = r.task(0) + L.T_BLOCKED_EVENT;
    for (const [what, word, value, expected] of cases) {
      const old = w[word]!;
      const oldEvent = w[blockedEvent]!;
      w[word] = typeof value === 'function' ? value(old) : value;
      if (what === 'lost wake-up') w[blockedEvent] = L.EVENT_READABLE;
      const problems = kernel.check();
      w[word] = old;
      w[blockedEvent] = oldEvent;
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${what} (word ${word}): expected a report matching ${expected}, got:\n  ${problems.join('\n  ')}`,
      );
      assert.deepEqual(kernel.check(), [], `clean again once ${what} is put back`);
    }
  } finally {
    await kernel.close();
  }
});

test('a kernel lock held by a task that no longer exists is reported at once, not waited for', T, async () => {
  const kernel = Kernel.create({ maxTasks: 4 });
  const w = new Int32Array(kernel.buffer);
  try {
    Atomics.store(w, L.H_LOCK, 3);
    const started = performance.now();
    assert.deepEqual(kernel.check(), ['kernel lock: held by task slot 2 (free), which can never release it']);
    assert.ok(performance.now() - started < 1000, 'without waiting');
    Atomics.store(w, L.H_LOCK, 0);
    assert.deepEqual(kernel.check(), []);
  } finally {
    await kernel.close();
  }
});
