/**
 * A consistent picture of the whole kernel, taken under the lock: tasks and
 * what they are blocked on, objects with their queues and waiters, names,
 * table usage and counters. Any task may take one; the demo and the live
 * view print it.
 */
import * as L from '../core/layout.js';
import type { Region } from '../core/region.js';
import { objectIdOf } from '../core/object-table.js';
import { quotasOf, type TaskQuotas } from '../core/quota.js';
import { listBindings } from '../objects/namespace/namespace.js';
import { describePolicy } from '../objects/namespace/policy.js';
import { queueDepth } from '../core/queue.js';
import type { ObjectType } from '../objects/object-type.js';
import { objectTypeOf } from '../objects/registry.js';
import { PERSONALITY_ROU2EXOS, PERSONALITY_STRAT9 } from '../syscalls/numbers.js';
import { ringState } from '../objects/keyboard-pipe/keyboard-pipe.js';

export type TaskState = 'starting' | 'running' | 'blocked' | 'exiting' | 'exited';
export type ObjectTypeName = ObjectType['name'] | 'unknown';
export type PersonalityName = 'strat9' | 'rou2exos';

export interface TaskInfo {
  pid: number;
  parent: number;
  state: TaskState;
  /** Set when state is 'blocked': the object and what the task waits for. */
  blockedOn?: { objectId: number; type: ObjectTypeName; event: 'readable' | 'writable' | 'reply' };
  handles: number;
  /** Which syscall numbering the task speaks. */
  personality: PersonalityName;
  /** The OS process the task runs in (0 until it has attached); in a kernel of threads, every task's is the same. */
  osPid: number;
  /** Object id of the task's mailbox, once it has one. */
  mailbox?: number;
  /** Page IPC: pages mapped in its page space, and pages it sent still in flight. */
  pages: { mapped: number; inFlight: number };
  /** Exit code, once exited. */
  exitCode?: number;
  /** A live task's quota limits, what it is charged now, and whether it accepts grants (docs/quotas.md). */
  quotas?: TaskQuotas;
  /** The prefixes a confined task may bind and connect to; absent for an unrestricted task. */
  namespace?: { bind: string[]; connect: string[] };
}

export interface ObjectInfo {
  id: number;
  type: ObjectTypeName;
  owner: number;
  /** Handles (and handles in flight) naming it. */
  refs: number;
  destroyed: boolean;
  /** Messages a port or channel holds at most; bytes a ring's stream holds at most; 0 for a semaphore. */
  capacity: number;
  /** Messages queued (port, channel) or bytes buffered (ring stream). */
  depth: number;
  /** A channel's ends: handles (installed or in flight) that can send and that can receive. */
  ends?: { senders: number; receivers: number };
  /** A semaphore's count. */
  count?: number;
  /** A ring's size in bytes. */
  size?: number;
  /** A mailbox's sends refused because it was full (EAGAIN, or a frame dropped). */
  refused?: number;
  /** Tasks parked waiting to receive and to send. */
  waiters: { receivers: number; senders: number };
  names: string[];
}

export interface KernelUsage {
  tasks: number;
  objects: number;
  handles: number;
  /** Message slots promised to live queues. */
  messageSlots: number;
  /** Pages of the pool in use (rings, channels, mailboxes, and page IPC frames). */
  pages: number;
  /** Page IPC deliveries in flight (sent, not yet accepted or abandoned). */
  deliveries: number;
  calls: number;
  bindings: number;
}

export interface KernelStats {
  sends: number;
  receives: number;
  calls: number;
  replies: number;
  epipeReplies: number;
  taskExits: number;
  lockRecoveries: number;
  parks: number;
}

/** The network side of the rou2exOS personality: registrations and a counter for every delivery, drop and refusal. */
export interface NetworkInfo {
  /** Whether a network interface is attached. */
  interfaceAttached: boolean;
  /** Pid of the network driver task, 0 when none is registered. */
  driver: number;
  /** TCP destination ports bound to tasks. */
  ports: { port: number; pid: number }[];
  /** Frames the interface handed in, and where each went. */
  framesIn: number;
  toPort: number;
  toDriver: number;
  dropped: { noRoute: number; mailboxFull: number; tooBig: number; runt: number };
  /** Frames the driver queued for transmission, and transmits refused with a full queue. */
  transmitted: number;
  transmitRefused: number;
  /** net_register calls refused (EBUSY, ENOSPC). */
  registerRefused: number;
}

/** The keyboard pipe: subscribers with what waits in and was dropped from their rings. */
export interface KeyboardInfo {
  attached: boolean;
  /** Scancode bytes the keyboard device delivered. */
  scancodes: number;
  subscribers: { pid: number; waiting: number; dropped: number }[];
}

export interface KernelSnapshot {
  tasks: TaskInfo[];
  objects: ObjectInfo[];
  names: { path: string; objectId: number; binder: number }[];
  usage: KernelUsage;
  stats: KernelStats;
  network: NetworkInfo;
  keyboard: KeyboardInfo;
  limits: {
    maxTasks: number;
    maxObjects: number;
    maxHandles: number;
    messageSlots: number;
    maxCalls: number;
    namespaceEntries: number;
    pages: number;
    pageSpace: number;
    pageQuota: number;
    deliveries: number;
  };
}

