/**
 * rou2exOS tasks dying (docs/tasks.md, "Death cleanup"; docs/objects/mailbox.md):
 * terminated while blocked in receive_data, while its mailbox holds
 * messages (with a sender waiting for room in it), and while registered as
 * the network driver and for ports and subscribed to the keyboard pipe
 * (blocked in a keyboard read). Each time: kernel.usage() is back at its
 * baseline (pages, objects, tasks), the snapshot shows no registration or
 * subscription of the dead task, and a send to its pid is ESRCH. Then 200
 * spawn/exit cycles of rou2exOS tasks that send, receive, register and
 * subscribe and end every way a task ends (return, exit code, crash,
 * terminate while blocked) leave usage at the baseline; and senders killed
 * at random instants never leave init's mailbox torn or wedged.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { NoSuchTaskError, TimeoutError, errno as E, type FrameLink, type Kernel, type TaskExit, type TaskHandle } from '../../src/index.js';
import { deliverScancodes } from '../../src/objects/keyboard-pipe/keyboard-pipe.js';
import { UdpFrameLink } from '../../src/devices/udp-link.js';
import { buildTcpFrame } from '../../src/devices/ethernet.js';
import { fixture } from '../support/fixtures.js';
import { kipcError } from '../support/errors.js';
import { tick, waitFor, within } from '../support/wait.js';
import { controlWords, setWord } from '../support/control-words.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { NET, NET_REGISTER, PIPE, R2Agent, RECEIVE_DATA, SEND_DATA, SUBSCRIBE, mailboxOf, numberedFrame, type MailOut } from '../api/fixtures/rou2exos-agent-client.js';
import { seededPattern } from '../support/patterns.js';
import { taskOf, waitBlocked, waitBlockedOn, waitReceiving } from '../support/blocked.js';
import { FLOOD, readChecked } from '../abi/fixtures/mailbox-checked.js';

const watchdog = startWatchdog(120_000, 'rou2exOS death scenarios');
after(() => watchdog.stop());

const T = { timeout: 90_000 };
const IN = 16_384;
const noSuchTask = kipcError(NoSuchTaskError, E.ESRCH, 'ESRCH');

function tcp(port: number, seq: number): Uint8Array {
  return buildTcpFrame({ sourceMac: NET.hostMac, destinationMac: NET.guestMac, sourceIp: NET.hostIp, destinationIp: NET.guestIp, sourcePort: 40_000, destinationPort: port, sequence: seq, payload: seededPattern(seq, 64) });
}

/** Gives init its mailbox (so that it is part of the baseline) and returns the baseline usage. */
function baselineOf(kernel: Kernel) {
  kernel.task.mailbox.tryReceive();
  return kernel.usage();
}

/** After `pid` died: usage at `baseline`, nothing of it left in the snapshot, sends to it ESRCH (from `sender` through the ABI and from init). */
async function assertGone(kernel: Kernel, pid: number, baseline: ReturnType<Kernel['usage']>, sender: R2Agent): Promise<void> {
  assert.deepEqual(kernel.usage(), baseline, 'usage back at the baseline');
  const snap = kernel.snapshot();
  const t = taskOf(snap, pid);
  assert.ok(t === undefined || t.state === 'exited', `task ${pid} is gone (${t?.state})`);
  assert.equal(t?.mailbox, undefined, 'no mailbox left');
  assert.deepEqual(snap.objects.filter((o) => o.owner === pid), [], 'no object it owned');
  assert.notEqual(snap.network.driver, pid);
  assert.deepEqual(snap.network.ports.filter((p) => p.pid === pid), []);
  assert.deepEqual(snap.keyboard.subscribers.filter((s) => s.pid === pid), []);
  assert.equal(await sender.sys(SEND_DATA, pid, 0, 10), -E.ESRCH);
  assert.throws(() => kernel.task.mailbox.send(pid, 'anyone there?'), noSuchTask);
}

test('terminated while blocked in receive_data (a rou2exOS task) or in a typed receive (a Strat9 task): usage back at the baseline, its pid ESRCH', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const sender = await R2Agent.spawn(kernel);
    await sender.write(0, seededPattern(1, 64));
    const baseline = baselineOf(kernel);
    const victim = await R2Agent.spawn(kernel);
    const used = kernel.usage();
    assert.deepEqual([used.tasks, used.objects], [baseline.tasks + 1, baseline.objects + 1], 'a task and its mailbox');
    assert.ok(used.pages > baseline.pages, 'the mailbox holds pages');
    const receiving = victim.startSys(RECEIVE_DATA, 1, IN);
    await waitReceiving(kernel, victim.pid);
    assert.equal(mailboxOf(kernel, victim.pid)!.waiters.receivers, 1);
    await victim.terminate();
    await assert.rejects(receiving, /exited/);
    await assertGone(kernel, victim.pid, baseline, sender);

    const strat9 = await R2Agent.spawn(kernel, { personality: 'strat9' });
    assert.deepEqual(kernel.usage(), { ...baseline, tasks: baseline.tasks + 1 }, 'no mailbox until it is used');
    const typed = strat9.start({ op: 'receive' });
    await waitReceiving(kernel, strat9.pid);
    assert.equal(kernel.usage().objects, baseline.objects + 1, 'its receive made its mailbox');
    await strat9.terminate();
    await assert.rejects(typed, /exited/);
    await assertGone(kernel, strat9.pid, baseline, sender);
  });
});

