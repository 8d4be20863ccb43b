/**
 * Measures the machine's floor for a cross-thread round trip with kipc's
 * waiting strategy (see workers/floor.ts), printed above the results: it
 * says how much of a kipc figure is kipc and how much is the machine (a busy
 * machine shows up here first).
 */
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processBackend, sharedObjectOf } from '../src/backend/process.js';
import { DEFAULT_LIMITS } from '../src/core/layout.js';
import { workerUrl } from './harness.js';
import { FLOOR_BYTES, RESULT_OFFSET } from './floor-loop.js';
import { kernelOptions } from './config.js';

/** Median µs per raw Atomics round trip between two workers, over `rounds` rounds of `budgetMs`. */
export async function measureFloor(rounds: number, budgetMs: number): Promise<number> {
  const buffer = new SharedArrayBuffer(FLOOR_BYTES);
  const spin = kernelOptions.spin ?? DEFAULT_LIMITS.spin;
  const start = (role: string): Worker => new Worker(workerUrl('floor'), { workerData: { role, buffer, rounds, budgetMs, spin } });
  const pong = start('pong');
  const ping = start('ping');
  const exits = [ping, pong].map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench: floor worker exited with code ${code}`))));
      }),
  );
  await Promise.all(exits);
  return new Float64Array(buffer, RESULT_OFFSET, 1)[0]!;
}

/**
 * The same floor between two processes: two child Node processes
 * (workers/process-floor.ts) ping-pong through a shared-memory object of
 * the process backend, spinning as a kipc kernel of this run does and then
 * sleeping in the OS futex. Median µs per round trip.
 */
export async function measureProcessFloor(rounds: number, budgetMs: number): Promise<number> {
  const memory = processBackend.allocate(FLOOR_BYTES);
  try {
    const shm = sharedObjectOf(memory);
    const spin = kernelOptions.spin ?? DEFAULT_LIMITS.spin;
    const script = fileURLToPath(workerUrl('process-floor'));
    const start = (role: string): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [script, role, shm, String(rounds), String(budgetMs), String(spin)], { stdio: 'inherit' });
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench: process floor ${role} exited with code ${code}`))));
      });
    await Promise.all([start('pong'), start('ping')]);
    return new Float64Array(memory.words.buffer, RESULT_OFFSET, 1)[0]!;
  } finally {
    processBackend.release!(memory);
  }
}
