/**
 * What a lock-free message queue can do on this machine, with no kernel:
 * the bare prototype behind the lock-free message path (issue 18). Workers
 * move kipc's 64-byte messages through queues in a SharedArrayBuffer,
 * spinning (nobody sleeps), in the same run:
 *
 * - spsc: the single-producer single-consumer ring of the one-way bench's
 *   no-kernel side (a head and a tail, each re-read only when the ring
 *   looks full or empty);
 * - mpmc: a bounded MPMC queue with a sequence word per slot (Vyukov's
 *   design): a sender claims a position with one compareExchange on the
 *   tail, writes the message and publishes it with one store of the
 *   slot's sequence; a receiver does the same on the head. Run with the
 *   sequence word in the message's own cache line (`seq in line`) and in
 *   the slot's second line, where kipc's slots keep their bookkeeping
 *   (`seq in 2nd line`), 1→1 and 2→2;
 * - claim: the queue kipc's kernel would run (docs/design.md, "A queue
 *   with no lock"): the claim is a compareExchange of the slot's word in
 *   its second line, naming the claimant (so that a task killed between
 *   claim and publish can be repaired), the tail and head are hints moved
 *   with a plain store, the publish and the free one store each; and
 *   `claim + note`, the same with what makes destroying such a queue safe:
 *   each operation stores a note in a line of its own and reads the
 *   queue's destroyed flag before it touches the slots, and clears the
 *   note after;
 * - call: a round trip main thread → worker, the request through the mpmc
 *   queue and the reply into a line of the caller's, against the raw
 *   Atomics round trip (one word each way);
 * - the price of one Atomics call against a plain access, in a loop.
 *
 * Medians of ROUNDS rounds; throughput in M messages/s, calls in µs.
 *
 *   node dist/bench/queue-floor.js
 */
import os from 'node:os';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { CACHE_LINE_WORDS, MESSAGE_SLOT_WORDS, MESSAGE_WORDS } from '../src/core/layout.js';
import { measureFloor } from './floor.js';
import { SEQUENCE_WORD } from './workers/message-layout.js';

const ROUNDS = 7;
const MESSAGES = 400_000;
const CALLS = 100_000;
const CAPACITY = 1024; // a power of two: a position's slot is position & (CAPACITY - 1)

/** Words: tail, head (a line each), the calls' reply lines, the destroyed flag, a note line per worker, then CAPACITY slots of MESSAGE_SLOT_WORDS. */
const TAIL = 0;
const HEAD = CACHE_LINE_WORDS;
const REPLY = 2 * CACHE_LINE_WORDS;
const FLAGS = 4 * CACHE_LINE_WORDS;
const NOTES = 5 * CACHE_LINE_WORDS;
const MAX_WORKERS = 8;
const SLOTS = NOTES + MAX_WORKERS * CACHE_LINE_WORDS;
const WORDS = SLOTS + CAPACITY * MESSAGE_SLOT_WORDS;
/** Control: producers started, consumers finished (their counts), and a go word. */
const C_GO = 0;
const C_DONE = 1;

type Kind = 'spsc' | 'mpmc-line' | 'mpmc-second' | 'claim' | 'claim-noted' | 'call';
interface Job {
  kind: Kind;
  role: 'producer' | 'consumer' | 'server';
  queue: SharedArrayBuffer;
  control: SharedArrayBuffer;
  count: number;
  /** The worker's number (its claims name it; its note line). */
  id: number;
}

const slotAt = (position: number): number => SLOTS + (position & (CAPACITY - 1)) * MESSAGE_SLOT_WORDS;
/** The sequence word of a slot: word 3 of the message line (the flags word, which this prototype leaves free) or the first of the second line. */
const seqOf = (kind: Kind, at: number): number => (kind === 'mpmc-line' ? at + 3 : at + MESSAGE_WORDS);

const claims = (kind: Kind): boolean => kind === 'claim' || kind === 'claim-noted';

/** Fresh queue words: every slot's sequence set to its index, as Vyukov's queue starts (free for its position, for a claim queue). */
function newQueue(kind: Kind): SharedArrayBuffer {
  const queue = new SharedArrayBuffer(WORDS * 4);
  const w = new Int32Array(queue);
  for (let i = 0; i < CAPACITY; i++) w[seqOf(kind, slotAt(i))] = claims(kind) ? i << 2 : i;
  return queue;
}

// The claim queue's slot word (layout as the kernel's): position << 2 | state, or a claim (bit 31) naming its claimant.
const PUBLISHED = 1;
const CLAIMED = 1 << 31;
const RECEIVER = 1 << 30;
/** A claim names the lap of its position (position / CAPACITY), as the kernel's does. */
const LAP_MASK = (1 << 18) - 1;
const lapOf = (p: number): number => Math.floor(p / CAPACITY) & LAP_MASK;

