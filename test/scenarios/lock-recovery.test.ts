/**
 * docs/design.md, "A task killed holding the lock": a task that dies holding the kernel lock must not
 * wedge the kernel; the lock is recovered and the half-done operation
 * undone. The tasks here take the lock deliberately (see
 * fixtures/lock-holder), which makes the rare instants of the kill
 * storm deterministic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, Message } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { controlWords, setWord } from '../support/control-words.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';

test('a task terminated while holding the kernel lock: the lock is recovered and its half-done store undone', async () => {
  const watchdog = startWatchdog(30_000, 'lock recovery (terminate)');
  try {
    await withGuardedKernel(async (kernel) => {
      const baseline = kernel.usage();
      const before = kernel.snapshot().stats.lockRecoveries;
      const c = controlWords(2);
      const holder = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: c.buffer, how: 'sleep', dirty: true } });
      await waitFor(() => Atomics.load(c, 0) === 1, 'the task to hold the lock');
      await within(holder.terminate(), 10_000, 'the lock holder to be reaped');
      // Init can take the lock again (this would block forever otherwise; the watchdog guards it).
      assert.equal(kernel.snapshot().stats.lockRecoveries, before + 1);
      assert.deepEqual(kernel.usage(), baseline, 'the logged store of the dead holder was rolled back');
      const port = kernel.task.createPort();
      port.send(Message.of(1));
      assert.equal(port.receive().type, 1);
      port.close();
    });
  } finally {
    watchdog.stop();
  }
});

test('a task exiting while holding the kernel lock: recovered', async () => {
  const watchdog = startWatchdog(30_000, 'lock recovery (exit)');
  try {
    await withGuardedKernel(async (kernel) => {
      const baseline = kernel.usage();
      const c = controlWords(2);
      const holder = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: c.buffer, how: 'exit', dirty: true } });
      await waitFor(() => Atomics.load(c, 0) === 1, 'the task to hold the lock');
      setWord(c, 1, 1);
      await within(holder.exited, 10_000, 'the lock holder to be reaped');
      assert.equal(kernel.snapshot().stats.lockRecoveries, 1);
      assert.deepEqual(kernel.usage(), baseline);
    });
  } finally {
    watchdog.stop();
  }
});

// Found by the kill storm: the supervisor reaps one dead task while another
// task holds the lock and then dies. The supervisor waits for the lock
// synchronously (Region.lock in reap), so it never gets to the second task's
// exit event, which is what would recover the lock: the supervisor, and every
// thread that needs the kernel lock, hangs from then on.
test('two tasks die together, the second holding the lock: both are reaped and the lock recovered', async () => {
  const watchdog = startWatchdog(60_000, 'lock recovery (two deaths)');
  const kernel = Kernel.create();
  let wedged = false;
  try {
    const baseline = kernel.usage();
    const cs = controlWords(2);
    const ch = controlWords(2);
    const sleeper = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: cs.buffer, how: 'idle' } });
    await waitFor(() => Atomics.load(cs, 0) === 1, 'the sleeper to start');
    const holder = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: ch.buffer, how: 'exit' } });
    await waitFor(() => Atomics.load(ch, 0) === 1, 'the holder to take the lock');
    // The sleeper dies first; its reap has to wait for the lock the holder has.
    const sleeperReaped = sleeper.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Now the holder dies without unlocking.
    setWord(ch, 1, 1);
    try {
      await within(Promise.all([sleeperReaped, holder.exited]), 10_000, 'both tasks to be reaped');
    } catch (error) {
      wedged = true;
      throw error;
    }
    assert.equal(kernel.snapshot().stats.lockRecoveries, 1);
    assert.deepEqual(kernel.usage(), baseline);
  } finally {
    watchdog.stop();
    // A wedged supervisor never finishes a shutdown: let the process exit without it.
    if (wedged) (kernel as unknown as { supervisor: { unref(): void } }).supervisor.unref();
    else await kernel.close();
  }
});

test("a sender terminated holding a port's send lock mid-send: its message never appears, and a receiver parked meanwhile is still woken", async () => {
  const watchdog = startWatchdog(30_000, 'send lock recovery');
  try {
    await withGuardedKernel(async (kernel) => {
      const port = kernel.task.createPort();
      const c = controlWords(2);
      const holder = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: c.buffer, how: 'send-lock' } });
      setWord(c, 1, port.grant(holder.pid));
      await waitFor(() => Atomics.load(c, 0) === 1, 'the task to hold the send lock');
      // A receiver parks while the lock is held: it flags the held lock word.
      const report = new Int32Array(new SharedArrayBuffer(12));
      const receiver = kernel.spawn(fixture('scenarios/fixtures/regress-waiter'), { data: { mode: 'receive', report: report.buffer } });
      setWord(report, 2, port.grant(receiver.pid));
      const objectId = port.info().objectId;
      await waitFor(
        () => kernel.snapshot().tasks.some((t) => t.pid === receiver.pid && t.state === 'blocked' && t.blockedOn?.objectId === objectId),
        'the receiver to park',
      );
      await within(holder.terminate(), 10_000, 'the lock holder to be reaped');
      await waitFor(() => kernel.snapshot().tasks.every((t) => t.pid !== holder.pid || t.state === 'exited'), 'the holder to be cleaned up');
      assert.equal(Atomics.load(report, 0), 0, 'the half-written message was not delivered');
      // The receiver is parked again (flagged on the lock the supervisor took over and released): this send's release wakes it.
      port.send(Message.of(1).setU32(0, 77));
      await within(receiver.exited, 10_000, 'the parked receiver to get the message');
      assert.equal(Atomics.load(report, 0), 1);
      assert.equal(Atomics.load(report, 1), 77);
      assert.equal(port.tryReceive(), undefined, 'nothing else is queued');
    });
  } finally {
    watchdog.stop();
  }
});

test("a receiver terminated after taking the head message but before freeing its slot: the take stands, the next receive gets the next message", async () => {
  const watchdog = startWatchdog(30_000, 'receive lock recovery');
  try {
    await withGuardedKernel(async (kernel) => {
      const port = kernel.task.createPort();
      port.send(Message.of(1).setU32(0, 21));
      port.send(Message.of(1).setU32(0, 22));
      const c = controlWords(2);
      const holder = kernel.spawn(fixture('scenarios/fixtures/lock-holder'), { data: { ctl: c.buffer, how: 'receive-taken' } });
      setWord(c, 1, port.grant(holder.pid));
      await waitFor(() => Atomics.load(c, 0) === 1, 'the task to hold the receive lock with the head taken');
      await within(holder.terminate(), 10_000, 'the lock holder to be reaped');
      await waitFor(() => kernel.snapshot().tasks.every((t) => t.pid !== holder.pid || t.state === 'exited'), 'the holder to be cleaned up');
      const next = port.receive({ timeout: 10_000 });
      assert.equal(next.getU32(0), 22, 'the taken message is gone and the next one is intact');
      assert.equal(port.tryReceive(), undefined, 'nothing else is queued');
      port.send(Message.of(1).setU32(0, 23));
      assert.equal(port.receive({ timeout: 10_000 }).getU32(0), 23, 'the queue works on');
    });
  } finally {
    watchdog.stop();
  }
});