test('terminated while its mailbox is full and a sender waits for room: the messages are dropped, the sender gets ESRCH, usage back at the baseline', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const sender = await R2Agent.spawn(kernel);
    const waiter = await R2Agent.spawn(kernel, { personality: 'strat9' });
    await sender.write(0, seededPattern(2, 512));
    const baseline = baselineOf(kernel);
    const victim = await R2Agent.spawn(kernel);
    for (let i = 0; i < 10; i++) assert.equal(await sender.sys(SEND_DATA, victim.pid, 0, 50 + i * 40), 0);
    assert.equal(await sender.sys(SEND_DATA, victim.pid, 0, 10), -E.EAGAIN);
    const mailbox = mailboxOf(kernel, victim.pid)!;
    assert.equal(mailbox.depth, 10);
    // An async send waits first (the agent's thread stays free), then a sync one blocks the thread.
    const waitingAsync = waiter.start({ op: 'sendAsync', pid: victim.pid, data: 'me too' });
    await waitBlockedOn(kernel, waiter.pid, 'mailbox', 'writable', mailbox.id);
    const waiting = waiter.start({ op: 'send', pid: victim.pid, data: 'let me in', wait: true });
    await tick(50);
    await waitBlockedOn(kernel, waiter.pid, 'mailbox', 'writable', mailbox.id);
    assert.equal(waiting.settled, false);
    assert.equal(waitingAsync.settled, false);
    assert.equal(mailboxOf(kernel, victim.pid)!.depth, 10);
    await victim.terminate();
    await assert.rejects(within(waiting, 10_000, 'the waiting send'), (e: unknown) => {
      const r = (e as { remote?: { name: string; errno: number } }).remote;
      assert.deepEqual([r?.name, r?.errno], ['NoSuchTaskError', E.ESRCH], `got ${String(e)}`);
      return true;
    });
    await assert.rejects(within(waitingAsync, 10_000, 'the waiting async send'), (e: unknown) => (e as { remote?: { errno: number } }).remote?.errno === E.ESRCH);
    assert.equal(taskOf(kernel.snapshot(), waiter.pid)!.state, 'running');
    await assertGone(kernel, victim.pid, baseline, sender);
  });
});

test('terminated while the driver, bound to ports, subscribed to the pipe and blocked in a keyboard read: every registration goes; others can take them', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const sender = await R2Agent.spawn(kernel);
    const link = new UdpFrameLink({ bind: { port: 0 } });
    const nic = await kernel.attachNetwork(link);
    try {
      const baseline = baselineOf(kernel);
      const victim = await R2Agent.spawn(kernel);
      assert.equal(await victim.sys(NET_REGISTER, 0), 0);
      assert.equal(await victim.sys(NET_REGISTER, 80), 0);
      assert.equal(await victim.sys(NET_REGISTER, 81), 0);
      await victim.run({ op: 'subscribe' });
      nic.deliver(tcp(80, 1));
      nic.deliver(tcp(9999, 2));
      assert.equal(mailboxOf(kernel, victim.pid)!.depth, 2, 'frames waiting in its mailbox');
      let snap = kernel.snapshot();
      assert.equal(snap.network.driver, victim.pid);
      assert.deepEqual(snap.network.ports.sort((a, b) => a.port - b.port), [
        { port: 80, pid: victim.pid },
        { port: 81, pid: victim.pid },
      ]);
      assert.deepEqual(snap.keyboard.subscribers, [{ pid: victim.pid, waiting: 0, dropped: 0 }]);
      const reading = victim.start({ op: 'next' });
      await waitBlocked(kernel, victim.pid);
      await victim.terminate();
      await assert.rejects(reading, /exited/);
      snap = kernel.snapshot();
      assert.deepEqual([snap.network.driver, snap.network.ports, snap.keyboard.subscribers], [0, [], []]);
      await assertGone(kernel, victim.pid, baseline, sender);
      assert.equal(deliverScancodes(kernel.task.ctx, Uint8Array.of(1)), 0, 'no subscriber left');
      assert.equal(nic.deliver(tcp(80, 3)) >= 0, true);
      assert.equal(kernel.snapshot().network.dropped.noRoute, 1, 'nobody to route to');

      const heir = await R2Agent.spawn(kernel);
      assert.equal(await heir.sys(NET_REGISTER, 0), 0);
      assert.equal(await heir.sys(NET_REGISTER, 80), 0);
      assert.equal(await heir.sys(PIPE, SUBSCRIBE), 0);
      nic.deliver(tcp(80, 4));
      nic.deliver(tcp(81, 5));
      assert.deepEqual(await heir.run<MailOut[]>({ op: 'drain' }), [tcp(80, 4), tcp(81, 5)].map((data) => ({ from: 0, kind: 'frame', data })));
      await heir.exitWith(0);
      assert.deepEqual(kernel.usage(), baseline);
    } finally {
      await nic.detach();
    }
  });
});