/** Moves a hint seen at `p` past it, with a plain store. */
function passHint(w: Int32Array, hint: number, p: number): void {
  if (w[hint] === p) w[hint] = p + 1;
}

/** Claims the next send position in its slot, naming worker `id`: the position. */
function claimSlotSend(w: Int32Array, id: number): number {
  for (;;) {
    const p = Atomics.load(w, TAIL);
    const at = seqOf('claim', slotAt(p));
    const word = Atomics.load(w, at);
    if (word === p << 2) {
      if (Atomics.compareExchange(w, at, word, CLAIMED | (id << 18) | lapOf(p)) !== word) continue;
      passHint(w, TAIL, p);
      return p;
    }
    // Taken for p (claimed, published, or freed for the next lap): pass it; else the lap before is still there: full.
    if (word < 0 ? (word & LAP_MASK) === lapOf(p) : word >>> 2 >= p) passHint(w, TAIL, p);
  }
}

/** Claims the next published position in its slot, naming worker `id`: the position. */
function claimSlotReceive(w: Int32Array, id: number): number {
  for (;;) {
    const h = Atomics.load(w, HEAD);
    const at = seqOf('claim', slotAt(h));
    const word = Atomics.load(w, at);
    if (word === ((h << 2) | PUBLISHED)) {
      if (Atomics.compareExchange(w, at, word, CLAIMED | RECEIVER | (id << 18) | lapOf(h)) !== word) continue;
      passHint(w, HEAD, h);
      return h;
    }
    // Taken by another receiver (or freed for the next lap): pass it; else empty, or its sender is writing it.
    if (word < 0 ? (word & RECEIVER) !== 0 && (word & LAP_MASK) === lapOf(h) : word >>> 2 > h) passHint(w, HEAD, h);
  }
}

/** An operation's note: stored (an Atomics store) before the destroyed flag is read. */
function enter(w: Int32Array, id: number): void {
  Atomics.store(w, NOTES + id * CACHE_LINE_WORDS, 1);
  if (w[FLAGS] !== 0) throw new Error('queue-floor: destroyed');
}

/** The note cleared (a plain store: x86 keeps stores in order). */
function leave(w: Int32Array, id: number): void {
  w[NOTES + id * CACHE_LINE_WORDS] = 0;
}

/** One send through a claim queue (`claim-noted`: inside a note). */
function sendThroughClaims(w: Int32Array, kind: Kind, id: number, message: Int32Array): void {
  if (kind === 'claim-noted') enter(w, id);
  const p = claimSlotSend(w, id);
  const at = slotAt(p);
  for (let k = 0; k < MESSAGE_WORDS; k++) w[at + k] = message[k]!;
  Atomics.store(w, seqOf(kind, at), (p << 2) | PUBLISHED);
  if (kind === 'claim-noted') leave(w, id);
}

/** One receive through a claim queue (`claim-noted`: inside a note). */
function receiveThroughClaims(w: Int32Array, kind: Kind, id: number, into: Int32Array): void {
  if (kind === 'claim-noted') enter(w, id);
  const h = claimSlotReceive(w, id);
  const at = slotAt(h);
  for (let k = 0; k < MESSAGE_WORDS; k++) into[k] = w[at + k]!;
  Atomics.store(w, seqOf(kind, at), (h + CAPACITY) << 2);
  if (kind === 'claim-noted') leave(w, id);
}

/** Claims the next send position (mpmc) once its slot is free: the position. */
function claimSend(w: Int32Array, kind: Kind): number {
  for (;;) {
    const position = Atomics.load(w, TAIL);
    const seq = Atomics.load(w, seqOf(kind, slotAt(position)));
    if (seq === position && Atomics.compareExchange(w, TAIL, position, position + 1) === position) return position;
  }
}

/** Claims the next receive position (mpmc) once its slot is published: the position. */
function claimReceive(w: Int32Array, kind: Kind): number {
  for (;;) {
    const position = Atomics.load(w, HEAD);
    const seq = Atomics.load(w, seqOf(kind, slotAt(position)));
    if (seq === position + 1 && Atomics.compareExchange(w, HEAD, position, position + 1) === position) return position;
  }
}

function mpmcSend(w: Int32Array, kind: Kind, message: Int32Array): void {
  const position = claimSend(w, kind);
  const at = slotAt(position);
  const seq = seqOf(kind, at);
  for (let k = 0; k < MESSAGE_WORDS; k++) if (at + k !== seq) w[at + k] = message[k]!;
  Atomics.store(w, seq, position + 1);
}

