/**
 * rou2exOS producer task of the mailbox-one-way benchmark: on each go from
 * the consumer, send_data (0x36)s its share of the burst, 64 bytes each
 * (first word: index in the burst), into the consumer's mailbox. The
 * mailbox holds 10 messages and a full one answers EAGAIN, so the producer
 * does what a rou2exOS program must: tries again, after a short spin
 * between tries, for as long as the kernel's own waiters spin
 * (`data.spinMicros`, the kernel's spin); past that (the consumer is not
 * running: on a shared core it cannot run while the producer spins) it
 * sleeps YIELD_MS before each further try, as a program would give up its
 * time slice. Refusals and sleeps are added to `data.counters` (MB_* words)
 * per burst.
 */
import { attach } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { serveBursts } from './bursts.js';
import { EAGAIN, expectResult, MAILBOX_BENCH_BYTES, memoryWords, SYS_SEND_DATA } from './kipc-mailbox-common.js';
import { MB_REFUSED, MB_SENT, MB_YIELDS } from './kipc-mailbox-counters.js';

/** Byte offset of the message in this task's memory. */
const AT = 0;
/** Loads of a private word between two tries (a few hundred ns): the short spin. */
const SPIN_LOADS = 64;
/** How long the producer sleeps before each try once it has spun its time (ms). */
const YIELD_MS = 0.05;

const task = attach();
const { consumer, spinMicros, counters: countersBuffer, control: buffer } = task.data as {
  consumer: number;
  spinMicros: number;
  counters: SharedArrayBuffer;
  control: SharedArrayBuffer;
};
const spinMs = spinMicros / 1000;
const m = memoryWords(task);
const counters = new Int32Array(countersBuffer);
const idle = new Int32Array(new SharedArrayBuffer(4));

function sendBurst(n: number): void {
  let refused = 0;
  let yields = 0;
  for (let i = 0; i < n; i++) {
    m[AT >> 2] = i;
    for (let since = 0; ; ) {
      const result = task.syscall(SYS_SEND_DATA, consumer, AT, MAILBOX_BENCH_BYTES);
      if (result === 0) break;
      if (result !== -EAGAIN) expectResult('send_data', result, 0);
      refused++;
      const now = performance.now();
      if (since === 0) since = now;
      if (now - since < spinMs) {
        for (let k = 0; k < SPIN_LOADS; k++) Atomics.load(idle, 0);
      } else {
        yields++;
        Atomics.wait(idle, 0, 0, YIELD_MS);
      }
    }
  }
  Atomics.add(counters, MB_SENT, n);
  Atomics.add(counters, MB_REFUSED, refused);
  Atomics.add(counters, MB_YIELDS, yields);
}

const control = controlOf(buffer);
reportReady(control);
serveBursts(control, sendBurst);
