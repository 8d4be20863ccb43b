/**
 * kipc receiver task of the page benchmarks: takes each 1 MiB delivery
 * from the sender, checks every page's stamp, writes its answer into word 1
 * of the first page (kipc-pages-common.ts), then, by `data.mode`:
 *
 * - move: accepts the pages and moves them back (`send` of the same
 *   address, no `keep`);
 * - share, duplicate: abandons them (unmapped here; shared frames stay
 *   with the sender, a duplicate's copies go back to the pool) and acks
 *   with one page of its own, allocated once, shared (`keep`) with the
 *   answer in its word 0.
 *
 * Deliveries are taken with the synchronous `pages.dispatch({ timeout })`
 * (like the sender), so the handler runs inside that call; it accepts or
 * abandons before it answers, so the sender's in-flight charge is lifted
 * before the answer arrives. With `data.events`, the task instead returns to its event loop
 * and lets `task.pages` run the handler as an upcall (kept to compare the
 * two ways; not a registered benchmark). Leaves on a STOP_TYPE delivery.
 */
import { attach, type PageDelivery } from '../../src/index.js';
import { controlOf } from '../control.js';
import { reportReady } from './driver.js';
import { ACK_TYPE, checkAndAnswer, DATA_TYPE, type PageMode, STOP_TYPE, TRANSFER_WORDS } from './kipc-pages-common.js';

const task = attach();
const { mode, events, control } = task.data as { mode: PageMode; events?: boolean; control: SharedArrayBuffer };
const pages = task.pages;
const ackAddr = mode === 'move' ? -1 : pages.alloc(1);
const ackView = ackAddr < 0 ? undefined : pages.view(ackAddr, 1);
const ackWords = ackView && new Int32Array(ackView.buffer, ackView.byteOffset, 1);
const back = { receiverWrites: true };
const ackOptions = { keep: true };
let last = -1;
let stopped = false;
let failure: unknown;

function take(d: PageDelivery): void {
  const view = d.view();
  const seq = checkAndAnswer(new Int32Array(view.buffer, view.byteOffset, TRANSFER_WORDS), last);
  last = seq;
  if (mode === 'move') {
    d.accept();
    pages.send(d.sender, DATA_TYPE, d.addr, d.npages, back);
  } else {
    d.abandon();
    ackWords![0] = seq + 1;
    pages.send(d.sender, ACK_TYPE, ackAddr, 1, ackOptions);
  }
}

const unregisterStop = pages.handle(STOP_TYPE, (d) => {
  d.abandon();
  stopped = true;
});

/** dispatch loop: what the handler throws is rethrown by the loop (task.pages would only rethrow it on a microtask, which this loop never lets run). */
function guardedTake(d: PageDelivery): void {
  try {
    take(d);
  } catch (error) {
    failure ??= error;
    d.abandon();
  }
}

// Upcalls (events): a throw fails the task, as task.pages rethrows it.
const unregisterData = pages.handle(DATA_TYPE, events ? take : guardedTake);
// Ready once its handlers are registered: a send before that would find none (NotFoundError).
reportReady(controlOf(control));

if (events) {
  const poll = setInterval(() => {
    if (!stopped) return;
    clearInterval(poll);
    unregisterData();
    unregisterStop();
  }, 50);
} else {
  while (!stopped) {
    pages.dispatch({ timeout: Infinity });
    if (failure !== undefined) throw failure;
  }
  // Ends task.pages' upcall loop, which handle() started and this task never let run.
  unregisterData();
  unregisterStop();
}
