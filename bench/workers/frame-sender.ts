/**
 * Sender of the frames benchmark (a plain worker): a node:dgram socket
 * connected to 127.0.0.1:`stats[S_PORT]` that, on each go from its side's
 * driver, sends numbered Ethernet frames of 64 to 128 bytes (frame-common.ts)
 * as UDP datagrams, one frame per datagram, as fast as the socket takes
 * them, until told to stop. It yields to its event loop every BATCH sends
 * (the completions run there) and keeps at most POOL sends in flight, each
 * from a buffer of its own.
 */
import { createSocket } from 'node:dgram';
import { workerData } from 'node:worker_threads';
import { C_PEER_COUNT, C_PEER_GO, controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { FRAME_MAX_BYTES, frameTemplates, S_PORT, S_SEND_ERRORS, S_SENT, S_STOPPED, stampFrame } from './frame-common.js';

/** Sends between two turns of the event loop. */
const BATCH = 64;
/** Most sends in flight (and buffers). */
const POOL = 1024;

const { control: buffer, stats: statsBuffer } = workerData as { control: SharedArrayBuffer; stats: SharedArrayBuffer };
const control = controlOf(buffer);
const words = control.words;
const stats = new Int32Array(statsBuffer);

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits, without blocking the event loop, until C_PEER_GO is not `seen`; returns it. */
async function nextGo(seen: number): Promise<number> {
  const waited = Atomics.waitAsync(words, C_PEER_GO, seen);
  if (waited.async) {
    const keepAlive = setInterval(() => {}, 1 << 30);
    await waited.value;
    clearInterval(keepAlive);
  }
  return Atomics.load(words, C_PEER_GO);
}

const socket = createSocket('udp4');
await new Promise<void>((resolve, reject) => {
  socket.once('error', reject);
  socket.connect(Atomics.load(stats, S_PORT), '127.0.0.1', () => {
    socket.off('error', reject);
    resolve();
  });
});
// A refused send (nobody listening for a moment) is counted by its callback, not thrown.
socket.on('error', () => {});

const templates = frameTemplates();
const pool = Array.from({ length: POOL }, () => Buffer.alloc(FRAME_MAX_BYTES));
let sequence = 0;
let inFlight = 0;
let sent = 0;
let errors = 0;
const onSent = (error: Error | null): void => {
  inFlight--;
  if (error) errors++;
  else sent++;
};

reportReady(control);
for (let go = 0; ; ) {
  go = await nextGo(go);
  if (go < 0) break;
  while (Atomics.load(words, C_PEER_COUNT) === 1) {
    for (let k = 0; k < BATCH && inFlight < POOL; k++) {
      const frame = pool[sequence % POOL]!;
      const length = stampFrame(frame, templates, sequence++);
      inFlight++;
      socket.send(frame.subarray(0, length), onSent);
    }
    await immediate();
  }
  while (inFlight > 0) await immediate();
  Atomics.add(stats, S_SENT, sent);
  Atomics.add(stats, S_SEND_ERRORS, errors);
  sent = errors = 0;
  Atomics.store(stats, S_STOPPED, go);
  Atomics.notify(stats, S_STOPPED);
}
socket.close();
