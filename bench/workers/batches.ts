/**
 * Batched one-way bursts for kipc task workers, shared by ports and channel
 * ends (anything with `sendMany` / `receiveMany` over 64-byte message
 * batches): the producer numbers every message of the burst, the consumer
 * checks that each arrives in order.
 */
import { Message } from '../../src/index.js';
import { REQUEST_TYPE } from './kipc-common.js';
import { MESSAGE_WORDS, SEQUENCE_WORD, TYPE_WORD } from './message-layout.js';

export interface BatchSender {
  sendMany(batch: Uint8Array, count: number): number;
}
export interface BatchReceiver {
  receiveMany(batch: Uint8Array, max: number): number;
}

/** A burst sender of `batch` messages per call: sends n numbered requests. */
export function batchedSender(sender: BatchSender, batch: number): (n: number) => void {
  const buffer = Message.batch(batch);
  const words = new Int32Array(buffer.buffer);
  for (let k = 0; k < batch; k++) words[k * MESSAGE_WORDS + TYPE_WORD] = REQUEST_TYPE;
  return (n) => {
    let sent = 0;
    while (sent < n) {
      const count = Math.min(batch, n - sent);
      for (let k = 0; k < count; k++) words[k * MESSAGE_WORDS + SEQUENCE_WORD] = sent + k;
      sent += sender.sendMany(buffer, count);
    }
  };
}

/** A burst receiver of up to `batch` messages per call: receives n and checks their order. */
export function batchedReceiver(receiver: BatchReceiver, batch: number): (n: number) => void {
  const buffer = Message.batch(batch);
  const words = new Int32Array(buffer.buffer);
  return (n) => {
    let received = 0;
    while (received < n) {
      const got = receiver.receiveMany(buffer, Math.min(batch, n - received));
      for (let k = 0; k < got; k++) {
        const sequence = words[k * MESSAGE_WORDS + SEQUENCE_WORD]!;
        if (sequence !== received + k) throw new Error(`bench: message ${received + k} of the burst arrived as ${sequence}`);
      }
      received += got;
    }
  };
}
