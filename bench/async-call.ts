/**
 * Benchmark 3: an async call from the main thread, awaited one at a time.
 *
 * - kipc: `await port.callAsync(request, { into: reply })` from the init task
 *   to an echo server task (the main thread spins briefly, then waits with
 *   Atomics.waitAsync, leaving its event loop free).
 * - alternative: `worker.postMessage(n)` and await the worker's answer on
 *   the 'message' event.
 */
import { Worker } from 'node:worker_threads';
import { Message, type Port } from '../src/index.js';
import { type Benchmark, Failure, finishOpening, openBoth, type RoundFigure, type Side, stopWorker, workerUrl } from './harness.js';
import { openEchoCaller } from './kipc-setup.js';

const BATCH = 64;

export async function asyncCallRound(port: Port, request: Message, reply: Message, budgetMs: number): Promise<RoundFigure> {
  const options = { into: reply };
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < BATCH; i++) {
      request.setU32(0, n);
      await port.callAsync(request, options);
      if (reply.getU32(0) !== n + 1) throw new Error(`bench: echo answered ${reply.getU32(0)} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

function openKipc(): Promise<Side> {
  return openEchoCaller('await port.callAsync from main → receive + reply in a worker', asyncCallRound);
}

function openPostMessage(): Promise<Side> {
  const worker = new Worker(workerUrl('pm-echo'));
  const failure = new Failure();
  failure.watchWorker(worker, 'pm-echo');
  let answer: ((value: number) => void) | undefined;
  worker.on('message', (value: number) => answer?.(value));
  const call = (value: number): Promise<number> =>
    new Promise<number>((resolve) => {
      answer = resolve;
      worker.postMessage(value);
    });

  const round = async (budgetMs: number): Promise<RoundFigure> => {
    let n = 0;
    let elapsed = 0;
    const start = performance.now();
    do {
      for (let i = 0; i < 16; i++) {
        const result = await Promise.race([call(n), failure.promise]);
        if (result !== n + 1) throw new Error(`bench: echo worker answered ${result} to ${n}`);
        n++;
      }
      elapsed = performance.now() - start;
    } while (elapsed < budgetMs);
    return { value: (elapsed * 1000) / n, ops: n };
  };

  let closed: Promise<void> | undefined;
  const side: Side = {
    label: 'await a postMessage round trip from main to a worker',
    round,
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        worker.postMessage(-1);
        await stopWorker(worker);
      })()),
  };
  return finishOpening(side, async () => {
    if ((await Promise.race([call(1), failure.promise])) !== 2) throw new Error('bench: the echo worker answered wrong');
  });
}

export const asyncCall: Benchmark = {
  name: 'async-call',
  title: 'async call from the main thread (await)',
  unit: 'µs',
  targets: [{ kind: 'at-most', value: 5 }],
  open: () => openBoth(openKipc, openPostMessage),
};
