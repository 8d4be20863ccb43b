/**
 * Robustness (docs/design.md, "A task killed holding the lock"): tasks are terminated at random instants while they hammer
 * sends, calls, receives, replies, port and name churn, so that some die
 * holding the kernel lock or half-way through an operation. Survivors (a
 * sink, a service, a prober) carry on throughout; the lock is recovered; no
 * message is both delivered and lost (each victim's numbered messages reach
 * the sink as 1, 2, 3, ... with no gap or duplicate, every send that
 * returned is delivered, at most the one in progress at the kill is
 * missing); every call gets the right answer or EPIPE; and the kernel's
 * usage returns to its baseline once everything has exited.
 *
 * About 20 s of kills by default (KIPC_LONG=1: 60 s), and at least 100 kills however long they take.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { Message } from '../../src/index.js';
import { H_LOCK } from '../../src/core/layout.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { STORM } from './fixtures/layout.js';
import { controlWords, setWord } from '../support/control-words.js';
import { lockFree, startWatchdog, withGuardedKernel } from '../support/kernel.js';

const DURATION_MS = Number(process.env.KIPC_STORM_MS ?? (process.env.KIPC_LONG === '1' ? 60_000 : 18_000));
const MAX_KILLS = process.env.KIPC_LONG === '1' ? 5_000 : 1_000;
/** The storm goes on past DURATION_MS until this many victims were spawned: a slow machine gets as many kills, only later. */
const MIN_KILLS = 100;
const LANES = Number(process.env.KIPC_STORM_LANES ?? 3);
const trace = (line: string): void => {
  if (process.env.KIPC_TRACE) appendFileSync(process.env.KIPC_TRACE, `${Math.round(performance.now())} ${line}\n`);
};

