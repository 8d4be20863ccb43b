/**
 * Keyboard: a task's subscription to the keyboard pipe of the rou2exOS
 * personality (docs/objects/keyboard-pipe.md). While subscribed, every scancode the
 * keyboard device delivers lands in this task's 256-byte ring (a full ring
 * drops new bytes and counts them); `read` takes what is there without
 * waiting, `next` waits for bytes.
 *
 * ```ts
 * using keys = task.keyboard.subscribe();
 * const codes = await keys.nextAsync();   // e.g. [0x1e, 0x9e] for 'a'
 * ```
 */
import type { TaskContext } from '../core/context.js';
import { messageMemory } from '../core/copy.js';
import * as L from '../core/layout.js';
import { pipeRead, pipeState, pipeSubscribe, pipeUnsubscribe } from '../objects/keyboard-pipe/keyboard-pipe.js';
import * as ops from '../ops/rou2exos-ops.js';
import { blocking, blockingAsync } from '../ops/blocking.js';
import { check } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, signalOf, type WaitOptions } from './handle.js';
import { integerArgument, optionsOf } from './arguments.js';

/** `options.max` (read once): 1 to the pipe's ring size, which is also the default. */
function maxOf(options: { max?: number } | undefined, operation: string): number {
  const max = optionsOf(options, operation)?.max;
  return max === undefined ? L.PIPE_RING_BYTES : Math.min(integerArgument(max, 'max', operation, 1, Number.MAX_SAFE_INTEGER), L.PIPE_RING_BYTES);
}

export class Keyboard {
  /** @internal Use `task.keyboard`. */
  constructor(private readonly ctx: TaskContext) {}

  /** Subscribes this task to scancodes. Throws AlreadyExistsError if it is already, NoSpaceError when 5 tasks are. */
  subscribe(): KeyboardSubscription {
    check(pipeSubscribe(this.ctx), 'Keyboard.subscribe');
    return new KeyboardSubscription(this.ctx);
  }
}

/** An active subscription; `unsubscribe` (or dispose) ends it. */
export class KeyboardSubscription implements Disposable {
  private readonly scratch = messageMemory(new Uint8Array(L.PIPE_RING_BYTES));

  /** @internal */
  constructor(private readonly ctx: TaskContext) {}

  /** Takes up to `max` (default: all) waiting scancode bytes, in order; empty when none wait. Never blocks. */
  read(max = L.PIPE_RING_BYTES): Uint8Array {
    const n = check(pipeRead(this.ctx, this.scratch, 0, Math.min(max, L.PIPE_RING_BYTES)), 'KeyboardSubscription.read');
    return this.scratch.bytes.slice(0, n);
  }

  /** Takes up to `max` waiting bytes, sleeping until at least one arrives. Throws TimeoutError. */
  next(options?: WaitOptions & { max?: number }): Uint8Array {
    const max = maxOf(options, 'KeyboardSubscription.next');
    const deadline = deadlineOf(options, 'KeyboardSubscription.next');
    const n = check(blocking(ops.PIPE_READ, this.ctx, 0, this.scratch, 0, max, deadline), 'KeyboardSubscription.next');
    return this.scratch.bytes.slice(0, n);
  }

  /** Like {@link next} without blocking the event loop. */
  async nextAsync(options?: AsyncWaitOptions & { max?: number }): Promise<Uint8Array> {
    const memory = messageMemory(new Uint8Array(maxOf(options, 'KeyboardSubscription.nextAsync')));
    const deadline = deadlineOf(options, 'KeyboardSubscription.nextAsync');
    const signal = signalOf(options, 'KeyboardSubscription.nextAsync');
    const n = check(await blockingAsync(ops.PIPE_READ, this.ctx, 0, memory, 0, memory.bytes.length, deadline, signal), 'KeyboardSubscription.nextAsync', signal);
    return memory.bytes.slice(0, n);
  }

  /** Bytes waiting, and bytes dropped so far because the ring was full. */
  get state(): { waiting: number; dropped: number } {
    return pipeState(this.ctx) ?? { waiting: 0, dropped: 0 };
  }

  /** Ends the subscription (idempotent). */
  unsubscribe(): void {
    if (pipeState(this.ctx) !== undefined) check(pipeUnsubscribe(this.ctx), 'KeyboardSubscription.unsubscribe');
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }
}
