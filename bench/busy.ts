/**
 * Busy threads for `--busy N`: N worker threads that spin without pause for
 * as long as they run, so that every benchmark can also be measured on a
 * machine whose cores are all taken (a server under load), beside its
 * quiet figure.
 */
import { Worker } from 'node:worker_threads';

/** Starts `count` spinning threads; resolves once all run. The returned function stops them. */
export async function startBusyThreads(count: number): Promise<() => Promise<void>> {
  const workers = Array.from({ length: count }, () => new Worker('for (;;) {}', { eval: true }));
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
  return async () => {
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
}