test('tasks killed at random instants mid-operation: survivors carry on, nothing lost or duplicated, nothing leaked', { timeout: DURATION_MS + 90_000 }, async (t) => {
  const watchdog = startWatchdog(60_000, 'kill storm');
  try {
    await withGuardedKernel(async (kernel) => {
      const init = kernel.task;
      const baseline = kernel.usage();
      const c = controlWords(STORM.victims + MAX_KILLS * STORM.stride);
      const sink = kernel.spawn(fixture('scenarios/fixtures/storm-sink'), { data: { ctl: c.buffer, maxVictims: MAX_KILLS } });
      const svc = kernel.spawn(fixture('scenarios/fixtures/storm-service'), { data: { ctl: c.buffer } });
      await waitFor(() => Atomics.load(c, STORM.sinkReady) === 1 && Atomics.load(c, STORM.svcReady) === 1, 'the sink and the service to bind');
      const prober = kernel.spawn(fixture('scenarios/fixtures/storm-prober'), { data: { ctl: c.buffer, lanes: LANES } });

      const deadline = performance.now() + DURATION_MS;
      let spawned = 0;
      let kills = 0;
      const problems: string[] = [];
      async function lane(): Promise<void> {
        while ((performance.now() < deadline || spawned < MIN_KILLS) && spawned < MAX_KILLS && problems.length < 10) {
          const v = spawned++;
          const base = STORM.victims + v * STORM.stride;
          await lockFree(kernel, `spawning victim ${v}`);
          const victim = kernel.spawn(fixture('scenarios/fixtures/storm-victim'), { data: { index: v, ctl: c.buffer, useAsync: v % 3 === 2 } });
          Atomics.store(c, base + STORM.pid, victim.pid);
          setWord(c, STORM.current, v + 1);
          await waitFor(() => Atomics.load(c, base + STORM.started) === 1 || Atomics.load(c, base + STORM.error) !== 0, `victim ${v} to start`, 30_000).catch((error: Error) => {
            const holder = Atomics.load(new Int32Array(kernel.buffer), H_LOCK);
            throw new Error(`${error.message}${holder !== 0 ? ` (the kernel lock is held by tag ${holder}: wedged)` : ''}`);
          });
          // A random instant into its hammering: from at once to ~15 ms in.
          const delay = Math.random() * 15;
          if (delay >= 1) await new Promise((resolve) => setTimeout(resolve, delay));
          trace(`kill ${v} pid ${victim.pid} after ${delay.toFixed(1)} ms, sent ${Atomics.load(c, base + STORM.confirmed)}`);
          const exit = await within(victim.terminate(), 30_000, `victim ${v} to be reaped`);
          trace(`reaped ${v}`);
          kills++;
          if (exit.error !== undefined || Atomics.load(c, base + STORM.error) !== 0) {
            problems.push(`victim ${v} failed on its own (errno ${Atomics.load(c, base + STORM.error)}): ${exit.error}`);
          }
        }
      }
      await Promise.all(Array.from({ length: LANES }, lane));
      trace('lanes done');
      assert.deepEqual(problems, []);

      setWord(c, STORM.stop, 1);
      trace('prober told to stop');
      const proberExit = await within(prober.exited, 30_000, 'the prober to stop (a hang here means a call never got its answer or EPIPE)');
      assert.equal(proberExit.code, 0, proberExit.error);

      // Every victim is gone: nothing may still wait to send on the sink's port.
      await waitFor(() => kernel.usage().tasks === 3, 'only init, the sink and the service to remain', 30_000);
      await lockFree(kernel, 'after the storm');
      const mid = kernel.snapshot();
      const sinkPort = mid.objects.find((o) => o.names.includes('/storm/sink'))!;
      const svcPort = mid.objects.find((o) => o.names.includes('/storm/svc'))!;
      assert.equal(sinkPort.waiters.senders, 0, 'no dead sender is still counted as waiting on the sink');
      assert.equal(svcPort.waiters.senders, 0, 'no dead sender is still counted as waiting on the service');
      assert.ok(sinkPort.waiters.receivers <= 1 && svcPort.waiters.receivers <= 1, 'at most the survivor itself waits to receive');

      const stop = init.connect('/storm/sink');
      await stop.sendAsync(Message.of(99));
      const stopSvc = init.connect('/storm/svc');
      await stopSvc.sendAsync(Message.of(99));
      const [sinkExit, svcExit] = await within(Promise.all([sink.exited, svc.exited]), 30_000, 'the sink and the service to drain and stop');
      assert.equal(sinkExit.code, 0, sinkExit.error);
      assert.equal(svcExit.code, 0, svcExit.error);
      stop.close();
      stopSvc.close();

      const stats = kernel.snapshot().stats;
      const v = (i: number, field: number): number => Atomics.load(c, STORM.victims + i * STORM.stride + field);
      let sent = 0;
      let delivered = 0;
      let inFlightDelivered = 0;
      let inFlightLost = 0;
      for (let i = 0; i < spawned; i++) {
        const attempt = v(i, STORM.attempt);
        const confirmed = v(i, STORM.confirmed);
        const received = v(i, STORM.received);
        assert.ok(received >= confirmed, `victim ${i}: sends 1..${confirmed} returned but the sink got only 1..${received} (lost)`);
        assert.ok(received <= attempt, `victim ${i}: the sink got ${received} but only 1..${attempt} were ever sent`);
        assert.equal(v(i, STORM.wrongReply), 0, `victim ${i}: a call got someone else's answer`);
        sent += confirmed;
        delivered += received;
        if (attempt > confirmed) {
          if (received === attempt) inFlightDelivered++;
          else inFlightLost++;
        }
      }
      const detail = Array.from(c.subarray(STORM.sinkOrderDetail, STORM.sinkOrderDetail + 3));
      assert.equal(Atomics.load(c, STORM.sinkOrder), 0, `a victim's sequence arrived out of order, duplicated or with a gap (victim, got, expected = ${detail})`);
      assert.equal(Atomics.load(c, STORM.sinkCorrupt), 0, 'no torn message reached the sink');
      assert.equal(Atomics.load(c, STORM.sinkWrongSender), 0, 'the sender of every message is its victim');
      assert.equal(Atomics.load(c, STORM.svcErrors), 0, 'the service only ever got intact calls');
      assert.equal(Atomics.load(c, STORM.proberErrors), 0, 'the prober only ever got right answers, EPIPE or ENOENT');
      assert.ok(Atomics.load(c, STORM.proberSvcCalls) > 0, 'the prober made progress');

      t.diagnostic(
        `kills ${kills}, lock recoveries ${stats.lockRecoveries}, sends confirmed ${sent}, delivered ${delivered}, ` +
          `killed mid-send: delivered ${inFlightDelivered} / absent ${inFlightLost}, ` +
          `service answers ${Atomics.load(c, STORM.svcReplied)} (caller gone ${Atomics.load(c, STORM.svcCallerGone)}), ` +
          `prober: service calls ${Atomics.load(c, STORM.proberSvcCalls)}, victim answers ${Atomics.load(c, STORM.proberVictimReplies)}, ` +
          `EPIPE ${Atomics.load(c, STORM.proberVictimEpipe)}, absent ${Atomics.load(c, STORM.proberVictimAbsent)}, epipe replies ${stats.epipeReplies}`,
      );
      assert.ok(kills >= MIN_KILLS, `enough kills to matter (${kills})`);

      // The kernel is as it was, and still works.
      assert.deepEqual(kernel.usage(), baseline, 'usage back to the baseline');
      const after = kernel.snapshot();
      assert.deepEqual(after.names, []);
      assert.deepEqual(after.objects, []);
      const port = init.createPort();
      port.send(Message.of(1, 'still works'));
      assert.equal(port.receive().text(), 'still works');
      port.close();
      assert.deepEqual(kernel.usage(), baseline);
    });
  } finally {
    watchdog.stop();
  }
});
