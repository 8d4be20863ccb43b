/**
 * kipc sender task of the page benchmarks, and the driver of its side: per
 * round, for the round's time budget, sends 1 MiB (256 pages) to the
 * receiver task (`data.peer`) and waits for it to come back, in
 * `data.mode`:
 *
 * - move: `send` moves the pages (they leave this task's space); the
 *   receiver moves them back, and they are mapped again here (at the same
 *   address: the space is empty by then), from where the next round trip
 *   sends them.
 * - share: `send` with `keep`: both map the same frames; the receiver
 *   writes its answer into them, unmaps them (abandons the delivery) and
 *   acks with 1 page of its own, shared; this task reads the answer through
 *   its own mapping and abandons the ack page.
 * - duplicate: `send` with `duplicate`: the kernel copies the 1 MiB into
 *   fresh frames for the receiver, which checks and abandons them (they go
 *   back to the pool) and acks as in share; word 1 here stays 0.
 *
 * Every send lets the receiver write (`receiverWrites`), so that both
 * sides read and write the pages through `view()` (a read-only mapping has
 * no view, only copies). Deliveries are taken with the synchronous
 * `pages.dispatch({ timeout })`: this task never yields to its event loop
 * while a round runs. Its handlers accept or abandon explicitly, and what
 * one throws is kept and rethrown by the loop: `task.pages` rethrows it on
 * a microtask, which a task that does not yield never runs. Reports GB/s
 * counting 1 MiB per round trip.
 */
import { attach, type PageDelivery } from '../../src/index.js';
import { controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import {
  ACK_TYPE,
  checkAnswer,
  DATA_TYPE,
  gigabytesPerSecond,
  type PageMode,
  PEER_TIMEOUT_MS,
  stampPages,
  STOP_TYPE,
  TRANSFER_PAGES,
  TRANSFER_WORDS,
} from './kipc-pages-common.js';

const task = attach();
const { peer, mode, control: buffer } = task.data as { peer: number; mode: PageMode; control: SharedArrayBuffer };
const control = controlOf(buffer);
const pages = task.pages;
const wait = { timeout: PEER_TIMEOUT_MS };
const sendOptions = { keep: mode === 'share', duplicate: mode === 'duplicate', receiverWrites: true };

/** Where the 1 MiB is mapped in this task's space. */
let addr = pages.alloc(TRANSFER_PAGES);
/** What the last delivery brought: the returned pages' address (move), or the ack's value; -1 until it came. */
let received = -1;
/** An error a handler threw (task.pages would only rethrow it on a microtask). */
let failure: unknown;

function wordsAt(at: number): Int32Array {
  const view = pages.view(at, TRANSFER_PAGES);
  return new Int32Array(view.buffer, view.byteOffset, TRANSFER_WORDS);
}

/** `handler`, catching what it throws for the loop to rethrow (abandoning the pages if it had not decided yet). */
function guarded(handler: (d: PageDelivery) => void): (d: PageDelivery) => void {
  return (d) => {
    try {
      handler(d);
    } catch (error) {
      failure ??= error;
      d.abandon();
    }
  };
}

const onData = (d: PageDelivery): void => {
  d.accept();
  received = d.addr;
};
const onAck = (d: PageDelivery): void => {
  received = new Int32Array(d.read(0, 4).buffer)[0]!;
  d.abandon();
};
/** move: the pages come back as DATA_TYPE; share, duplicate: a 1-page ack. */
const unregister = mode === 'move' ? pages.handle(DATA_TYPE, guarded(onData)) : pages.handle(ACK_TYPE, guarded(onAck));

function awaitDelivery(): number {
  received = -1;
  while (received < 0) {
    pages.dispatch(wait);
    if (failure !== undefined) throw failure;
  }
  return received;
}

let seq = 0;
/**
 * The pages as this task sees them. share, duplicate: they stay mapped, so
 * one view serves the run; move: a view of the pages as they came back,
 * which also stamps the next round trip.
 */
let words = wordsAt(addr);

function roundTrip(): void {
  stampPages(words, seq);
  pages.send(peer, DATA_TYPE, addr, TRANSFER_PAGES, sendOptions);
  const got = awaitDelivery();
  if (mode === 'move') {
    addr = got;
    words = wordsAt(addr);
    checkAnswer('word 1 of the pages moved back', words[1]!, seq + 1);
  } else {
    checkAnswer('the ack', got, seq + 1);
    checkAnswer(`word 1 of the ${mode === 'share' ? 'shared' : 'duplicated'} pages here`, words[1]!, mode === 'share' ? seq + 1 : 0);
  }
  seq++;
}

function timeRoundTrips(budgetMs: number): RoundResult {
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    roundTrip();
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: gigabytesPerSecond(n, elapsed), ops: n };
}

reportReady(control);
driveSync(control, timeRoundTrips);
// Dismiss the receiver: one page of type STOP_TYPE.
pages.send(peer, STOP_TYPE, pages.alloc(1), 1);
// Ends task.pages' upcall loop, which handle() started and this task never let run.
unregister();
