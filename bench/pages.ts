/**
 * The page IPC benchmarks (docs/objects/pages.md): 1 MiB (256 pages of 4 KiB)
 * from one task to another and back, in GB/s counting 1 MiB per round
 * trip (one direction; round trips/s = GB/s × 954, and each side's label
 * ends with its round trips/s and µs per round trip).
 *
 * - pages-move (≥ 10x): a sender task moves the pages to a receiver task,
 *   which checks them and moves them back.
 * - pages-share (≥ 10x): the sender shares them (`keep`); the receiver
 *   checks them, writes its answer into them, unmaps them (abandons the
 *   delivery) and acks with a 1-page share of its own.
 * - pages-duplicate (informational): the kernel copies them for the
 *   receiver (`duplicate`), which checks its copy, drops it (abandons) and
 *   acks as in share.
 *   These three against postMessage of a 1 MiB ArrayBuffer with a transfer
 *   list, transferred back.
 * - pages-clone (informational): duplicate again, against the copy
 *   postMessage makes, a structured clone of a 1 MiB Uint8Array (no
 *   transfer list), acked with a number: copy one way and ack, on both
 *   sides.
 *
 * Both kipc tasks take deliveries with the synchronous
 * `pages.dispatch({ timeout })` and never yield to their event loop while
 * a round runs (workers/kipc-pages-sender.ts, kipc-pages-receiver.ts), as
 * roundtrip's tasks block in `port.call` / `receive`; the postMessage
 * workers can only answer from their event loops
 * (workers/pm-pages-caller.ts, pm-pages-echo.ts). Every transfer is
 * checked: a stamp in every page, an answer written by the receiver
 * (kipc-pages-common.ts).
 */
import { type Benchmark, finishOpening, openBoth, openWorkerSide, type RoundFigure, type Side } from './harness.js';
import { MessageChannel } from 'node:worker_threads';
import { kernelSide } from './kipc-side.js';
import { median } from './stats.js';
import { type PageMode, type PostMode, TRANSFER_BYTES, TRANSFER_PAGES } from './workers/kipc-pages-common.js';

/**
 * The kernel's page pool. A duplicate round trip has at most 256 + 256
 * (the copy) + 2 (ack, stop) pages out, the others fewer, and the kernel
 * default (1024 pages, 4 MiB) holds that; set here so that a smaller
 * default would not fail the run.
 */
const POOL_PAGES = 1024;

/** `side`, whose label ends with its round trips/s and µs per round trip (median over all its rounds, warm-up included). */
export function withRoundTrips(side: Side): Side {
  const rates: number[] = [];
  return {
    get label() {
      if (rates.length === 0) return side.label;
      const perSecond = median(rates);
      return `${side.label}; ${perSecond.toFixed(0)} round trips/s, ${(1e6 / perSecond).toFixed(0)} µs each (median of all its rounds)`;
    },
    async round(budgetMs: number): Promise<RoundFigure> {
      const figure = await side.round(budgetMs);
      rates.push((figure.value * 1e9) / TRANSFER_BYTES);
      return figure;
    },
    close: () => side.close(),
  };
}

const KIPC_LABELS: Record<PageMode, string> = {
  move: 'pages.send of 256 pages (move) → receiver task checks them and moves them back',
  share:
    'pages.send of 256 pages with keep (shared) → receiver task checks them, writes its answer into them, unmaps them (abandon) and acks with a 1-page share',
  duplicate:
    'pages.send of 256 pages with duplicate (the kernel copies 1 MiB) → receiver task checks its copy, drops it (abandon) and acks with a 1-page share',
};

/**
 * A kernel with a receiver task and a sender task (which drives the
 * rounds) moving 1 MiB in `mode`; `events`: the receiver runs its handler
 * on its event loop instead of in a dispatch loop; `processes`: both tasks
 * are child processes (process-pages-move, processes.ts).
 */
export async function openKipcPages(mode: PageMode, events = false, processes = false): Promise<Side> {
  const how = events ? 'sender pages.dispatch({ timeout }), receiver handler on its event loop' : 'pages.dispatch({ timeout }) on both sides';
  const { side, control, spawn } = kernelSide(`${KIPC_LABELS[mode]}; ${how}, ${processes ? 'process ↔ process' : 'worker ↔ worker'}`, { pages: POOL_PAGES, processes });
  await finishOpening(side, async () => {
    const receiver = spawn('receiver', 'kipc-pages-receiver', { data: { mode, events, control: control.buffer } });
    spawn('sender', 'kipc-pages-sender', { data: { mode, peer: receiver.pid, control: control.buffer } });
    await side.ready(2);
  });
  return withRoundTrips(side);
}

const POST_LABELS: Record<PostMode, string> = {
  transfer: 'postMessage of a 1 MiB ArrayBuffer with a transfer list → echo worker checks it and transfers it back',
  clone: 'postMessage of a 1 MiB Uint8Array without a transfer list (structured clone copies it) → echo worker checks its copy and answers with a number',
};

/** A caller worker (the driver) and an echo worker joined by a MessageChannel, moving 1 MiB in `mode`. */
export async function openPostedPages(mode: PostMode): Promise<Side> {
  const { port1, port2 } = new MessageChannel();
  const side = await openWorkerSide(
    `${POST_LABELS[mode]}, worker ↔ worker`,
    [
      { name: 'pm-pages-echo', module: 'pm-pages-echo', workerData: { port: port2, mode }, transferList: [port2] },
      { name: 'pm-pages-caller', module: 'pm-pages-caller', workerData: { port: port1, mode }, transferList: [port1] },
    ],
    1, // the echo worker just answers; it does not report ready
  );
  return withRoundTrips(side);
}

const TITLE = `${TRANSFER_BYTES >> 20} MiB (${TRANSFER_PAGES} pages) task → task and back`;
const UNIT_NOTE = 'GB/s counts 1 MiB per round trip';

function versusTransfer(mode: PageMode, speedup: number | undefined): Benchmark {
  return {
    name: `pages-${mode}`,
    title: `${TITLE}, page IPC ${mode} vs postMessage transfer (${UNIT_NOTE})${speedup === undefined ? ' (informational)' : ''}`,
    unit: 'GB/s',
    operation: 'round trip',
    targets: speedup === undefined ? [] : [{ kind: 'speedup', value: speedup }],
    open: () => openBoth(() => openKipcPages(mode), () => openPostedPages('transfer')),
  };
}

export const pagesMove = versusTransfer('move', 10);
export const pagesShare = versusTransfer('share', 10);
export const pagesDuplicate = versusTransfer('duplicate', undefined);

export const pagesClone: Benchmark = {
  name: 'pages-clone',
  title: `${TITLE}, copied one way and acked: page IPC duplicate vs postMessage structured clone (${UNIT_NOTE}) (informational)`,
  unit: 'GB/s',
  operation: 'round trip',
  targets: [],
  open: () => openBoth(() => openKipcPages('duplicate'), () => openPostedPages('clone')),
};
