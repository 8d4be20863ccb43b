/**
 * rou2exOS consumer task of the mailbox-one-way benchmark, and the driver
 * of its side: its rounds are timed bursts (bursts.ts) of 64-byte messages
 * taken from its own mailbox with receive_data (0x35, mode 1: sleep while
 * empty), each checked to arrive in order.
 */
import { attach } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { driveBurstRounds, SHARED_MESSAGE_BURSTS } from './bursts.js';
import { expectResult, MAILBOX_BENCH_BYTES, memoryWords, SYS_RECEIVE_DATA } from './kipc-mailbox-common.js';

/** Byte offset in this task's memory that messages are received at. */
const AT = 0;

const task = attach();
const { control: buffer } = task.data as { control: SharedArrayBuffer };
const m = memoryWords(task);

function receiveBurst(n: number): void {
  for (let i = 0; i < n; i++) {
    const got = task.syscall(SYS_RECEIVE_DATA, 1, AT);
    if (got !== MAILBOX_BENCH_BYTES) expectResult('receive_data(1)', got, MAILBOX_BENCH_BYTES);
    if (m[AT >> 2] !== i) throw new Error(`bench: message ${i} of the burst arrived as ${m[AT >> 2]}`);
  }
}

const control = controlOf(buffer);
reportReady(control);
driveBurstRounds(control, SHARED_MESSAGE_BURSTS, receiveBurst);
