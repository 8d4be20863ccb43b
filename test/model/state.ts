/**
 * The reference model's whole state, as plain data (records, arrays, byte
 * arrays and ids, no references between records), so that it can be copied
 * with structuredClone to ask "what would happen if..." without changing it.
 *
 * Every record names others by id: handles by node id, objects by object id,
 * calls by token. Handle values and call tokens the model hands out live in
 * ranges of their own (HANDLE_BASE, TOKEN_BASE) that the programs' literal
 * bad values never use, so the test can tell them from values it made up.
 */
import type { ModelObject } from './objects.js';

/** First handle value of every task's table in the model (values are never reused). */
export const HANDLE_BASE = 0x40000000;
/** First call token in the model (tokens are never reused). */
export const TOKEN_BASE = 0x50000000;
/** First object id in the model. */
export const OBJECT_BASE = 0x60000000;

/** Limits of the kernel the model stands for (the KernelLimits it was created with). */
export interface ModelLimits {
  /** Handles per task. */
  maxHandles: number;
  /** Namespace bindings. */
  namespaceEntries: number;
  /** The longest path, in bytes, after stripping. */
  maxPathBytes: number;
  /** 4 KiB pages of the pool (rings, channels, mailboxes and page IPC frames), kernel-wide. */
  pages: number;
  /** Bytes of each task's user memory. */
  memoryBytes: number;
  /** Page IPC: virtual pages per task. */
  pageSpace: number;
  /** Page IPC: pages a task may have in flight. */
  pageQuota: number;
  /** Page IPC: delivery records, kernel-wide. */
  deliveries: number;
}

/** A mapped page of a task's page space. */
export interface PageEntry {
  frame: number;
  writable: boolean;
  /** The id + 1 of the taken delivery that mapped it while its handler has not decided; else 0. */
  tag: number;
}

/** A page delivery (PAGE_SEND), pending until taken, taken until accepted or abandoned. */
export interface Delivery {
  index: number;
  seq: number;
  /** (seq & 0x7fff) << 16 | index: the id PAGE_TAKE reports. */
  id: number;
  state: 'pending' | 'taken';
  sender: number;
  receiver: number;
  type: number;
  npages: number;
  flags: number;
  /** The frame of each page (a pending delivery holds each once). */
  frames: number[];
  /** Where the take mapped it (taken only). */
  addr: number;
}

/** A rou2exOS mailbox: its pages in the pool and its queue. */
export interface MailboxState {
  first: number;
  queue: { bytes: Uint8Array; sender: number }[];
}

/** A handle, in a task's table (`pid`) or in flight inside a queued message (`pid` null). */
export interface HandleNode {
  id: number;
  pid: number | null;
  /** Its value in its task's table (0 while in flight). */
  value: number;
  objectId: number;
  rights: number;
  /** The node it derives from (duplicate, grant, transfer), for HANDLE_REVOKE; null for a root. */
  parentId: number | null;
}

/** A call (IPC_CALL) from its sending to the caller's taking of the reply. */
export interface CallRecord {
  token: number;
  caller: number;
  state: 'queued' | 'received' | 'replied';
  /** The task that received it (holds the one-shot reply right while 'received'). */
  server: number;
  portId: number;
  /** The 64 bytes the caller gets, once replied. */
  reply: Uint8Array | null;
  /** 0 for a server's reply, else the errno of the kernel's error reply (EPIPE). */
  status: number;
}

/** A namespace binding (IPC_BIND_PORT). */
export interface Binding {
  /** The path bytes, after stripping, as a latin1 string. */
  path: string;
  portId: number;
  binder: number;
}

/** A syscall a task is blocked in. */
export interface ParkedOp {
  nr: number;
  args: unknown[];
  /** IPC_CALL: 'wait' while waiting for room, 'reply' once queued (other syscalls stay in 'wait'). */
  phase: 'wait' | 'reply';
  /** The call waited on in phase 'reply'. */
  token: number;
  /** What wakes it: 'o<object id>' or 'c<token>'. */
  waitKey: string;
  /** Something it waits on changed since it last looked: it tries again. */
  dirty: boolean;
}