function mpmcReceive(w: Int32Array, kind: Kind, into: Int32Array): void {
  const position = claimReceive(w, kind);
  const at = slotAt(position);
  const seq = seqOf(kind, at);
  for (let k = 0; k < MESSAGE_WORDS; k++) into[k] = w[at + k]!;
  Atomics.store(w, seq, position + CAPACITY);
}

function spscSend(w: Int32Array, message: Int32Array, n: number): void {
  let tail = w[TAIL]!;
  let head = Atomics.load(w, HEAD);
  for (let i = 0; i < n; i++) {
    while (tail - head === CAPACITY) head = Atomics.load(w, HEAD);
    message[SEQUENCE_WORD] = i;
    const at = slotAt(tail);
    for (let k = 0; k < MESSAGE_WORDS; k++) w[at + k] = message[k]!;
    Atomics.store(w, TAIL, ++tail);
  }
}

function spscReceive(w: Int32Array, into: Int32Array, n: number): void {
  let head = w[HEAD]!;
  let tail = Atomics.load(w, TAIL);
  for (let i = 0; i < n; i++) {
    while (head === tail) tail = Atomics.load(w, TAIL);
    const at = slotAt(head);
    for (let k = 0; k < MESSAGE_WORDS; k++) into[k] = w[at + k]!;
    if (into[SEQUENCE_WORD] !== i) throw new Error(`queue-floor: message ${i} arrived as ${into[SEQUENCE_WORD]}`);
    Atomics.store(w, HEAD, ++head);
  }
}

/** A worker's part: produce or consume `count` messages in each of ROUNDS + 1 rounds (the first warms up), or serve `count` calls. */
function runJob(job: Job): void {
  const w = new Int32Array(job.queue);
  const c = new Int32Array(job.control);
  const message = new Int32Array(MESSAGE_WORDS);
  const rounds = job.role === 'server' ? 1 : ROUNDS + 1;
  for (let round = 1; round <= rounds; round++) {
    Atomics.wait(c, C_GO, round - 1);
    if (job.kind === 'spsc') {
      if (job.role === 'producer') spscSend(w, message, job.count);
      else spscReceive(w, message, job.count);
    } else if (job.role === 'server') {
      for (let i = 0; i < job.count; i++) {
        mpmcReceive(w, 'mpmc-second', message);
        // The reply: the request's sequence number, with one store into the caller's reply line.
        Atomics.store(w, REPLY, message[SEQUENCE_WORD]! + 1);
      }
    } else if (job.role === 'producer') {
      for (let i = 0; i < job.count; i++) {
        message[SEQUENCE_WORD] = i;
        if (claims(job.kind)) sendThroughClaims(w, job.kind, job.id, message);
        else mpmcSend(w, job.kind, message);
      }
    } else {
      let last = -1;
      for (let i = 0; i < job.count; i++) {
        if (claims(job.kind)) receiveThroughClaims(w, job.kind, job.id, message);
        else mpmcReceive(w, job.kind, message);
        // With one producer the order is the send order; with two, each producer's own order is kept.
        if (job.count === MESSAGES && message[SEQUENCE_WORD] !== last + 1) throw new Error(`queue-floor: message ${last + 1} arrived as ${message[SEQUENCE_WORD]}`);
        last = message[SEQUENCE_WORD]!;
      }
    }
    Atomics.add(c, C_DONE, 1);
    Atomics.notify(c, C_DONE);
  }
}

/** A throughput queue with `pairs` producers and consumers: M messages/s in each of ROUNDS rounds, after one that warms up. */
async function throughputRounds(kind: Kind, pairs: number): Promise<number[]> {
  const queue = kind === 'spsc' ? new SharedArrayBuffer(WORDS * 4) : newQueue(kind);
  const control = new SharedArrayBuffer(8);
  const count = MESSAGES / pairs;
  const workers: Worker[] = [];
  for (let i = 0; i < pairs; i++) {
    for (const role of ['consumer', 'producer'] as const) workers.push(new Worker(new URL(import.meta.url), { workerData: { kind, role, queue, control, count, id: workers.length } satisfies Job }));
  }
  const exits = workers.map((worker) => new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject)));
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
  const c = new Int32Array(control);
  const figures: number[] = [];
  for (let round = 1; round <= ROUNDS + 1; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const start = performance.now();
    Atomics.store(c, C_GO, round);
    Atomics.notify(c, C_GO);
    // This thread sleeps meanwhile: a third spinner on two cores would take a core from the queue.
    for (let done = Atomics.load(c, C_DONE); done < round * workers.length; done = Atomics.load(c, C_DONE)) Atomics.wait(c, C_DONE, done);
    if (round > 1) figures.push(MESSAGES / ((performance.now() - start) * 1000));
  }
  await Promise.all(exits);
  return figures;
}

