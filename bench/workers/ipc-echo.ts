/**
 * Child process for the process benchmarks' alternative: over Node's IPC
 * channel (child_process.fork, `process.send`), answers every number with
 * number + 1; to a one-way stream of messages it answers only 'count'
 * with how many it has had; a negative number ends it. With the advanced
 * serialization, a 1 MiB byte array (process-pages-move) is checked and
 * answered as the page benchmarks' receivers do (kipc-pages-common.ts),
 * then sent back.
 */
import { checkAndAnswer, TRANSFER_WORDS } from './kipc-pages-common.js';

let received = 0;
let lastPages = -1;
process.on('message', (message: number | string | Uint8Array) => {
  if (message instanceof Uint8Array) {
    // A deserialized array may start at any byte: its words are read from an aligned copy.
    const words = message.byteOffset % 4 === 0 ? new Int32Array(message.buffer, message.byteOffset, TRANSFER_WORDS) : new Int32Array(message.slice().buffer);
    lastPages = checkAndAnswer(words, lastPages);
    process.send!(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  } else if (typeof message === 'number') {
    if (message < 0) {
      process.disconnect();
      return;
    }
    process.send!(message + 1);
  } else if (message === 'count') {
    process.send!(received);
  } else {
    received++;
  }
});
