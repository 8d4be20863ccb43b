/**
 * Counters the mailbox-one-way producer keeps for the runner (an Int32Array
 * over `data.counters`), cumulative over the run: messages sent, send_data
 * calls refused with EAGAIN (mailbox full), and sleeps after long runs of
 * refusals.
 */
export const MB_SENT = 0;
export const MB_REFUSED = 1;
export const MB_YIELDS = 2;

export function createMailboxCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * 4);
}
