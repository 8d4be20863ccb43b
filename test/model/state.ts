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
  /** 4 KiB pages for rings and channels, kernel-wide. */
  pages: number;
  /** Bytes of each task's user memory. */
  memoryBytes: number;
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
  /** Pages of the pool in use by rings and channels. */
  pagesUsed: number;
  /** Wait keys changed by the operations since the last look at the parked ones. */
  touched: string[];
}

/** A fresh model state: the given tasks, each with zeroed memory and no handles. */
export function initialState(limits: ModelLimits, pids: number[]): ModelState {
  const tasks: Record<number, TaskState> = {};
  for (const pid of pids) tasks[pid] = { pid, mem: new Uint8Array(limits.memoryBytes), nextHandle: HANDLE_BASE + 1, parked: null };
  return { limits, tasks, objects: {}, nextObjectId: OBJECT_BASE + 1, nodes: [], nextNodeId: 1, calls: {}, nextToken: TOKEN_BASE + 1, bindings: [], pagesUsed: 0, touched: [] };
}

/** Records that what waits on `key` must look again. */
export function touch(s: ModelState, key: string): void {
  if (!s.touched.includes(key)) s.touched.push(key);
}

export const objectKey = (id: number): string => `o${id}`;
export const callKey = (token: number): string => `c${token}`;
