/**
 * The kernel region: one SharedArrayBuffer, addressed as 32-bit words.
 *
 * Every table lives at a word offset computed once by {@link computeLayout}
 * from the kernel's limits and stored in the header, so that any thread that
 * attaches to the region reads the same layout. Each table is an array of
 * fixed-stride records; the field offsets inside a record are constants
 * declared once, in the file of their table under `./layout/`:
 *
 * ```
 *  header | message bitmap | undo log | task table | object table | handle tables
 *  | message slots | call slots | call tables | namespace | namespace policies
 *  | network block | keyboard pipes | page spaces | handler tables | deliveries
 *  | frame refs | page bitmap | pages
 * ```
 *
 * - header.ts: the header words (magic, limits, table offsets, the kernel
 *   lock, counters, statistics);
 * - cache-lines.ts: the cache-line units tables are aligned to;
 * - tasks.ts: the task table record, task states, pids;
 * - quotas.ts: the quota kinds (counted in the task record);
 * - objects.ts: the object table record, object types and flags;
 * - queues.ts: the queue lock words of an object record;
 * - handles.ts: the handle table record, handle values, rights, events;
 * - messages.ts: the IpcMessage and the message slot record;
 * - calls.ts: the call slot record, call states, call tables;
 * - mailboxes.ts: the mailbox slots (in pool pages);
 * - net.ts: the network block;
 * - pipes.ts: the keyboard pipes;
 * - pages.ts: the page pool;
 * - page-spaces.ts: page IPC page spaces and frame words;
 * - deliveries.ts: page IPC sends, delivery records, handler tables;
 * - namespace.ts: the namespace entry record;
 * - namespace-policies.ts: the namespace policy record;
 * - region-size.ts: the limits, and computeLayout placing every table.
 *
 * This file is the one import point: `import * as L from './layout.js'`.
 */

export * from './layout/header.js';
export * from './layout/cache-lines.js';
export * from './layout/tasks.js';
export * from './layout/quotas.js';
export * from './layout/objects.js';
export * from './layout/queues.js';
export * from './layout/handles.js';
export * from './layout/messages.js';
export * from './layout/calls.js';
export * from './layout/mailboxes.js';
export * from './layout/net.js';
export * from './layout/pipes.js';
export * from './layout/pages.js';
export * from './layout/page-spaces.js';
export * from './layout/deliveries.js';
export * from './layout/namespace.js';
export * from './layout/namespace-policies.js';
export * from './layout/region-size.js';