const MODES = ['exit', 'block', 'crash', 'full', 'exitcode', 'sendblock'] as const;

test('200 spawn/exit cycles of rou2exOS tasks that send, receive, register and subscribe, ending every way a task ends, leave usage at the baseline', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const baseline = baselineOf(kernel);
    const objectsBefore = kernel.snapshot().objects.map((o) => o.id);
    const CYCLES = 200;
    const BATCH = 4;
    const pids = new Map<number, number>(); // index → pid
    const mail = new Map<number, number>(); // index → sender pid of its mail to init
    for (let first = 0; first < CYCLES; first += BATCH) {
      const batch: { index: number; task: TaskHandle; exit?: TaskExit }[] = [];
      for (let index = first; index < Math.min(first + BATCH, CYCLES); index++) {
        const task = kernel.spawn(fixture('scenarios/fixtures/rou2exos-cycle'), { personality: 'rou2exos', data: { index, mode: MODES[index % MODES.length], port: 20_000 + index } });
        const entry: { index: number; task: TaskHandle; exit?: TaskExit } = { index, task };
        void task.exited.then((e) => (entry.exit = e));
        batch.push(entry);
        pids.set(index, task.pid);
      }
      for (const entry of batch) {
        const mode = MODES[entry.index % MODES.length]!;
        if (mode === 'block' || mode === 'full' || mode === 'sendblock') {
          await waitFor(() => entry.exit !== undefined || taskOf(kernel.snapshot(), entry.task.pid)?.state === 'blocked', `cycle ${entry.index} (${mode}) to block`);
          assert.equal(entry.exit, undefined, `cycle ${entry.index} (${mode}) ended early: ${JSON.stringify(entry.exit)}`);
          await entry.task.terminate();
        }
      }
      const exits = await within(Promise.all(batch.map((e) => e.task.exited)), 30_000, `cycles ${first}..${first + BATCH - 1}`);
      exits.forEach((exit, i) => {
        const index = batch[i]!.index;
        const mode = MODES[index % MODES.length]!;
        if (mode === 'exit') assert.deepEqual(exit, { code: 0 }, `cycle ${index}`);
        if (mode === 'exitcode') assert.deepEqual(exit, { code: 7 }, `cycle ${index}`);
        if (mode === 'crash') assert.match(exit.error ?? '', /crashing on purpose/, `cycle ${index}: ${JSON.stringify(exit)}`);
        assert.ok(exit.code < 60 || exit.code > 70, `cycle ${index} (${mode}) failed at step ${exit.code - 60}`);
      });
      for (let m = kernel.task.mailbox.tryReceive(); m !== undefined; m = kernel.task.mailbox.tryReceive()) {
        const index = new DataView(m.data.buffer).getUint32(0, true);
        assert.equal(mail.has(index), false, `one mail from cycle ${index}`);
        mail.set(index, m.from);
      }
    }
    assert.equal(new Set(pids.values()).size, CYCLES, 'no pid was reused');
    assert.equal(mail.size, CYCLES, 'every cycle mailed init once');
    for (const [index, from] of mail) assert.equal(from, pids.get(index), `the mail of cycle ${index} is from its pid`);
    const snap = kernel.snapshot();
    assert.deepEqual([snap.network.driver, snap.network.ports, snap.keyboard.subscribers], [0, [], []]);
    assert.deepEqual(snap.objects.map((o) => o.id), objectsBefore, 'only init\'s mailbox is left');
    assert.deepEqual(kernel.usage(), baseline);
    assert.equal(snap.tasks.filter((t) => t.state !== 'exited').length, 1, 'only init is alive');
    // The kernel still works: a new task mails and receives.
    const last = await R2Agent.spawn(kernel);
    await last.write(0, seededPattern(5, 200));
    assert.equal(await last.sys(SEND_DATA, last.pid, 0, 200), 0);
    assert.equal(await last.sys(RECEIVE_DATA, 1, IN), 200);
    assert.deepEqual(await last.read(IN, 200), seededPattern(5, 200));
    await last.exitWith(0);
    assert.deepEqual(kernel.usage(), baseline);
  });
});

