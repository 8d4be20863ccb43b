/**
 * The kernel checker: walks the whole region under the kernel lock and
 * reports every broken invariant, one sentence each. Each section checks
 * one concept; they run in this order (the message pool and the paged
 * objects claim message slots and pages for the sections after them).
 *
 * To check a new part of the kernel, write a section in a file of its
 * own and add it here, before the page pool section if it claims pages.
 * An object type's own invariants are its registry entry's `check`, run by
 * the objects section.
 */
import type { Region } from '../core/region.js';
import { CheckContext, type CheckSection } from './context.js';
import { kernelLockSection, takeKernelLockToCheck } from './kernel-lock.js';
import { headerSection } from './header.js';
import { tasksSection } from './tasks.js';
import { objectTableSection } from './object-table.js';
import { referencesSection } from './references.js';
import { handlesSection } from './handles.js';
import { messagePoolSection } from './message-pool.js';
import { callsSection } from './calls.js';
import { portQueuesSection } from './port-queues.js';
import { queuesSection } from './queues.js';
import { objectsSection } from './objects.js';
import { namespacePoliciesSection, namespaceSection } from './namespace.js';
import { networkSection } from './network.js';
import { keyboardPipesSection } from './keyboard-pipes.js';
import { waitersSection } from './waiters.js';
import { pageIpcSection } from './page-ipc.js';
import { pagePoolSection } from './page-pool.js';
import { quotasSection } from './quotas.js';

export const CHECK_SECTIONS: readonly CheckSection[] = [
  kernelLockSection,
  headerSection,
  tasksSection,
  objectTableSection,
  referencesSection,
  handlesSection,
  messagePoolSection,
  callsSection,
  portQueuesSection,
  queuesSection,
  objectsSection,
  namespaceSection,
  namespacePoliciesSection,
  networkSection,
  keyboardPipesSection,
  waitersSection,
  pageIpcSection,
  quotasSection,
  pagePoolSection,
];

/**
 * Checks the kernel in `r` (as seen by the calling thread, whose lock tag
 * it uses): takes the kernel lock, runs every section, frees the lock.
 * Returns the problems found, empty when the kernel is consistent.
 *
 * Precondition: the calling thread is not inside a kernel operation. Call
 * it while tasks are quiescent (parked or idle): words that threads change
 * without the kernel lock (queue indices and locks, waiter counters and
 * flags, blocked-on records) are read as they are, so an operation running
 * at the same moment can be reported; a queue with a lock held by a live
 * task is skipped for that reason, but not every window can be.
 * A section that throws (a kernel bug, or a region corrupted beyond what it
 * expects) is reported as a problem and the others still run.
 */
export function checkKernel(r: Region): string[] {
  const busy = takeKernelLockToCheck(r);
  if (busy !== undefined) return [busy];
  const ctx = new CheckContext(r);
  try {
    for (const section of CHECK_SECTIONS) {
      try {
        section.run(ctx);
      } catch (error) {
        ctx.report(`${section.name}: the check itself failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    r.unlock();
  }
  return ctx.results();
}
