/**
 * kipc consumer task of the one-way benchmark, and the driver of its side.
 * Owns a port of `data.capacity` messages bound at `data.path`. Per round it
 * tells the producer (through the control block) how many messages to send,
 * starts the clock, and stops it when the last one has been received. The
 * burst is sized from the previous round's rate to fill the time budget.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { type Control, C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';

const FIRST_BURST = 20_000;
const MIN_BURST = 5_000;
const MAX_BURST = 20_000_000;

let burst = 0;
let rate = 0;

function consumeRound(control: Control, port: Port, m: Message, budgetMs: number): RoundResult {
  const words = control.words;
  const n = rate === 0 ? FIRST_BURST : Math.min(MAX_BURST, Math.max(MIN_BURST, Math.round((rate * budgetMs) / 1000)));
  Atomics.store(words, C_PEER_COUNT, n);
  const options = { into: m };
  const start = performance.now();
  Atomics.store(words, C_PEER_GO, ++burst);
  Atomics.notify(words, C_PEER_GO);
  for (let i = 0; i < n; i++) {
    port.receive(options);
    if (m.getU32(0) !== i) throw new Error(`bench: message ${i} of the burst arrived as ${m.getU32(0)}`);
  }
  const elapsed = performance.now() - start;
  rate = n / (elapsed / 1000);
  return { value: rate, ops: n };
}

const task = attach();
const { path, capacity, control: buffer } = task.data as { path: string; capacity: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = task.createPort({ capacity });
port.bind(path);
const m = new Message();
reportReady(control);
driveSync(control, (budgetMs) => consumeRound(control, port, m, budgetMs));
Atomics.store(control.words, C_PEER_GO, -1);
Atomics.notify(control.words, C_PEER_GO);
