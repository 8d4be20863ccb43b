/**
 * rou2exOS echo task of the mailbox-roundtrip benchmark, written as a
 * rou2exOS program would be: receive_data (0x35, mode 1: block) into its
 * memory, add one to the message's first word, and send_data (0x36) the
 * same 64 bytes back to the pid the caller wrote in its second word (the
 * ABI tells a receiver the length only, so the caller says who it is).
 * Leaves at a message whose first word is MAILBOX_STOP.
 */
import { attach } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { expectResult, MAILBOX_BENCH_BYTES, MAILBOX_STOP, memoryWords, SYS_RECEIVE_DATA, SYS_SEND_DATA } from './kipc-mailbox-common.js';

/** Byte offset of the message in this task's memory (word 0: sequence, word 1: the caller's pid). */
const AT = 0;

const task = attach();
const { control: buffer } = task.data as { control: SharedArrayBuffer };
const m = memoryWords(task);

function serve(): void {
  for (;;) {
    expectResult('receive_data(1)', task.syscall(SYS_RECEIVE_DATA, 1, AT), MAILBOX_BENCH_BYTES);
    if (m[AT >> 2] === MAILBOX_STOP) return;
    m[AT >> 2] += 1;
    expectResult('send_data', task.syscall(SYS_SEND_DATA, m[(AT >> 2) + 1], AT, MAILBOX_BENCH_BYTES), 0);
  }
}

reportReady(controlOf(buffer));
serve();
