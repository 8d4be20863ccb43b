/**
 * The test's judgement of a fuzzer whose syscall count has stopped moving:
 * is its thread legitimately asleep in a syscall that may wait for ever
 * (a receive on an empty port, a wait on a semaphore at 0, a call nobody
 * answers), or is it hung (asleep although what it waits for has happened,
 * or stuck in a syscall that never waits)? Reads the fuzzer's control slot
 * and a kernel snapshot.
 */
import type { KernelSnapshot } from '../../src/index.js';
import { CallKind, NO_CALL } from '../fixtures/fuzz-control.js';

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

/** Judges a stalled fuzzer `pid` from `snapshot`. */
export function judgeStall(snapshot: KernelSnapshot, pid: number, call: CurrentCall): Verdict {
  if (call.nr === NO_CALL) return { kind: 'suspect', why: 'not inside a synchronous syscall, yet making no progress' };
  if (call.kind !== CallKind.MayBlock) return { kind: 'suspect', why: `syscall ${call.nr} (kind ${call.kind}) should not wait this long` };
  const task = snapshot.tasks.find((t) => t.pid === pid);
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
