/**
 * Benchmarks of values in calls (issue 17): the typed API's value calls
 * against what Node users reach for, from the main thread to one worker.
 *
 * - value-call: a round trip whose argument and result are a 1 KiB object
 *   (workers/values.ts). kipc: `remote.echo(value)` through wrapSync (a
 *   blocking value call, msgpack both ways, to a service made with expose).
 *   Alternative: postMessage of the object to a worker, which posts it
 *   back, awaited. Ceiling: the codec alone (two encodes and two decodes
 *   in one thread), the least any value call of this object costs.
 * - wrap-sync: a blocking call `add(n, 1)` from the main thread. kipc:
 *   wrapSync on an exposed service. Alternative: synckit's createSyncFn
 *   (its worker runs runAsWorker), the library for this use case.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { closeRemote, Kernel, msgpackCodecOf } from '../src/index.js';
import { type Benchmark, Failure, finishOpening, openBoth, type RoundFigure, type Side, settleWithin, stopWorker, workerUrl } from './harness.js';
import { kernelOptions } from './config.js';
import { checkKilobyteValue, type KilobyteValue, makeKilobyteValue } from './workers/values.js';

const SERVICE_PATH = '/bench/values';

interface ValueService {
  echo(value: KilobyteValue): KilobyteValue;
  add(a: number, b: number): number;
  stop(): boolean;
}

/** Times `call` (one operation) in batches of 16 for about `budgetMs`: µs per operation. */
async function timed(budgetMs: number, call: (n: number) => unknown): Promise<RoundFigure> {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 16; i++) await call(n++);
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

/** The kipc side: a kernel whose one task exposes the value service; `op` makes one call through a wrapSync proxy. */
async function openKipc(label: string, op: (remote: ValueService, n: number) => void): Promise<Side> {
  const kernel = Kernel.create(kernelOptions);
  const failure = new Failure();
  const service = kernel.spawn(workerUrl('kipc-value-service'), { data: { path: SERVICE_PATH } });
  failure.watchTask(service, 'value service');
  let remote: ValueService | undefined;
  let closed: Promise<void> | undefined;
  const side: Side = {
    label,
    round: (budgetMs) => timed(budgetMs, (n) => op(remote!, n)),
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        try {
          remote?.stop();
        } catch {
          // The service is gone already.
        }
        if (remote) closeRemote(remote);
        await settleWithin(service.exited, 2000);
        await kernel.close();
      })()),
  };
  return finishOpening(side, async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        remote = kernel.task.wrapSync<ValueService>(SERVICE_PATH, { timeout: 10_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await Promise.race([new Promise((resolve) => setTimeout(resolve, 5)), failure.promise]);
      }
    }
    op(remote, 0);
  });
}

function openPostMessageEcho(): Promise<Side> {
  const worker = new Worker(workerUrl('pm-value-echo'));
  const failure = new Failure();
  failure.watchWorker(worker, 'pm-value-echo');
  const value = makeKilobyteValue();
  const roundTrip = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      value.seq = n;
      worker.once('message', (back: KilobyteValue) => {
        try {
          checkKilobyteValue(back, n);
          resolve();
        } catch (error) {
          reject(error as Error);
        }
      });
      worker.postMessage(value);
    });
  let closed: Promise<void> | undefined;
  const side: Side = {
    label: 'postMessage of the object to a worker that posts it back, awaited',
    round: (budgetMs) => timed(budgetMs, roundTrip),
    close: () =>
      (closed ??= (async () => {
        failure.expected();
        worker.postMessage(null);
        await stopWorker(worker);
      })()),
  };
  return finishOpening(side, () => roundTrip(0));
}

function openSynckit(): Promise<Side> {
  const add = createSyncFn<(a: number, b: number) => number>(fileURLToPath(workerUrl('synckit-add')));
  const side: Side = {
    label: "synckit's createSyncFn (runAsWorker in its worker)",
    round: (budgetMs) =>
      timed(budgetMs, (n) => {
        if (add(n, 1) !== n + 1) throw new Error('bench: synckit answered wrong');
      }),
    // synckit keeps its worker for the life of the process, unref'd.
    close: async () => {},
  };
  return finishOpening(side, async () => {
    if (add(1, 1) !== 2) throw new Error('bench: synckit answered wrong');
  });
}

const kilobyte = makeKilobyteValue();

/**
 * The codec's own cost, no kernel and no thread: what a value call of the
 * kilobyte object must pay at least (encode and decode the argument, then
 * the result) with kipc's default codec, in this thread.
 */
function openCodecFloor(): Promise<Side> {
  const codec = msgpackCodecOf<KilobyteValue>();
  const value = makeKilobyteValue();
  return Promise.resolve({
    label: "msgpack encode + decode of the object, twice (the argument, then the result), one thread, no kernel",
    round: (budgetMs: number) =>
      timed(budgetMs, (n) => {
        value.seq = n;
        const back = codec.decode(codec.encode(codec.decode(codec.encode(value))));
        checkKilobyteValue(back, n);
      }),
    close: async () => {},
  });
}

export const valueCall: Benchmark = {
  name: 'value-call',
  title: 'call round trip with a 1 KiB object argument and result, main thread → worker',
  unit: 'µs',
  targets: [{ kind: 'speedup', value: 10 }],
  open: () =>
    openBoth(
      () =>
        openKipc('remote.echo(value) through wrapSync, msgpack both ways, to an exposed service', (remote, n) => {
          kilobyte.seq = n;
          checkKilobyteValue(remote.echo(kilobyte), n);
        }),
      openPostMessageEcho,
    ),
  openCeiling: openCodecFloor,
};

export const wrapSyncCall: Benchmark = {
  name: 'wrap-sync',
  title: 'blocking call add(n, 1) from the main thread: wrapSync against synckit',
  unit: 'µs',
  targets: [{ kind: 'speedup', value: 5 }],
  open: () =>
    openBoth(
      () =>
        openKipc('remote.add(n, 1) through wrapSync, to an exposed service', (remote, n) => {
          if (remote.add(n, 1) !== n + 1) throw new Error('bench: wrapSync answered wrong');
        }),
      openSynckit,
    ),
};
