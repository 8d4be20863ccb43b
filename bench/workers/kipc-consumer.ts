/**
 * kipc consumer task of the one-way benchmark, and the driver of its side.
 * Owns a port of `data.capacity` messages bound at `data.path`. Per round it
 * tells the producer (through the control block) how many messages to send,
 * starts the clock, and stops it when the last one has been received. The
 * burst is sized from the previous round's rate to fill the time budget.
 *
 * With `data.batch` > 1 it receives with port.receiveMany, up to that many
 * messages per kernel entry; otherwise one port.receive per message.
 * Either way every message is checked to arrive in order.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { type Control, C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import { SEQUENCE_WORD } from './kipc-common.js';

const FIRST_BURST = 20_000;
const MIN_BURST = 5_000;
const MAX_BURST = 20_000_000;

let burst = 0;
let rate = 0;

function receiveOneByOne(port: Port, m: Message, n: number): void {
  const options = { into: m };
  for (let i = 0; i < n; i++) {
    port.receive(options);
    if (m.getU32(0) !== i) throw new Error(`bench: message ${i} of the burst arrived as ${m.getU32(0)}`);
  }
}

function receiveBatched(port: Port, buffer: Uint8Array, words: Int32Array, batch: number, n: number): void {
  let received = 0;
  while (received < n) {
    const got = port.receiveMany(buffer, Math.min(batch, n - received));
    for (let k = 0; k < got; k++) {
      const sequence = words[k * 16 + SEQUENCE_WORD]!;
      if (sequence !== received + k) throw new Error(`bench: message ${received + k} of the burst arrived as ${sequence}`);
    }
    received += got;
  }
}

function burstSize(budgetMs: number): number {
  return rate === 0 ? FIRST_BURST : Math.min(MAX_BURST, Math.max(MIN_BURST, Math.round((rate * budgetMs) / 1000)));
}

function consumeRound(control: Control, receiveBurst: (n: number) => void, budgetMs: number): RoundResult {
  const words = control.words;
  const n = burstSize(budgetMs);
  Atomics.store(words, C_PEER_COUNT, n);
  const start = performance.now();
  Atomics.store(words, C_PEER_GO, ++burst);
  Atomics.notify(words, C_PEER_GO);
  receiveBurst(n);
  const elapsed = performance.now() - start;
  rate = n / (elapsed / 1000);
  return { value: rate, ops: n };
}

const task = attach();
const { path, capacity, batch = 1, control: buffer } = task.data as { path: string; capacity: number; batch?: number; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = task.createPort({ capacity });
port.bind(path);
let receiveBurst: (n: number) => void;
if (batch > 1) {
  const batchBuffer = Message.batch(batch);
  const batchWords = new Int32Array(batchBuffer.buffer);
  receiveBurst = (n) => receiveBatched(port, batchBuffer, batchWords, batch, n);
} else {
  const m = new Message();
  receiveBurst = (n) => receiveOneByOne(port, m, n);
}
reportReady(control);
driveSync(control, (budgetMs) => consumeRound(control, receiveBurst, budgetMs));
Atomics.store(control.words, C_PEER_GO, -1);
Atomics.notify(control.words, C_PEER_GO);
