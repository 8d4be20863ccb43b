/**
 * postMessage echo worker: answers every number with number + 1, on the
 * MessagePort given as `workerData.port`, or on parentPort when there is none.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

const port: MessagePort = (workerData as { port?: MessagePort } | undefined)?.port ?? parentPort!;
port.on('message', (value: number) => {
  if (value < 0) {
    port.close();
    return;
  }
  port.postMessage(value + 1);
});
