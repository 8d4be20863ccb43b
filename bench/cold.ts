/**
 * Cold: a synchronous call from the main thread of a fresh process, as a
 * linter or build tool makes a few hundred of them and exits. Each round
 * is a new process (bench/cold-child.ts) that starts an echo worker and
 * times its first 1,000 calls; the benchmark `cold-A-B` reports the mean
 * of calls A..B. kipc: `port.call` to an echo task. Alternative: the
 * synckit pattern (postMessage, Atomics.wait, receiveMessageOnPort), the
 * usual way to call a worker synchronously.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Benchmark, Side } from './harness.js';
import { COLD_WINDOWS } from './cold-windows.js';

const CHILD = fileURLToPath(new URL('./cold-child.js', import.meta.url));
const CHILD_TIMEOUT_MS = 60_000;

/** How a fresh process is started: extra V8/Node flags before the script, extra environment (the child's knobs). */
export interface ColdStart {
  execArgv?: readonly string[];
  env?: Readonly<Record<string, string>>;
}

/** Runs one fresh process of `side` and returns its window means (µs). */
export function freshProcess(side: 'kipc' | 'synckit', start: ColdStart = {}): Promise<number[]> {
  const args = [...(start.execArgv ?? []), CHILD, side];
  const env = start.env === undefined ? process.env : { ...process.env, ...start.env };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: CHILD_TIMEOUT_MS, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`bench: cold ${side} process failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as number[]);
    });
  });
}

function coldSide(side: 'kipc' | 'synckit', window: number, label: string): Side {
  const [from, to] = COLD_WINDOWS[window]!;
  return {
    label,
    round: async () => ({ value: (await freshProcess(side))[window]!, ops: to - from + 1 }),
    close: async () => {},
  };
}

function coldBenchmark(window: number): Benchmark {
  const [from, to] = COLD_WINDOWS[window]!;
  return {
    name: `cold-${from}-${to}`,
    title: `cold: mean of sync calls ${from}–${to} from the main thread of a fresh process (one process per round)`,
    unit: 'µs',
    warmupRounds: 0,
    targets: [{ kind: 'speedup', value: from === 1 ? 1 : 5 }],
    open: async () => ({
      kipc: coldSide('kipc', window, `port.call → echo task, calls ${from}–${to} of a fresh process`),
      alternative: coldSide('synckit', window, `postMessage + Atomics.wait + receiveMessageOnPort (synckit pattern), calls ${from}–${to} of a fresh process`),
    }),
  };
}

export const coldBenchmarks: readonly Benchmark[] = COLD_WINDOWS.map((_, window) => coldBenchmark(window));