export interface TaskState {
  pid: number;
  /** The task's user memory, mirrored byte for byte. */
  mem: Uint8Array;
  /** Next handle value of its table. */
  nextHandle: number;
  parked: ParkedOp | null;
  personality: 'strat9' | 'rou2exos';
  /** Live (running): a target of sends; false once it died. */
  alive: boolean;
  /** Page IPC: the page space, one entry per virtual page. */
  space: (PageEntry | null)[];
  /** Page IPC: the registered message types. */
  handlers: number[];
  /** Page IPC: pages of its sends not yet decided. */
  inFlight: number;
  /** rou2exOS mailbox (made at spawn for a rou2exOS task, on the first send_data to a Strat9 one). */
  mailbox: MailboxState | null;
}

export interface ModelState {
  limits: ModelLimits;
  tasks: Record<number, TaskState>;
  /** Objects that still exist (some handle or message refers to them), by id. */
  objects: Record<number, ModelObject>;
  nextObjectId: number;
  /** Every handle, in tables and in flight. */
  nodes: HandleNode[];
  nextNodeId: number;
  calls: Record<number, CallRecord>;
  nextToken: number;
  bindings: Binding[];
  /** The page pool: for each page, whether it is in use (rings, channels, mailboxes, page IPC frames). */
  pool: boolean[];
  /** Page IPC frames: holders (mappings and pending deliveries) and contents, by frame. */
  holders: Record<number, number>;
  frameData: Record<number, Uint8Array>;
  /** Delivery records by index (null: free). */
  deliveries: (Delivery | null)[];
  /** Free delivery records, the next to use first. */
  freeDeliveries: number[];
  /** The kernel-wide delivery sequence number. */
  deliverySeq: number;
  /** Wait keys changed by the operations since the last look at the parked ones. */
  touched: string[];
}

/** A fresh model state: the given tasks, each with zeroed memory and no handles. */
export function initialState(limits: ModelLimits, pids: number[], personalities: Record<number, 'strat9' | 'rou2exos'> = {}): ModelState {
  const tasks: Record<number, TaskState> = {};
  for (const pid of pids) {
    tasks[pid] = {
      pid,
      mem: new Uint8Array(limits.memoryBytes),
      nextHandle: HANDLE_BASE + 1,
      parked: null,
      personality: personalities[pid] ?? 'strat9',
      alive: true,
      space: new Array<PageEntry | null>(limits.pageSpace).fill(null),
      handlers: [],
      inFlight: 0,
      mailbox: null,
    };
  }
  return {
    limits,
    tasks,
    objects: {},
    nextObjectId: OBJECT_BASE + 1,
    nodes: [],
    nextNodeId: 1,
    calls: {},
    nextToken: TOKEN_BASE + 1,
    bindings: [],
    pool: new Array<boolean>(limits.pages).fill(false),
    holders: {},
    frameData: {},
    deliveries: new Array<Delivery | null>(limits.deliveries).fill(null),
    freeDeliveries: Array.from({ length: limits.deliveries }, (_, i) => i),
    deliverySeq: 0,
    touched: [],
  };
}

/** The first page of the lowest run of `count` free pages of the pool, taken; or -1 (full or fragmented). First fit, as the kernel. */
export function allocPool(s: ModelState, count: number): number {
  let start = 0;
  for (let i = 0; i < s.pool.length; i++) {
    if (s.pool[i]) start = i + 1;
    else if (i - start + 1 === count) {
      for (let j = start; j <= i; j++) s.pool[j] = true;
      return start;
    }
  }
  return -1;
}

/** Returns `count` pool pages from `first`. */
export function freePool(s: ModelState, first: number, count: number): void {
  for (let j = first; j < first + count; j++) {
    if (!s.pool[j]) throw new Error(`model: pool page ${j} freed twice`);
    s.pool[j] = false;
  }
}

/** Records that what waits on `key` must look again. */
export function touch(s: ModelState, key: string): void {
  if (!s.touched.includes(key)) s.touched.push(key);
}

export const objectKey = (id: number): string => `o${id}`;
export const callKey = (token: number): string => `c${token}`;
/** What a task waiting in PAGE_TAKE waits on: a delivery to it. */
export const pageKey = (pid: number): string => `p${pid}`;
/** What a task waiting in receive_data waits on: a message in its mailbox. */
export const mailKey = (pid: number): string => `m${pid}`;
