/**
 * Benchmark 8: byte-stream throughput of a Ring, 64 KiB writes from one
 * writer task to one reader task, in GB/s, measured until the reader has
 * read the whole burst.
 *
 * - kipc: init creates a ring of RING_BYTES (1 MiB) and grants it to both
 *   tasks; the writer `ring.write`s 64 KiB chunks (not `whole`: see
 *   workers/kipc-ring-writer.ts), the reader `ring.read`s into a 64 KiB
 *   buffer. The kernel copies each byte twice: into the ring and out of it.
 * - alternative: postMessage of 64 KiB ArrayBuffers with a transfer list
 *   (no copy, but a new buffer per chunk), at most RING_BYTES in flight.
 * - no kernel (the ceiling): the same two copies per chunk with
 *   Uint8Array.set in one thread, through a buffer of the ring's size: what
 *   memory bandwidth allows for kipc's way of moving the bytes. The target
 *   is kipc's share of it. The buffers fit in cache, so this is one core's
 *   copy bandwidth; kipc's two tasks also move each line between cores.
 *   Its figure is the round's fastest pass round the buffer (see
 *   workers/copy-twice.ts), so a busy machine lowers kipc's share rather
 *   than the ceiling.
 */
import { type Benchmark, openBoth, openWorkerSide, type Side } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostMessagePairs } from './pm-side.js';
import { RING_BYTES } from './workers/chunks.js';

function openCopyTwice(): Promise<Side> {
  return openWorkerSide(
    `Uint8Array.set twice per 64 KiB chunk (into a ${RING_BYTES >> 20} MiB buffer and out), one thread, fastest pass: memory bandwidth`,
    [{ name: 'copy-twice', module: 'copy-twice' }],
  );
}

export const ringStream: Benchmark = {
  name: 'ring-stream',
  title: `ring byte stream, 64 KiB writes, 1 writer task → 1 reader task, ring of ${RING_BYTES >> 20} MiB`,
  unit: 'GB/s',
  operation: '64 KiB chunk',
  targets: [{ kind: 'share-of-ceiling', value: 0.5 }],
  open: () =>
    openBoth(
      () =>
        openKipcTasks(
          'ring.write (64 KiB) → ring.read (into 64 KiB), worker → worker',
          (init) => [init.createRing(RING_BYTES)],
          [
            { name: 'reader', module: 'kipc-ring-reader', grants: [0] },
            { name: 'writer', module: 'kipc-ring-writer', grants: [0] },
          ],
        ),
      () =>
        openPostMessagePairs(`postMessage of 64 KiB ArrayBuffers with a transfer list, at most ${RING_BYTES >> 20} MiB in flight, worker → worker`, {
          consumer: 'pm-transfer-consumer',
          producer: 'pm-transfer-producer',
          data: { window: new SharedArrayBuffer(4) },
        }),
    ),
  openCeiling: openCopyTwice,
};