test('senders killed at random instants while flooding init\'s mailbox never leave a torn message, a gap, or a wedged mailbox', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const init = kernel.task.mailbox;
    const baseline = baselineOf(kernel);
    const next = new Map<number, number>();
    let torn = 0;
    let gaps = 0;
    let received = 0;
    let stop = false;
    const receiver = (async () => {
      while (!stop) {
        let m;
        try {
          m = await init.receiveAsync({ timeout: 50 });
        } catch (e) {
          if (e instanceof TimeoutError) continue;
          throw e;
        }
        received++;
        const got = readChecked(m.data, 0, m.data.length);
        if (got === undefined) torn++;
        else {
          if (got.seq !== (next.get(got.stream) ?? 0)) gaps++;
          next.set(got.stream, got.seq + 1);
        }
      }
    })();
    for (let round = 0; round < 12; round++) {
      const c = controlWords(FLOOD.words);
      setWord(c, FLOOD.consumerPid, 1);
      const producers = Array.from({ length: 3 }, (_, i) =>
        kernel.spawn(fixture('abi/fixtures/mailbox-flood'), { personality: 'rou2exos', data: { ctl: c.buffer, role: 'produce', index: i, stream: round * 3 + i, count: 1_000_000 } }),
      );
      const ended: TaskExit[] = [];
      for (const p of producers) void p.exited.then((e) => ended.push(e));
      setWord(c, FLOOD.go, 1);
      await waitFor(() => ended.length > 0 || producers.every((_, i) => (next.get(round * 3 + i) ?? 0) > 3), `round ${round}: every producer under way`);
      assert.deepEqual(ended, [], `round ${round}: a producer ended before it was killed`);
      await tick(1 + ((round * 7) % 13));
      await Promise.all(producers.map((p) => p.terminate()));
      assert.equal(Atomics.load(c, FLOOD.error), 0, `round ${round}: a producer saw an error other than EAGAIN`);
    }
    await tick(100);
    stop = true;
    await within(receiver, 10_000, 'the receiver loop');
    assert.ok(received > 24);
    assert.equal(torn, 0, 'torn or mixed-up messages');
    assert.equal(gaps, 0, 'a message lost or duplicated in a stream');
    while (init.tryReceive() !== undefined);
    assert.deepEqual(kernel.usage(), baseline, 'nothing leaked');
    init.send(1, 'still works');
    assert.equal(init.receive({ timeout: 5000 }).text(), 'still works');
  });
});

test('drivers killed at random instants while transmitting never wedge the interface\'s transmit queue: frames out are whole and in order, the next driver\'s frames go out', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const out: Uint8Array[] = [];
    const link: FrameLink = { description: 'test link', open: async () => {}, transmit: (f) => void out.push(f.slice()), close: () => Promise.resolve() };
    const nic = await kernel.attachNetwork(link);
    try {
      const baseline = baselineOf(kernel);
      const numberOf = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getUint32(14, true);
      for (let round = 0; round < 10; round++) {
        const driver = await R2Agent.spawn(kernel);
        await driver.run({ op: 'becomeDriver' });
        const before = out.length;
        const flooding = driver.start({ op: 'transmitForever', stream: round + 1 });
        await waitFor(() => out.length - before > 20, `round ${round}: frames going out`);
        await tick((round * 5) % 11);
        await driver.terminate();
        await assert.rejects(flooding, /exited/);
        assert.equal(kernel.snapshot().network.driver, 0);
        const queue = () => kernel.snapshot().objects.find((o) => o.type === 'mailbox' && o.owner === 0);
        await waitFor(() => queue()?.depth === 0, `round ${round}: what it had queued to go out`);
        // Every frame of this driver is whole, and they are its numbers 0, 1, 2, ... without a gap.
        const mine = out.slice(before);
        mine.forEach((f, i) => assert.deepEqual(f, numberedFrame((round + 1) * 1_000_000 + i), `round ${round}: frame ${i} of ${mine.length}`));
        assert.deepEqual(kernel.usage(), baseline, `round ${round}: nothing leaked`);
      }
      const last = await R2Agent.spawn(kernel);
      await last.run({ op: 'becomeDriver' });
      const before = out.length;
      await within(last.run({ op: 'transmit', frame: numberedFrame(7), wait: true }), 10_000, 'a transmit after the storm');
      await waitFor(() => out.length > before, 'the last frame out');
      assert.deepEqual(out.slice(before), [numberedFrame(7)]);
      assert.equal(numberOf(out.at(-1)!), 7);
    } finally {
      await nic.detach();
    }
  });
});