/** One round of calls from this thread to a server worker through the mpmc queue: µs per call. */
async function callRound(): Promise<number> {
  const queue = newQueue('mpmc-second');
  const control = new SharedArrayBuffer(8);
  const server = new Worker(new URL(import.meta.url), { workerData: { kind: 'call', role: 'server', queue, control, count: CALLS, id: 0 } satisfies Job });
  await new Promise((resolve) => server.once('online', resolve));
  const w = new Int32Array(queue);
  const c = new Int32Array(control);
  Atomics.store(c, C_GO, 1);
  Atomics.notify(c, C_GO);
  const message = new Int32Array(MESSAGE_WORDS);
  const warm = 10_000;
  let start = 0;
  for (let i = 0; i < CALLS; i++) {
    if (i === warm) start = performance.now();
    message[SEQUENCE_WORD] = i;
    mpmcSend(w, 'mpmc-second', message);
    while (Atomics.load(w, REPLY) !== i + 1);
  }
  const us = ((performance.now() - start) * 1000) / (CALLS - warm);
  await new Promise((resolve) => server.once('exit', resolve));
  return us;
}

const ACCESSES = 10_000_000;

/** Sums ACCESSES Atomics.loads of `w` (64 words round). */
function atomicLoads(w: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < ACCESSES; i++) sum += Atomics.load(w, i & 63);
  return sum;
}

/** Sums ACCESSES plain loads of `w`. */
function plainLoads(w: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < ACCESSES; i++) sum += w[i & 63]!;
  return sum;
}

/** Nanoseconds per Atomics.load and per plain load of a shared Int32Array, in a loop each (the last of three runs). */
function accessCosts(): [number, number] {
  const w = new Int32Array(new SharedArrayBuffer(4096));
  const time = (loads: (w: Int32Array) => number): number => {
    let ns = 0;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      loads(w);
      ns = ((performance.now() - start) * 1e6) / ACCESSES;
    }
    return ns;
  };
  return [time(atomicLoads), time(plainLoads)];
}

function median(figures: number[]): number {
  return figures.sort((a, b) => a - b)[figures.length >> 1]!;
}

async function main(): Promise<void> {
  console.log(`queue floor · Node ${process.version} · ${os.availableParallelism()} cores · medians of ${ROUNDS} rounds · 64-byte messages, capacity ${CAPACITY}, spinning, no kernel`);
  const spsc = median(await throughputRounds('spsc', 1));
  console.log(`  spsc ring 1→1                 ${spsc.toFixed(2)} M msg/s`);
  for (const [label, kind] of [
    ['seq in line', 'mpmc-line'],
    ['seq in 2nd line', 'mpmc-second'],
  ] as const) {
    const one = median(await throughputRounds(kind, 1));
    console.log(`  mpmc 1→1, ${label.padEnd(16)}    ${one.toFixed(2)} M msg/s   ${((one / spsc) * 100).toFixed(0)}% of spsc`);
  }
  const two = median(await throughputRounds('mpmc-second', 2));
  console.log(`  mpmc 2→2, seq in 2nd line      ${two.toFixed(2)} M msg/s   (4 threads on ${os.availableParallelism()} cores)`);
  for (const [label, kind] of [
    ['claim', 'claim'],
    ['claim + note', 'claim-noted'],
  ] as const) {
    const one = median(await throughputRounds(kind, 1));
    const pairs = median(await throughputRounds(kind, 2));
    console.log(`  ${label.padEnd(13)} 1→1              ${one.toFixed(2)} M msg/s   ${((one / spsc) * 100).toFixed(0)}% of spsc;   2→2 ${pairs.toFixed(2)} M msg/s (${((pairs / two) * 100).toFixed(0)}% of mpmc 2→2)`);
  }
  const [atomic, plain] = accessCosts();
  console.log(`  one Atomics.load ${atomic.toFixed(2)} ns, one plain load ${plain.toFixed(2)} ns (a loop of ${ACCESSES.toLocaleString('en-US')}, this thread)`);
  const calls: number[] = [];
  for (let r = 0; r < ROUNDS; r++) calls.push(await callRound());
  const call = median(calls);
  const floor = await measureFloor(ROUNDS, 200);
  console.log(`  call through mpmc, main → worker, reply in the caller's line   ${call.toFixed(2)} µs   (raw Atomics round trip ${floor.toFixed(2)} µs: ${(call / floor).toFixed(1)}x)`);
}

if (isMainThread) await main();
else runJob(workerData as Job);
