/**
 * Producer or consumer of the bare ring (see ../bare-ring.ts). The producer
 * copies a message into the slot at the tail and publishes it with one
 * Atomics.store; the consumer copies it out, checks its sequence number and
 * frees the slot with one Atomics.store of the head. Each side re-reads the
 * other's index only when its cached copy says full or empty, and spins
 * meanwhile (it never sleeps). The consumer drives the side in timed bursts
 * (bursts.ts).
 */
import { workerData } from 'node:worker_threads';
import { bareRingLayout } from '../bare-ring.js';
import { controlOf } from '../control.js';
import { driveBurstRounds, serveBursts, SHARED_MESSAGE_BURSTS } from './bursts.js';
import { reportReady } from './driver.js';
import { SEQUENCE_WORD } from './message-layout.js';

const { role, ring, capacity, control: buffer } = workerData as {
  role: 'producer' | 'consumer';
  ring: SharedArrayBuffer;
  capacity: number;
  control: SharedArrayBuffer;
};
const { TAIL, HEAD, SLOTS_AT, MESSAGE_WORDS } = bareRingLayout(capacity);
const w = new Int32Array(ring);
const message = new Int32Array(MESSAGE_WORDS);

const next = (index: number): number => (index === capacity ? 0 : index + 1);

function sendBurst(n: number): void {
  let tail = w[TAIL]!;
  let head = Atomics.load(w, HEAD);
  for (let i = 0; i < n; i++) {
    while (next(tail) === head) head = Atomics.load(w, HEAD);
    message[SEQUENCE_WORD] = i;
    const at = SLOTS_AT + tail * MESSAGE_WORDS;
    for (let k = 0; k < MESSAGE_WORDS; k++) w[at + k] = message[k]!;
    tail = next(tail);
    Atomics.store(w, TAIL, tail);
  }
}

function receiveBurst(n: number): void {
  let head = w[HEAD]!;
  let tail = Atomics.load(w, TAIL);
  for (let i = 0; i < n; i++) {
    while (head === tail) tail = Atomics.load(w, TAIL);
    const at = SLOTS_AT + head * MESSAGE_WORDS;
    for (let k = 0; k < MESSAGE_WORDS; k++) message[k] = w[at + k]!;
    if (message[SEQUENCE_WORD] !== i) throw new Error(`bench: bare ring message ${i} of the burst arrived as ${message[SEQUENCE_WORD]}`);
    head = next(head);
    Atomics.store(w, HEAD, head);
  }
}

const control = controlOf(buffer);
reportReady(control);
if (role === 'producer') {
  serveBursts(control, sendBurst);
} else {
  driveBurstRounds(control, SHARED_MESSAGE_BURSTS, receiveBurst);
}