const PERSONALITY_NAMES: Record<number, PersonalityName> = { [PERSONALITY_STRAT9]: 'strat9', [PERSONALITY_ROU2EXOS]: 'rou2exos' };
const EVENT_NAMES: Record<number, 'readable' | 'writable' | 'reply'> = {
  [L.EVENT_READABLE]: 'readable',
  [L.EVENT_WRITABLE]: 'writable',
  [L.EVENT_REPLY]: 'reply',
};

function typeName(r: Region, slot: number): ObjectTypeName {
  return objectTypeOf(r.w[r.object(slot) + L.O_TYPE]!)?.name ?? 'unknown';
}

function objectInfo(r: Region, slot: number, bindings: ReturnType<typeof listBindings>): ObjectInfo {
  const w = r.w;
  const o = r.object(slot);
  const type = objectTypeOf(w[o + L.O_TYPE]!);
  const destroyed = (w[o + L.O_FLAGS]! & L.OBJECT_FLAG_DESTROYED) !== 0;
  const info: ObjectInfo = {
    id: objectIdOf(r, slot),
    type: type?.name ?? 'unknown',
    owner: w[o + L.O_OWNER]!,
    refs: w[o + L.O_REFS]!,
    destroyed,
    capacity: w[o + L.O_CAPACITY]!,
    depth: type?.hasQueue && !destroyed ? queueDepth(r, o) : 0,
    waiters: { receivers: parkedOn(r, slot, L.EVENT_READABLE), senders: parkedOn(r, slot, L.EVENT_WRITABLE) },
    names: bindings.filter((b) => b.objectSlot === slot).map((b) => b.path),
  };
  if (type) Object.assign(info, type.details(w, o));
  return info;
}

function networkInfo(r: Region): NetworkInfo {
  const w = r.w;
  const net = r.net;
  const ports: NetworkInfo['ports'] = [];
  for (let i = 0; i < L.NET_PORT_ENTRIES; i++) {
    const e = net + L.NET_PORTS + i * L.NET_PORT_WORDS;
    if (w[e + 1] !== 0) ports.push({ port: w[e]!, pid: w[e + 1]! });
  }
  const count = (word: number): number => Atomics.load(w, net + word);
  return {
    interfaceAttached: w[net + L.NET_TX] !== 0,
    driver: w[net + L.NET_DRIVER]!,
    ports,
    framesIn: count(L.NET_FRAMES_IN),
    toPort: count(L.NET_TO_PORT),
    toDriver: count(L.NET_TO_DRIVER),
    dropped: { noRoute: count(L.NET_DROP_NO_ROUTE), mailboxFull: count(L.NET_DROP_FULL), tooBig: count(L.NET_DROP_TOO_BIG), runt: count(L.NET_DROP_RUNT) },
    transmitted: count(L.NET_TX_FRAMES),
    transmitRefused: count(L.NET_TX_REFUSED),
    registerRefused: count(L.NET_REGISTER_REFUSED),
  };
}

function keyboardInfo(r: Region): KeyboardInfo {
  const w = r.w;
  const subscribers: KeyboardInfo['subscribers'] = [];
  for (let i = 0; i < L.PIPE_SUBSCRIBERS; i++) {
    const p = r.pipe(i);
    const pid = w[p + L.P_PID]!;
    if (pid === 0) continue;
    subscribers.push({ pid, ...ringState(r, p) });
  }
  return { attached: Atomics.load(w, r.pipes + L.K_ATTACHED) !== 0, scancodes: Atomics.load(w, r.pipes + L.K_SCANCODES), subscribers };
}

/** Call slots kept idle by their last caller: counted as free. */
function cachedCalls(r: Region): number {
  let n = 0;
  for (let cs = 0; cs < r.maxCalls; cs++) if (Atomics.load(r.w, r.call(cs) + L.C_STATE) === L.CALL_CACHED) n++;
  return n;
}

/** A per-task counter summed over the tasks not yet reaped. */
function sumOverTasks(r: Region, field: number): number {
  let sum = 0;
  for (let slot = 0; slot < r.maxTasks; slot++) {
    const state = r.w[r.task(slot) + L.T_STATE];
    if (state !== L.TASK_FREE && state !== L.TASK_EXITED) sum += r.w[r.task(slot) + field]!;
  }
  return sum;
}

/** How many running tasks are parked on object `slot` for `event`. */
function parkedOn(r: Region, slot: number, event: number): number {
  let count = 0;
  for (let t = 0; t < r.maxTasks; t++) {
    const at = r.task(t);
    if (Atomics.load(r.w, at + L.T_STATE) !== L.TASK_RUNNING) continue;
    if (Atomics.load(r.w, at + L.T_BLOCKED_OBJECT) === slot + 1 && Atomics.load(r.w, at + L.T_BLOCKED_EVENT) === event) count++;
  }
  return count;
}

