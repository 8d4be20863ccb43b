/**
 * What one message operation costs in shared memory: for a plain send, a
 * plain receive, a call (the caller's side) and the receive and reply of
 * that call (the server's side), how many cache lines of the kernel region
 * it reads and writes and how many atomic instructions it issues. Counted,
 * not estimated: the task's view of the region is wrapped (a Proxy over its
 * words, and counting Atomics) for exactly one operation, after warm-up.
 * A wait's repeated loads of one word count once (a spin reads one line).
 *
 *   node dist/bench/op-account.js
 */
import { isMainThread } from 'node:worker_threads';
import { attach, Kernel, Message, type Task } from '../src/index.js';
import { CACHE_LINE_WORDS } from '../src/core/layout.js';
import type { Region } from '../src/core/region.js';

const ACCOUNT_PATH = '/bench/account';
const STOP = 0x5707;

/** What one operation did. */
interface Account {
  linesRead: number;
  linesWritten: number;
  /** Read-modify-writes (compareExchange, add, sub, exchange): the locked instructions. */
  rmw: number;
  stores: number;
  /** Atomic loads of distinct words. */
  loads: number;
  notifies: number;
  /** Futex sleeps (0 when the peer answered within the spin). */
  sleeps: number;
}

type AtomicsName = 'load' | 'store' | 'add' | 'sub' | 'exchange' | 'compareExchange' | 'notify' | 'wait';

/**
 * Counts what `op` does to `r`'s words: swaps the region's word array for a
 * recording Proxy and Atomics for counting wrappers, runs `op` once, puts
 * both back.
 */
function account(r: Region, op: () => void): Account {
  const real = r.w;
  const read = new Set<number>();
  const written = new Set<number>();
  const loaded = new Set<number>();
  const counts = { rmw: 0, stores: 0, notifies: 0, sleeps: 0 };
  const line = (index: number): number => Math.floor(index / CACHE_LINE_WORDS);
  const proxy = new Proxy(real, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        read.add(line(Number(key)));
        return target[Number(key)];
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value: number) {
      if (typeof key === 'string' && /^\d+$/.test(key)) written.add(line(Number(key)));
      return Reflect.set(target, key, value, target);
    },
  });
  const originals = new Map<AtomicsName, unknown>();
  const wrap = (name: AtomicsName, count: (index: number) => void): void => {
    const original = Atomics[name] as unknown as (array: Int32Array, index: number, ...rest: number[]) => number;
    originals.set(name, original);
    (Atomics as unknown as Record<string, unknown>)[name] = (array: Int32Array, index: number, ...rest: number[]): number => {
      if (array === proxy || array === real) {
        count(index);
        return original.call(Atomics, real, index, ...rest);
      }
      return original.call(Atomics, array, index, ...rest);
    };
  };
  wrap('load', (i) => {
    read.add(line(i));
    loaded.add(i);
  });
  wrap('store', (i) => {
    written.add(line(i));
    counts.stores++;
  });
  for (const name of ['add', 'sub', 'exchange', 'compareExchange'] as const) {
    wrap(name, (i) => {
      read.add(line(i));
      written.add(line(i));
      counts.rmw++;
    });
  }
  wrap('notify', () => counts.notifies++);
  wrap('wait', () => counts.sleeps++);
  (r as { w: Int32Array }).w = proxy;
  try {
    op();
  } finally {
    (r as { w: Int32Array }).w = real;
    for (const [name, original] of originals) (Atomics as unknown as Record<string, unknown>)[name] = original;
  }
  return { linesRead: read.size, linesWritten: written.size, rmw: counts.rmw, stores: counts.stores, loads: loaded.size, notifies: counts.notifies, sleeps: counts.sleeps };
}

function regionOf(task: Task): Region {
  return task.ctx.r;
}

function show(label: string, a: Account): void {
  console.log(
    `  ${label.padEnd(34)} lines read ${String(a.linesRead).padStart(2)}, written ${String(a.linesWritten).padStart(2)}   atomics: ${a.rmw} read-modify-write, ${a.stores} stores, ${a.loads} loads, ${a.notifies} notifies${a.sleeps === 0 ? '' : `, ${a.sleeps} sleeps`}`,
  );
}

const WARM = 20_000;

/** The server: receives and answers calls; after warm-up, accounts one receive and one reply and posts them. */
function serve(): void {
  const task = attach();
  const port = task.createPort();
  port.bind(ACCOUNT_PATH);
  const m = new Message();
  const options = { into: m };
  let served = 0;
  for (;;) {
    if (served === WARM) {
      const r = regionOf(task);
      const received = account(r, () => port.receive(options));
      const replied = account(r, () => task.reply(m));
      (task.data as { report: Int32Array }).report.set(Object.values(received).concat(Object.values(replied)));
      served++;
      continue;
    }
    port.receive(options);
    if (m.type === STOP) return;
    served++;
    task.reply(m);
  }
}

async function main(): Promise<void> {
  console.log('what one operation does to the kernel region (cache lines of 64 bytes, atomic instructions), warm, one thread each side');
  const kernel = Kernel.create({});
  const task = kernel.task;
  const r = regionOf(task);
  const port = task.createPort();
  const m = new Message();
  m.type = 1;
  const into = { into: new Message() };
  for (let i = 0; i < WARM; i++) {
    port.send(m);
    port.receive(into);
  }
  show('send (plain, one sender)', account(r, () => port.send(m)));
  show('receive (plain)', account(r, () => port.receive(into)));

  const report = new Int32Array(new SharedArrayBuffer(14 * 4));
  const server = kernel.spawn(new URL(import.meta.url), { data: { report } });
  let service;
  for (;;) {
    try {
      service = task.connect(ACCOUNT_PATH);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const call = new Message();
  call.type = 1;
  const callOptions = { into: call };
  for (let i = 0; i < WARM; i++) service.call(call, callOptions);
  // The server accounts its side of this call; the caller, its side of the next (each side is slow while accounted).
  service.call(call, callOptions);
  show('call (the caller, until the reply)', account(r, () => service.call(call, callOptions)));
  const accountAt = (at: number): Account => {
    const [linesRead, linesWritten, rmw, stores, loads, notifies, sleeps] = report.subarray(at, at + 7);
    return { linesRead: linesRead!, linesWritten: linesWritten!, rmw: rmw!, stores: stores!, loads: loads!, notifies: notifies!, sleeps: sleeps! };
  };
  show('receive of a call (the server)', accountAt(0));
  show('reply (the server)', accountAt(7));
  const stop = new Message();
  stop.type = STOP;
  service.send(stop);
  await server.exited;
  await kernel.close();
}

if (isMainThread) await main();
else serve();
