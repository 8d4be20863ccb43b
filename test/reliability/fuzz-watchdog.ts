/**
 * The test's judgement of a fuzzer whose syscall count has stopped moving:
 * is its thread legitimately asleep in a syscall that may wait for ever
 * (a receive on an empty port, a wait on a semaphore at 0, a call nobody
 * answers), or is it hung (asleep although what it waits for has happened,
 * or stuck in a syscall that never waits)? Reads the fuzzer's control slot
 * and a kernel snapshot.
 */
import type { KernelSnapshot } from '../../src/index.js';
import { ARG_NOT_INT32, CallKind, NO_CALL, PENDING_ENTRIES, PENDING_WORDS, P_ARGS, P_NR, P_STARTED, P_USED, S_PENDING, slotWord } from './fixtures/fuzz-control.js';
import { catalogue } from './fixtures/fuzz-syscalls.js';
import { taskOf } from '../support/blocked.js';

export type Verdict =
  /** Asleep on a condition that does not hold: it may sleep for ever. */
  | { kind: 'legit'; why: string }
  /** Not (yet) explainable: look again later; a hang if it stays so. */
  | { kind: 'suspect'; why: string };

/** What the fuzzer's control slot says about its current syscall. */
export interface CurrentCall {
  nr: number;
  kind: CallKind;
}

/** What else the fuzzer's control slot says when it makes no syscall. */
export interface OutsideCall {
  /** Whether its event loop has turned since its last syscall. */
  loopTurning: boolean;
  /** Its async syscalls in flight, described ({@link pendingCalls}). */
  pending: readonly string[];
}

/** Judges a stalled fuzzer `pid` from `snapshot`. */
export function judgeStall(snapshot: KernelSnapshot, pid: number, call: CurrentCall, outside?: OutsideCall): Verdict {
  if (call.nr === NO_CALL) {
    const loop = outside === undefined ? '' : outside.loopTurning ? '; its event loop turns' : '; its event loop does not turn (a synchronous loop outside any syscall, or an endless chain of promise jobs)';
    const pending = outside === undefined ? '' : `; async syscalls in flight: ${outside.pending.length === 0 ? 'none' : outside.pending.join(', ')}`;
    return { kind: 'suspect', why: `not inside a synchronous syscall, yet making no progress${loop}${pending}; kernel: ${describeTask(snapshot, pid)}` };
  }
  if (call.kind !== CallKind.MayBlock) return { kind: 'suspect', why: `syscall ${call.nr} (kind ${call.kind}) should not wait this long` };
  const task = taskOf(snapshot, pid);
  if (task === undefined) return { kind: 'suspect', why: 'task not found' };
  if (task.state !== 'blocked' || task.blockedOn === undefined) return { kind: 'suspect', why: `syscall ${call.nr}: task is ${task.state}, not blocked` };
  const { objectId, event } = task.blockedOn;
  if (event === 'reply') return { kind: 'legit', why: `syscall ${call.nr}: waiting for the reply to a call` };
  const o = snapshot.objects.find((x) => x.id === objectId);
  if (o === undefined) return { kind: 'suspect', why: `syscall ${call.nr}: blocked on object ${objectId}, which no longer exists` };
  if (o.destroyed) return { kind: 'suspect', why: `syscall ${call.nr}: blocked on destroyed ${o.type} ${objectId}` };
  const where = `syscall ${call.nr}: ${event} on ${o.type} ${objectId}`;
  if (event === 'readable') {
    if (o.type === 'semaphore') return (o.count ?? 0) > 0 ? { kind: 'suspect', why: `${where} with count ${o.count}` } : { kind: 'legit', why: `${where} at count 0` };
    if (o.type === 'channel' && o.ends !== undefined && o.ends.senders === 0) return { kind: 'suspect', why: `${where} with no sender left` };
    return o.depth > 0 ? { kind: 'suspect', why: `${where} holding ${o.depth}` } : { kind: 'legit', why: `${where}, empty` };
  }
  if (o.type === 'channel' && o.ends !== undefined && o.ends.receivers === 0) return { kind: 'suspect', why: `${where} with no receiver left` };
  return o.depth < o.capacity ? { kind: 'suspect', why: `${where} at ${o.depth} of ${o.capacity}` } : { kind: 'legit', why: `${where}, full` };
}

/** The task's state in `snapshot`, with the object it is (or was last) parked on. */
export function describeTask(snapshot: KernelSnapshot, pid: number): string {
  const task = taskOf(snapshot, pid);
  if (task === undefined) return `task ${pid} not found`;
  if (task.blockedOn === undefined) return `task ${task.state}`;
  const { objectId, event } = task.blockedOn;
  const o = snapshot.objects.find((x) => x.id === objectId);
  const object = o === undefined ? `object ${objectId}` : `${o.type} ${objectId} (depth ${o.depth} of ${o.capacity}${o.destroyed ? ', destroyed' : ''})`;
  return `task ${task.state}, parked for ${event} on ${object}`;
}

/** The async syscalls fuzzer `slot` (of `personality`: the numbers overlap) shows in flight, oldest first: `NAME(args) for N ms`. */
export function pendingCalls(control: Int32Array, slot: number, personality: 'strat9' | 'rou2exos'): string[] {
  const names = new Map(catalogue(personality).map((s) => [s.nr, s.name]));
  const now = Date.now() % 2 ** 31;
  const calls: { age: number; text: string }[] = [];
  for (let i = 0; i < PENDING_ENTRIES; i++) {
    const at = slotWord(slot, S_PENDING) + i * PENDING_WORDS;
    if (Atomics.load(control, at + P_USED) === 0) continue;
    const nr = Atomics.load(control, at + P_NR);
    const args = [0, 1, 2].map((a) => Atomics.load(control, at + P_ARGS + a)).map((v) => (v === ARG_NOT_INT32 ? '?' : String(v)));
    const age = (now - Atomics.load(control, at + P_STARTED) + 2 ** 31) % 2 ** 31;
    calls.push({ age, text: `${names.get(nr) ?? `syscall ${nr}`}(${args.join(', ')}) for ${age} ms` });
  }
  return calls.sort((a, b) => b.age - a.age).map((c) => c.text);
}
