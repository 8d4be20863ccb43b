/**
 * The alternative side of the frames benchmark, and its driver: a plain
 * node:dgram socket in a worker, bound to 127.0.0.1 on a free port (written
 * to `stats[S_PORT]` for the sender), receiving the same datagrams the
 * kernel's UdpFrameLink would: what the socket alone allows. Every datagram
 * is checked (frame-common.ts) and, inside a round's window, counted.
 *
 * A round: tell the sender to blast, count the 'message' events until the
 * budget's timer fires, tell the sender to stop, then wait until QUIET_MS
 * pass without a datagram (so the next round starts empty). Reports
 * datagrams per second of the counted window.
 */
import { createSocket } from 'node:dgram';
import { workerData } from 'node:worker_threads';
import { controlOf } from '../control.js';
import { driveAsync, reportReady, type RoundResult } from './driver.js';
import { dismissSender, FrameChecker, QUIET_MS, S_COUNTED, S_DRAINED, S_PORT, S_STOPPED, startSender, stopSender } from './frame-common.js';

const { control: buffer, stats: statsBuffer } = workerData as { control: SharedArrayBuffer; stats: SharedArrayBuffer };
const control = controlOf(buffer);
const stats = new Int32Array(statsBuffer);
const checker = new FrameChecker();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const socket = createSocket('udp4');
await new Promise<void>((resolve, reject) => {
  socket.once('error', reject);
  socket.bind(0, '127.0.0.1', () => {
    socket.off('error', reject);
    resolve();
  });
});
let counting = false;
let counted = 0;
let lastArrival = 0;
socket.on('message', (datagram) => {
  checker.check(datagram, 0, datagram.length);
  lastArrival = performance.now();
  if (counting) counted++;
  else Atomics.add(stats, S_DRAINED, 1);
});

let go = 0;
async function round(budgetMs: number): Promise<RoundResult> {
  counted = 0;
  startSender(control, ++go);
  const start = performance.now();
  counting = true;
  await sleep(budgetMs);
  counting = false;
  const elapsed = performance.now() - start;
  const n = counted;
  stopSender(control);
  while (Atomics.load(stats, S_STOPPED) !== go) await sleep(1);
  while (performance.now() - lastArrival < QUIET_MS) await sleep(2);
  Atomics.add(stats, S_COUNTED, n);
  return { value: (n * 1000) / elapsed, ops: n };
}

Atomics.store(stats, S_PORT, socket.address().port);
Atomics.notify(stats, S_PORT);
reportReady(control);
await driveAsync(control, round);
dismissSender(control);
socket.close();
