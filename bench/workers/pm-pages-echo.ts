/**
 * postMessage echo of the page benchmarks: checks each 1 MiB it gets on
 * `workerData.port` and writes its answer into word 1
 * (kipc-pages-common.ts), then sends the ArrayBuffer back with a transfer
 * list (`mode` transfer) or answers with seq + 1 (`mode` clone: it got a
 * copy, which it drops). Leaves on -1.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { checkAndAnswer, type PostMode, TRANSFER_WORDS } from './kipc-pages-common.js';

const { port, mode } = workerData as { port: MessagePort; mode: PostMode };
let last = -1;

port.on('message', (message: ArrayBuffer | Uint8Array | number) => {
  if (message === -1) {
    port.close();
    return;
  }
  if (mode === 'transfer') {
    const buffer = message as ArrayBuffer;
    last = checkAndAnswer(new Int32Array(buffer, 0, TRANSFER_WORDS), last);
    port.postMessage(buffer, [buffer]);
  } else {
    const bytes = message as Uint8Array;
    last = checkAndAnswer(new Int32Array(bytes.buffer, bytes.byteOffset, TRANSFER_WORDS), last);
    port.postMessage(last + 1);
  }
});
