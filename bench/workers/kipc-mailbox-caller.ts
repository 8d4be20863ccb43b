/**
 * rou2exOS caller task of the mailbox-roundtrip benchmark, and the driver
 * of its side: its time-boxed rounds send_data (0x36) a 64-byte request to
 * the echo task's mailbox and receive_data (0x35, mode 1: block) the reply
 * from its own, checking every reply, and report µs per round trip. The
 * request's second word is this task's pid, where the echo sends back.
 * After the last round, tells the echo task to leave.
 */
import { attach } from '../../src/index.js';
import { controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import { expectResult, MAILBOX_BENCH_BYTES, MAILBOX_STOP, memoryWords, SYS_RECEIVE_DATA, SYS_SEND_DATA } from './kipc-mailbox-common.js';

/** Byte offsets of the request and of the reply in this task's memory. */
const REQUEST = 0;
const REPLY = 64;
/** Round trips between two looks at the clock. */
const CALL_BATCH = 256;

const task = attach();
const { echo, control: buffer } = task.data as { echo: number; control: SharedArrayBuffer };
const m = memoryWords(task);
m[(REQUEST >> 2) + 1] = task.pid;

function round(budgetMs: number): RoundResult {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < CALL_BATCH; i++) {
      m[REQUEST >> 2] = n;
      const sent = task.syscall(SYS_SEND_DATA, echo, REQUEST, MAILBOX_BENCH_BYTES);
      if (sent !== 0) expectResult('send_data', sent, 0);
      const got = task.syscall(SYS_RECEIVE_DATA, 1, REPLY);
      if (got !== MAILBOX_BENCH_BYTES) expectResult('receive_data(1)', got, MAILBOX_BENCH_BYTES);
      if (m[REPLY >> 2] !== n + 1) throw new Error(`bench: echo answered ${m[REPLY >> 2]} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

const control = controlOf(buffer);
reportReady(control);
driveSync(control, round);
m[REQUEST >> 2] = MAILBOX_STOP;
expectResult('send_data (stop)', task.syscall(SYS_SEND_DATA, echo, REQUEST, MAILBOX_BENCH_BYTES), 0);
