/**
 * The worker of the synckit pattern, written out: requests `{ id, args }`
 * arrive on parentPort; the answer `{ id, result }` is posted on the
 * MessagePort the caller reads with receiveMessageOnPort, then the shared
 * flag is bumped and notified to wake the caller's Atomics.wait.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

const { port, flag: buffer } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const flag = new Int32Array(buffer);

function increment(value: number): number {
  return value + 1;
}

parentPort!.on('message', async ({ id, args }: { id: number; args: [number] }) => {
  if (id < 0) {
    parentPort!.close();
    port.close();
    return;
  }
  const result = await increment(...args);
  port.postMessage({ id, result });
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
});
