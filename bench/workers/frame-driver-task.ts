/**
 * The network driver task of the frames benchmark (rou2exOS personality),
 * and the driver of its side: registers as the network driver with
 * net_register (0x37) port 0, so every frame the kernel's interface
 * receives lands in its mailbox, and takes them with receive_data (0x35,
 * mode 1: sleep while empty), checking each (frame-common.ts).
 *
 * A round: tell the sender to blast, count the frames received until the
 * budget has passed, tell the sender to stop, then drain what was still on
 * its way (polling with mode 0 until QUIET_MS pass without a frame), so the
 * next round starts empty. Reports frames per second of the counted window.
 */
import { attach } from '../../src/index.js';
import { controlOf } from '../control.js';
import { driveSync, reportReady, sleepMs, type RoundResult } from './driver.js';
import { expectResult, SYS_NET_REGISTER, SYS_RECEIVE_DATA } from './kipc-mailbox-common.js';
import { dismissSender, FrameChecker, QUIET_MS, S_COUNTED, S_DRAINED, S_STOPPED, startSender, stopSender } from './frame-common.js';

/** Byte offset in this task's memory that frames are received at (room for 2048 bytes). */
const AT = 0;

const task = attach();
const { control: buffer, stats: statsBuffer } = task.data as { control: SharedArrayBuffer; stats: SharedArrayBuffer };
const control = controlOf(buffer);
const stats = new Int32Array(statsBuffer);
const bytes = task.memory;
const checker = new FrameChecker();
let go = 0;

function round(budgetMs: number): RoundResult {
  startSender(control, ++go);
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    const length = task.syscall(SYS_RECEIVE_DATA, 1, AT);
    if (length <= 0) expectResult('receive_data(1)', length, 1);
    checker.check(bytes, AT, length);
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  stopSender(control);
  for (let stopped = Atomics.load(stats, S_STOPPED); stopped !== go; stopped = Atomics.load(stats, S_STOPPED)) {
    // Keep taking frames meanwhile: the sender waits for its last sends, which may need room here.
    const length = task.syscall(SYS_RECEIVE_DATA, 0, AT);
    if (length > 0) {
      checker.check(bytes, AT, length);
      Atomics.add(stats, S_DRAINED, 1);
    } else if (length < 0) expectResult('receive_data(0)', length, 0);
    else Atomics.wait(stats, S_STOPPED, stopped, 1);
  }
  for (let quiet = 0; quiet < QUIET_MS; ) {
    const length = task.syscall(SYS_RECEIVE_DATA, 0, AT);
    if (length > 0) {
      checker.check(bytes, AT, length);
      Atomics.add(stats, S_DRAINED, 1);
      quiet = 0;
    } else if (length < 0) {
      expectResult('receive_data(0)', length, 0);
    } else {
      sleepMs(1);
      quiet++;
    }
  }
  Atomics.add(stats, S_COUNTED, n);
  return { value: (n * 1000) / elapsed, ops: n };
}

expectResult('net_register(0)', task.syscall(SYS_NET_REGISTER, 0), 0);
reportReady(control);
driveSync(control, round);
dismissSender(control);
