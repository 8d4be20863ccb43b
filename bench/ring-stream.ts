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
 * - no kernel (the ceiling): a bare two-thread stream (bare-stream.ts),
 *   the same chunks copied the same two times between two workers through
 *   a shared ring of the same size, with no kernel, lock or wake-up. The
 *   target is kipc's share of it.
 */
import { openBareStream } from './bare-stream.js';
import { type Benchmark, openBoth } from './harness.js';
import { openKipcTasks } from './kipc-side.js';
import { openPostMessagePairs } from './pm-side.js';
import { RING_BYTES } from './workers/chunks.js';

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
  openCeiling: openBareStream,
};
