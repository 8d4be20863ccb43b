/** postMessage side of the value-call benchmark: posts every value it gets back to the parent, until null. */
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (value: unknown) => {
  if (value === null) {
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(value);
});
