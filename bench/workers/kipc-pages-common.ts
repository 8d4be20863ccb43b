/**
 * The 1 MiB transfers of the page benchmarks (pages.ts), shared by the
 * kipc tasks (kipc-pages-sender, kipc-pages-receiver) and the postMessage
 * workers (pm-pages-caller, pm-pages-echo); nothing here touches a kernel.
 *
 * The sender stamps round trip `seq` into word 0 of the first and of the
 * last 4 KiB page and clears word 1 of the first; the receiver checks that
 * both carry the same stamp, one more than the last it saw, then writes
 * seq + 1 into word 1 of the first page. So a transfer that arrives stale,
 * twice, cut short or from the wrong buffer fails the run. Word 1 then
 * tells the sender what it got back: the receiver's write (move, share,
 * transfer) or its own 0 (duplicate, clone: the receiver wrote into a
 * copy).
 *
 * Only the two ends are touched, as ring-stream's chunks are: touching
 * every page (one word each) means 256 cache lines written on one core and
 * read on the other per direction, which costs both sides alike (tens of
 * µs per round trip on this VM) and would measure the machine's
 * core-to-core traffic more than the transfer.
 */

/** Pages per transfer: 1 MiB, the most one kipc send may carry (MAX_SEND_PAGES). */
export const TRANSFER_PAGES = 256;
export const PAGE_BYTES = 4096;
export const TRANSFER_BYTES = TRANSFER_PAGES * PAGE_BYTES;
const PAGE_WORDS = PAGE_BYTES / 4;
export const TRANSFER_WORDS = TRANSFER_BYTES / 4;
/** Word 0 of the last page. */
const LAST_PAGE = TRANSFER_WORDS - PAGE_WORDS;

/** How the kipc side hands the pages over (the send flags of docs/objects/pages.md). */
export type PageMode = 'move' | 'share' | 'duplicate';
/** How the postMessage side does: a transfer list, or a structured-clone copy. */
export type PostMode = 'transfer' | 'clone';

/** Page message types of the kipc tasks: the 1 MiB transfer, the 1-page ack, and the stop. */
export const DATA_TYPE = 1;
export const ACK_TYPE = 2;
export const STOP_TYPE = 3;

/** How long a task waits for its peer's delivery before failing the run (a lost delivery is an error, not a hang). */
export const PEER_TIMEOUT_MS = 20_000;

/** The sender's stamp of round trip `seq`. */
export function stampPages(words: Int32Array, seq: number): void {
  words[0] = seq;
  words[LAST_PAGE] = seq;
  words[1] = 0;
}

/**
 * The receiver's check: the first and last pages stamped with the same
 * sequence number, one more than `last`. Writes seq + 1 into word 1 of the first page and
 * returns seq.
 */
export function checkAndAnswer(words: Int32Array, last: number): number {
  const seq = words[0]!;
  if (seq !== last + 1) throw new Error(`bench: got round trip ${seq} after ${last}`);
  if (words[LAST_PAGE] !== seq) throw new Error(`bench: the last page of round trip ${seq} carries stamp ${words[LAST_PAGE]}`);
  words[1] = seq + 1;
  return seq;
}

/** The sender's check of what came back (`answer`: word 1 of its first page, or the ack's value). */
export function checkAnswer(what: string, answer: number, expected: number): void {
  if (answer !== expected) throw new Error(`bench: ${what} is ${answer}, expected ${expected}`);
}

/** A round's figure: GB/s counting 1 MiB per round trip (one direction). */
export function gigabytesPerSecond(roundTrips: number, elapsedMs: number): number {
  return (roundTrips * TRANSFER_BYTES) / (elapsedMs * 1e6);
}
