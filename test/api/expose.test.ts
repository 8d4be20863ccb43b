/**
 * expose / wrap / wrapSync (issue 17, point 4) across a real task: sync
 * and async methods, typed proxies, errors that cross, a method that does
 * not exist, the concurrency limit, a caller's abort and timeout reaching
 * the method's signal, blocking calls from another task, and a service
 * that closes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeRemote, InterruptedError, RemoteError, type CallContext, type Kernel, type TaskHandle } from '../../src/index.js';
import { brokenPipe, timedOut } from '../support/errors.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { controlWords } from '../support/control-words.js';

const watchdog = startWatchdog(180_000, 'expose tests');
after(() => watchdog.stop());
const T = { timeout: 60_000 };
const MATH = { running: 0, most: 1, aborted: 2, ready: 3, waiting: 4, late: 5, words: 8 } as const;

/** The service's type, as a caller writes it: a CallContext parameter is the service's own. */
interface MathApi {
  add(a: number, b: number): number;
  mulAsync(a: number, b: number): Promise<number>;
  hold(ms: number): Promise<number>;
  waitForAbort(ctx: CallContext): Promise<never>;
  fail(code: string): never;
  sender(ctx: CallContext): number;
  abortedAfter(ms: number, ctx: CallContext): Promise<boolean>;
  lateLook(ms: number, ctx: CallContext): Promise<boolean>;
  stop(): string;
}

async function startMath(kernel: Kernel, concurrency: number): Promise<{ service: TaskHandle; c: Int32Array }> {
  const c = controlWords(MATH.words);
  const service = kernel.spawn(fixture('api/fixtures/math-service'), { data: { ctl: c.buffer, concurrency } });
  await waitFor(() => Atomics.load(c, MATH.ready) === 1, 'the math service to start', 20_000);
  return { service, c };
}

test('wrap: typed promise methods of a service in another task, sync and async methods, the caller\'s pid in the context, errors crossing as RemoteError, an unknown method, the service going on', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { service } = await startMath(kernel, 4);
    const math = kernel.task.wrap<MathApi>('/srv/math');
    assert.equal(await math.add(2, 3), 5);
    assert.equal(await math.mulAsync(4, 5), 20);
    assert.equal(await math.sender(), kernel.task.pid, 'the context names the caller');
    assert.deepEqual(await Promise.all(Array.from({ length: 100 }, (_, i) => math.add(i, 1))), Array.from({ length: 100 }, (_, i) => i + 1));
    await assert.rejects(math.fail('E_SAMPLE'), (e: unknown) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.remoteName, 'RangeError');
      assert.equal(e.code, 'E_SAMPLE');
      assert.match(e.message, /failing with E_SAMPLE/);
      assert.match(e.remoteStack ?? '', /math-service/);
      return true;
    });
    const loose = math as unknown as Record<string, () => Promise<unknown>>;
    for (const name of ['nothing', 'constructor', '__proto__', 'toString']) {
      await assert.rejects(loose[name]!(), (e: unknown) => e instanceof RemoteError && e.remoteName === 'TypeError' && /no method/.test(e.message), name);
    }
    assert.equal((math as unknown as { then?: unknown }).then, undefined, 'a proxy is not thenable');
    assert.equal(await math.add(1, 1), 2, 'still serving after the errors');
    assert.equal(await math.stop(), 'stopping');
    assert.equal((await within(service.exited, 10_000, 'the service to end')).code, 0);
    await assert.rejects(math.add(1, 1), brokenPipe);
    closeRemote(math);
  });
});

test('concurrency: at most `concurrency` calls run at once, the rest wait in the kernel queue, and all are answered', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { service, c } = await startMath(kernel, 3);
    const math = kernel.task.wrap<MathApi>('/srv/math');
    const results = await within(Promise.all(Array.from({ length: 12 }, () => math.hold(30))), 20_000, 'the held calls');
    assert.deepEqual(results, new Array(12).fill(30));
    assert.equal(Atomics.load(c, MATH.most), 3, 'three ran at once, never more');
    await math.stop();
    await service.exited;
    closeRemote(math);
  });
});

test('abort and timeout reach the method: its signal aborts when the caller aborts (InterruptedError) or its timeout passes (TimeoutError); the service goes on', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { service, c } = await startMath(kernel, 4);
    const ac = new AbortController();
    const aborting = kernel.task.wrap<MathApi>('/srv/math', { signal: ac.signal });
    const call = aborting.waitForAbort();
    await waitFor(() => Atomics.load(c, MATH.waiting) === 1, 'the method to run');
    ac.abort();
    await assert.rejects(call, (e: unknown) => e instanceof InterruptedError);
    await waitFor(() => Atomics.load(c, MATH.aborted) === 1, "the method's signal to abort on the caller's abort");
    const timed = kernel.task.wrap<MathApi>('/srv/math', { timeout: 100 });
    await assert.rejects(timed.waitForAbort(), timedOut);
    await waitFor(() => Atomics.load(c, MATH.aborted) === 2, "the method's signal to abort at the caller's deadline");
    // A timeout longer than a timer can wait is no timeout at all (setTimeout would fire it at once).
    const patient = kernel.task.wrap<MathApi>('/srv/math', { timeout: 1e12 });
    assert.equal(await patient.abortedAfter(50), false, "a far deadline does not abort the method's signal");
    // A method that looks at its signal only after the abort, or after the deadline, finds it aborted.
    const lateCaller = new AbortController();
    const late = kernel.task.wrap<MathApi>('/srv/math', { signal: lateCaller.signal });
    const waitingBefore = Atomics.load(c, MATH.waiting);
    const lateCall = late.lateLook(300);
    await waitFor(() => Atomics.load(c, MATH.waiting) === waitingBefore + 1, 'the late-looking method to run');
    lateCaller.abort();
    await assert.rejects(lateCall, (e: unknown) => e instanceof InterruptedError);
    await waitFor(() => Atomics.load(c, MATH.late) !== 0, 'the late look');
    assert.equal(Atomics.load(c, MATH.late), 2, "an abort before the method looked shows when it looks");
    Atomics.store(c, MATH.late, 0);
    const lateTimed = kernel.task.wrap<MathApi>('/srv/math', { timeout: 50 });
    await assert.rejects(lateTimed.lateLook(300), timedOut);
    await waitFor(() => Atomics.load(c, MATH.late) !== 0, 'the late look after the deadline');
    assert.equal(Atomics.load(c, MATH.late), 2, 'a deadline that passed before the method looked shows when it looks');
    const math = kernel.task.wrap<MathApi>('/srv/math');
    assert.equal(await math.add(1, 2), 3);
    await math.stop();
    await service.exited;
    for (const r of [aborting, timed, patient, late, lateTimed, math]) closeRemote(r);
  });
});

test('wrapSync: blocking methods from another task (the synckit use case), a RemoteError thrown synchronously, a timeout', T, async () => {
  await withGuardedKernel(async (kernel) => {
    const { service } = await startMath(kernel, 4);
    const caller = kernel.spawn(fixture('api/fixtures/math-sync-caller'));
    const exit = await within(caller.exited, 20_000, 'the sync caller');
    assert.equal(exit.code, 0, exit.error);
    const math = kernel.task.wrap<MathApi>('/srv/math');
    await math.stop();
    await service.exited;
    closeRemote(math);
  });
});
