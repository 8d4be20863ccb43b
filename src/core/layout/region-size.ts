/**
 * Region sizing: the limits a kernel is created with, and where they put
 * every table of the region (computeLayout). Boot writes the result into
 * the header (H_OFF_* and the limits), and every thread that attaches reads
 * it from there, never from here.
 *
 * The tables, in region order:
 *
 * ```
 *  header | message bitmap | undo log | task table | object table | handle tables
 *  | message slots | call slots | call tables | namespace | namespace policies
 *  | network block | keyboard pipes | page spaces | handler tables | deliveries
 *  | frame refs | page bitmap | pages
 * ```
 *
 * The task table, the object table, the message slots, the network block
 * and the keyboard pipes start on a pair of cache lines (cache-lines.ts);
 * the pages start on a page boundary of the buffer.
 */
import { LINE_PAIR_WORDS } from './cache-lines.js';
import { HEADER_WORDS } from './header.js';
import { TASK_WORDS } from './tasks.js';
import { OBJECT_WORDS } from './objects.js';
import { HANDLE_WORDS } from './handles.js';
import { MESSAGE_SLOT_WORDS } from './messages.js';
import { CALL_WORDS, callTableEntries } from './calls.js';
import { namespaceEntryWords } from './namespace.js';
import { namespacePolicyWords } from './namespace-policies.js';
import { NET_WORDS } from './net.js';
import { PIPES_WORDS } from './pipes.js';
import { pageSpaceWords } from './page-spaces.js';
import { DELIVERY_WORDS, HANDLER_SLOTS, MAX_SEND_PAGES } from './deliveries.js';
import { PAGE_WORDS } from './pages.js';

/** Limits a kernel is created with. See {@link KernelLimits} in the public API for their meaning. */
export interface Limits {
  maxTasks: number;
  maxObjects: number;
  maxHandles: number;
  messageSlots: number;
  maxCalls: number;
  namespaceEntries: number;
  maxPathBytes: number;
  pages: number;
  /** Page IPC: virtual pages per task, in-flight pages per sender, delivery records. */
  pageSpace: number;
  pageQuota: number;
  deliveries: number;
  spin: number;
  /** Threads allowed to spin at once; more than the cores only steals time from the thread being waited for. */
  maxSpinners: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxTasks: 64,
  maxObjects: 1024,
  maxHandles: 256,
  messageSlots: 8192,
  maxCalls: 1024,
  namespaceEntries: 128,
  maxPathBytes: 128,
  pages: 1024,
  pageSpace: 1024,
  pageQuota: 1024,
  deliveries: 256,
  spin: 50,
  maxSpinners: 1,
};

/** Word offset of every table (and the undo log's size in entries, a namespace entry's in words, the region's in words). */
export interface Layout {
  messageBitmap: number;
  undo: number;
  undoEntries: number;
  tasks: number;
  objects: number;
  handles: number;
  messages: number;
  calls: number;
  callTables: number;
  namespace: number;
  namespaceWords: number;
  namespacePolicies: number;
  net: number;
  pipes: number;
  pageSpaces: number;
  handlerTypes: number;
  deliveries: number;
  frameRefs: number;
  pageBitmap: number;
  pages: number;
  totalWords: number;
}

/** The first word index at or after `at` that starts a pair of cache lines. */
function pairAligned(at: number): number {
  return Math.ceil(at / LINE_PAIR_WORDS) * LINE_PAIR_WORDS;
}

/**
 * Places every table. The undo log is sized for the largest single critical
 * section a task can run: revoking every handle, withdrawing a call from the
 * fullest queue, destroying every queue; and in page IPC, unmapping a
 * whole page space of one-page runs, or sending and dropping the fullest
 * deliveries of one-page runs (at most about ten log pairs per run: its
 * head table and holder count records, its run record, the mapped and pool
 * bitmaps, the counters).
 */
export function computeLayout(limits: Limits): Layout {
  const pageIpcEntries = limits.pageSpace * 12 + Math.max(limits.deliveries, limits.maxTasks) * (MAX_SEND_PAGES * 6 + 32);
  // A task's policy record is rewritten with one saved run (reap, spawn, narrowing).
  const policyEntries = namespacePolicyWords(limits.maxPathBytes);
  const undoEntries = 4096 + policyEntries + limits.maxTasks * limits.maxHandles * 16 + limits.messageSlots * (MESSAGE_SLOT_WORDS + 8) + limits.maxCalls * 8 + pageIpcEntries;
  let at = HEADER_WORDS;
  const messageBitmap = at;
  at += Math.ceil(limits.messageSlots / 32);
  const undo = at;
  at += undoEntries * 2;
  at = pairAligned(at);
  const tasks = at;
  at += limits.maxTasks * TASK_WORDS;
  at = pairAligned(at);
  const objects = at;
  at += limits.maxObjects * OBJECT_WORDS;
  const handles = at;
  at += limits.maxTasks * limits.maxHandles * HANDLE_WORDS;
  at = pairAligned(at);
  const messages = at;
  at += limits.messageSlots * MESSAGE_SLOT_WORDS;
  const calls = at;
  at += limits.maxCalls * CALL_WORDS;
  const callTables = at;
  at += limits.maxTasks * callTableEntries(limits.maxCalls);
  const namespace = at;
  const namespaceWords = namespaceEntryWords(limits.maxPathBytes);
  at += limits.namespaceEntries * namespaceWords;
  const namespacePolicies = at;
  at += limits.maxTasks * policyEntries;
  at = pairAligned(at);
  const net = at;
  at += NET_WORDS;
  at = pairAligned(at);
  const pipes = at;
  at += PIPES_WORDS;
  const pageSpaces = at;
  at += limits.maxTasks * pageSpaceWords(limits.pageSpace);
  const handlerTypes = at;
  at += limits.maxTasks * HANDLER_SLOTS;
  const deliveries = at;
  at += limits.deliveries * DELIVERY_WORDS;
  const frameRefs = at;
  at += limits.pages;
  const pageBitmap = at;
  at += Math.ceil(limits.pages / 32);
  // Pages start on a page boundary of the buffer.
  at = Math.ceil(at / PAGE_WORDS) * PAGE_WORDS;
  const pages = at;
  at += limits.pages * PAGE_WORDS;
  return { messageBitmap, undo, undoEntries, tasks, objects, handles, messages, calls, callTables, namespace, namespaceWords, namespacePolicies, net, pipes, pageSpaces, handlerTypes, deliveries, frameRefs, pageBitmap, pages, totalWords: at };
}