/** Usage counters; no lock needed (each is one word). */
export function usage(r: Region): KernelUsage {
  const w = r.w;
  let tasks = 0;
  for (let slot = 0; slot < r.maxTasks; slot++) {
    const state = Atomics.load(w, r.task(slot) + L.T_STATE);
    if (state === L.TASK_RUNNING || state === L.TASK_STARTING) tasks++;
  }
  return {
    tasks,
    objects: Atomics.load(w, L.H_OBJECTS_USED),
    handles: Atomics.load(w, L.H_HANDLES_USED),
    messageSlots: Atomics.load(w, L.H_MESSAGES_RESERVED),
    pages: Atomics.load(w, L.H_PAGES_USED),
    deliveries: Atomics.load(w, L.H_DELIVERIES_USED),
    calls: Atomics.load(w, L.H_CALLS_USED) - cachedCalls(r),
    bindings: Atomics.load(w, L.H_BINDINGS_USED),
  };
}

export function snapshot(r: Region): KernelSnapshot {
  const w = r.w;
  r.lockEvenIfClosed();
  try {
    const tasks: TaskInfo[] = [];
    for (let slot = 0; slot < r.maxTasks; slot++) {
      const t = r.task(slot);
      const state = w[t + L.T_STATE]!;
      if (state === L.TASK_FREE) continue;
      const info: TaskInfo = {
        pid: w[t + L.T_PID]!,
        parent: w[t + L.T_PARENT]!,
        state: 'running',
        handles: w[t + L.T_HANDLE_COUNT]!,
        personality: PERSONALITY_NAMES[w[t + L.T_PERSONALITY]!] ?? 'strat9',
        osPid: Atomics.load(w, t + L.T_OS_PID),
        pages: { mapped: w[t + L.T_PAGES_MAPPED]!, inFlight: w[t + L.T_PAGES_IN_FLIGHT]! },
      };
      if (state !== L.TASK_EXITED && state !== L.TASK_DYING) info.quotas = quotasOf(r, slot);
      const mailbox = w[t + L.T_MAILBOX]!;
      if (mailbox !== 0) info.mailbox = objectIdOf(r, mailbox - 1);
      const policy = describePolicy(r, slot);
      if (policy !== undefined) info.namespace = policy;
      const event = Atomics.load(w, t + L.T_BLOCKED_EVENT);
      if (state === L.TASK_EXITED) {
        info.state = 'exited';
        info.exitCode = w[t + L.T_EXIT_CODE]!;
      } else if (state === L.TASK_DYING) {
        info.state = 'exiting';
      } else if (state === L.TASK_STARTING) {
        info.state = 'starting';
      } else if (event !== 0) {
        const objectSlot = Atomics.load(w, t + L.T_BLOCKED_OBJECT) - 1;
        info.state = 'blocked';
        info.blockedOn = {
          objectId: objectSlot >= 0 ? objectIdOf(r, objectSlot) : 0,
          type: objectSlot >= 0 ? typeName(r, objectSlot) : 'unknown',
          event: EVENT_NAMES[event] ?? 'readable',
        };
      }
      tasks.push(info);
    }
    const bindings = listBindings(r);
    const objects: ObjectInfo[] = [];
    for (let slot = 0; slot < r.maxObjects; slot++) {
      const o = r.object(slot);
      if (w[o + L.O_TYPE] === L.OBJ_FREE) continue;
      objects.push(objectInfo(r, slot, bindings));
    }
    return {
      tasks,
      objects,
      names: bindings.map((b) => ({ path: b.path, objectId: objectIdOf(r, b.objectSlot), binder: b.binder })),
      usage: usage(r),
      stats: {
        sends: w[L.H_STAT_SENDS]! + sumOverTasks(r, L.T_SENDS),
        receives: w[L.H_STAT_RECEIVES]! + sumOverTasks(r, L.T_RECEIVES),
        calls: w[L.H_STAT_CALLS]! + sumOverTasks(r, L.T_CALLS),
        replies: w[L.H_STAT_REPLIES]! + sumOverTasks(r, L.T_REPLIES),
        epipeReplies: w[L.H_STAT_EPIPE_REPLIES]!,
        taskExits: w[L.H_STAT_TASK_EXITS]!,
        lockRecoveries: w[L.H_STAT_LOCK_RECOVERIES]!,
        parks: w[L.H_STAT_PARKS]!,
      },
      network: networkInfo(r),
      keyboard: keyboardInfo(r),
      limits: {
        maxTasks: r.maxTasks,
        maxObjects: r.maxObjects,
        maxHandles: r.maxHandles,
        messageSlots: r.messageSlots,
        maxCalls: r.maxCalls,
        namespaceEntries: r.namespaceEntries,
        pages: r.pageCount,
        pageSpace: r.pageSpace,
        pageQuota: r.pageQuota,
        deliveries: r.deliveryCount,
      },
    };
  } finally {
    r.unlock();
  }
}
