/**
 * kipc task of the semaphore hand-off benchmark, role 'ping' or 'pong',
 * both holding handles to two semaphores s1 and s2 (count 0) granted by
 * init. Pong loops: s1.acquire, s2.release. Ping drives the side: its
 * time-boxed rounds loop s1.release, s2.acquire, so each turn hands the
 * token over twice (ping → pong → ping), and report µs per hand-off.
 *
 * To stop, ping releases s1 once more after its last round; pong then sees
 * the control block's stop word and leaves.
 */
import { attach, type Semaphore } from '../../src/index.js';
import { C_STOP, controlOf } from '../control.js';
import { type GrantData, grantedHandles } from '../grants.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';

/** Turns between two looks at the clock. */
const TURN_BATCH = 256;

function pingRound(s1: Semaphore, s2: Semaphore, budgetMs: number): RoundResult {
  let turns = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < TURN_BATCH; i++) {
      s1.release();
      s2.acquire();
    }
    turns += TURN_BATCH;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / (2 * turns), ops: 2 * turns };
}

function pong(s1: Semaphore, s2: Semaphore, stop: Int32Array): void {
  for (;;) {
    s1.acquire();
    if (Atomics.load(stop, C_STOP) !== 0) return;
    s2.release();
  }
}

const task = attach();
const data = task.data as GrantData & { control: SharedArrayBuffer; role: 'ping' | 'pong' };
const control = controlOf(data.control);
const [s1, s2] = grantedHandles(data).map((handle) => task.semaphore(handle)) as [Semaphore, Semaphore];
reportReady(control);
if (data.role === 'ping') {
  driveSync(control, (budgetMs) => pingRound(s1, s2, budgetMs));
  s1.release();
} else {
  pong(s1, s2, control.words);
}
