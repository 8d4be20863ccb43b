/**
 * Cache-line geometry, the unit every table of the region is aligned and
 * padded to (see docs/design.md, "Region, lock and undo log").
 *
 * Not a table: the records of the task, object and message-slot tables and
 * the network and keyboard-pipe blocks are sized in these units so that
 * words written by different threads never share a pair of lines, and
 * computeLayout (region-size.ts) starts those tables on a pair.
 */

/** Words in a 64-byte cache line: tables whose records are split by line start on one. */
export const CACHE_LINE_WORDS = 16;
/**
 * Words in an aligned pair of cache lines. CPUs fetch lines in adjacent
 * pairs, so data one thread writes while another reads its neighbour goes in
 * a pair of its own (measured on 1→1 channels: about a quarter more
 * messages per second than with single-line separation).
 */
export const LINE_PAIR_WORDS = 2 * CACHE_LINE_WORDS;
