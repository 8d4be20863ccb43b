/**
 * Spawn data on its way to a task that is a process. Such data is copied
 * (v8 serialization over the boot socket, ./process-host.ts), so a
 * SharedArrayBuffer cannot reach the child as it reaches a worker thread,
 * except one that lives in a shared-memory object (made by the process
 * backend's createSharedBuffer): that one travels as the object's name and
 * is mapped again in the child, where it is the same memory. Typed arrays
 * and DataViews over such a buffer travel the same way.
 *
 * Only arrays and plain objects are searched for buffers (any depth, cycles
 * allowed); anything else is left to the serializer, which refuses what it
 * cannot copy.
 */
import { serialize } from 'node:v8';
import { mapSharedBuffer, shareOfBuffer, type ProcessMemoryShare } from '../backend/process.js';
import { EINVAL } from '../core/errno.js';
import { InvalidArgumentError } from '../api/errors.js';

/** Marks a stand-in for a shared buffer (or a view of one) in the copied data. */
const SHARED = '__kipcSharedBuffer';

interface SharedStandIn {
  [SHARED]: ProcessMemoryShare;
  /** For a view: its constructor's name, byte offset and length (elements, or bytes for a DataView). */
  view?: { type: string; byteOffset: number; length: number };
}

const VIEW_TYPES: Record<string, new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
};

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function refuse(reason: string, cause?: unknown): never {
  throw new InvalidArgumentError(EINVAL, `Kernel.spawn: options.data cannot be copied to a process task (${reason})`, cause === undefined ? undefined : { cause });
}

function standInFor(buffer: SharedArrayBuffer): ProcessMemoryShare {
  const share = shareOfBuffer(buffer);
  if (share === undefined) {
    refuse('a SharedArrayBuffer reaches another process only if it lives in shared memory; share memory with a process through the kernel: rings, pages or ports');
  }
  return share;
}

function encode(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (value instanceof SharedArrayBuffer) return { [SHARED]: standInFor(value) } satisfies SharedStandIn;
  if (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer) {
    const type = value.constructor.name;
    if (VIEW_TYPES[type] !== value.constructor) refuse(`a view of type ${type} over a SharedArrayBuffer`);
    const length = value instanceof DataView ? value.byteLength : (value as unknown as { length: number }).length;
    return { [SHARED]: standInFor(value.buffer), view: { type, byteOffset: value.byteOffset, length } } satisfies SharedStandIn;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(encode(item, seen));
    return copy;
  }
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = encode(item, seen);
  return copy;
}

/**
 * `data` as a process task can receive it: shared buffers replaced by
 * stand-ins. Called before a task slot is taken, so that data no process
 * could receive changes nothing. Throws InvalidArgumentError (EINVAL) for
 * a SharedArrayBuffer that is not in shared memory, or data that cannot
 * be serialized (a function, a symbol...).
 */
export function toProcessData(data: unknown): unknown {
  const encoded = encode(data, new Map());
  try {
    serialize(encoded);
  } catch (error) {
    refuse(error instanceof Error ? error.message : String(error), error);
  }
  return encoded;
}

function decode(value: unknown, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (SHARED in value) {
    const { [SHARED]: share, view } = value as SharedStandIn;
    const buffer = mapSharedBuffer(share);
    return view === undefined ? buffer : new VIEW_TYPES[view.type]!(buffer, view.byteOffset, view.length);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], seen);
  } else if (isPlain(value)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = decode(record[key], seen);
  }
  return value;
}

/** In the process task: `data` with its stand-ins mapped back to shared buffers (the same memory as the spawner's). */
export function fromProcessData(data: unknown): unknown {
  return decode(data, new Set());
}
