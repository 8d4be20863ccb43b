/**
 * Creates and initialises a kernel region: header, free lists, the init task.
 */
import * as L from './layout.js';
import { Region } from './region.js';
import { QUOTA_NAMES, defaultQuotas } from './quota.js';
import type { AllocateOptions, Backend } from '../backend/backend.js';

/**
 * Allocates the region for `limits` from `backend` and lays out every
 * table (`allocation`: the name and mode a process backend publishes it
 * under). Returns the region as this thread sees it. Throws a RangeError
 * when a limit is out of its documented range (before allocating).
 */
export function bootRegion(limits: L.Limits, backend: Backend, allocation?: AllocateOptions): Region {
  checkLimit('maxTasks', limits.maxTasks, 2, L.MAX_TASKS_LIMIT);
  checkLimit('maxObjects', limits.maxObjects, 1, 1 << 20);
  checkLimit('maxHandles', limits.maxHandles, 1, L.MAX_HANDLES_LIMIT);
  checkLimit('messageSlots', limits.messageSlots, 1, 1 << 22);
  checkLimit('maxCalls', limits.maxCalls, 1, L.MAX_CALLS_LIMIT);
  checkLimit('namespaceEntries', limits.namespaceEntries, 1, 1 << 16);
  checkLimit('maxPathBytes', limits.maxPathBytes, 2, 4096);
  checkLimit('pages', limits.pages, 0, 1 << 18);
  checkLimit('pageSpace', limits.pageSpace, 1, 1 << 20);
  checkLimit('pageQuota', limits.pageQuota, 1, 1 << 24);
  checkLimit('deliveries', limits.deliveries, 1, 1 << 16);
  checkLimit('spin', limits.spin, 0, 1_000_000);
  checkLimit('maxSpinners', limits.maxSpinners, 0, 1 << 16);
  const layout = L.computeLayout(limits);
  const memory = backend.allocate(layout.totalWords * 4, allocation);
  const w = memory.words;
  w[L.H_MAGIC] = L.KERNEL_MAGIC;
  w[L.H_VERSION] = L.KERNEL_VERSION;
  w[L.H_MAX_TASKS] = limits.maxTasks;
  w[L.H_MAX_OBJECTS] = limits.maxObjects;
  w[L.H_MAX_HANDLES] = limits.maxHandles;
  w[L.H_MESSAGE_SLOTS] = limits.messageSlots;
  w[L.H_MAX_CALLS] = limits.maxCalls;
  w[L.H_NAMESPACE_ENTRIES] = limits.namespaceEntries;
  w[L.H_MAX_PATH_BYTES] = limits.maxPathBytes;
  w[L.H_UNDO_ENTRIES] = layout.undoEntries;
  w[L.H_OFF_UNDO] = layout.undo;
  w[L.H_OFF_TASKS] = layout.tasks;
  w[L.H_OFF_OBJECTS] = layout.objects;
  w[L.H_OFF_HANDLES] = layout.handles;
  w[L.H_OFF_MESSAGES] = layout.messages;
  w[L.H_OFF_CALLS] = layout.calls;
  w[L.H_OFF_CALL_TABLES] = layout.callTables;
  w[L.H_OFF_NAMESPACE] = layout.namespace;
  w[L.H_OFF_NAMESPACE_POLICIES] = layout.namespacePolicies;
  w[L.H_SPIN] = limits.spin;
  w[L.H_MAX_SPINNERS] = limits.maxSpinners;
  w[L.H_PAGES] = limits.pages;
  w[L.H_OFF_PAGE_BITMAP] = layout.pageBitmap;
  w[L.H_OFF_PAGES] = layout.pages;
  w[L.H_OFF_NET] = layout.net;
  w[L.H_OFF_PIPES] = layout.pipes;
  w[L.H_PAGE_SPACE] = limits.pageSpace;
  w[L.H_PAGE_QUOTA] = limits.pageQuota;
  w[L.H_DELIVERIES] = limits.deliveries;
  w[L.H_OFF_PAGE_SPACES] = layout.pageSpaces;
  w[L.H_OFF_HANDLER_TYPES] = layout.handlerTypes;
  w[L.H_OFF_DELIVERIES] = layout.deliveries;
  w[L.H_OFF_FRAME_REFS] = layout.frameRefs;

  for (let i = 0; i < limits.maxObjects; i++) {
    w[layout.objects + i * L.OBJECT_WORDS + L.O_NEXT_FREE] = i + 1 < limits.maxObjects ? i + 1 : -1;
  }
  w[L.H_OBJECT_FREE] = 0;
  w[L.H_OFF_MESSAGE_BITMAP] = layout.messageBitmap;
  for (let i = 0; i < limits.maxCalls; i++) {
    w[layout.calls + i * L.CALL_WORDS + L.C_NEXT_FREE] = i + 1 < limits.maxCalls ? i + 1 : -1;
  }
  w[L.H_CALL_FREE] = 0;
  for (let i = 0; i < limits.deliveries; i++) {
    w[layout.deliveries + i * L.DELIVERY_WORDS + L.D_NEXT] = i + 1 < limits.deliveries ? i + 2 : 0;
  }
  w[L.H_DELIVERY_FREE] = 1;

  // The init task: slot 0, pid 1.
  const init = layout.tasks;
  w[init + L.T_STATE] = L.TASK_RUNNING;
  w[init + L.T_GEN] = 0;
  w[init + L.T_PID] = 1;
  const region = new Region(memory, backend);
  const initQuotas = defaultQuotas(region, true);
  QUOTA_NAMES.forEach((name, kind) => (w[init + L.T_QUOTA_LIMITS + kind] = initQuotas[name]));
  return region;
}

function checkLimit(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`kipc: limit ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
