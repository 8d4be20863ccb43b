/**
 * Semaphore: the typed face of a semaphore handle (SEM_*). `acquire` takes
 * one unit, waiting while there is none; `release` gives one back and wakes
 * one waiter. `lock` returns a guard for `using`:
 *
 * ```ts
 * const sem = task.createSemaphore(1);
 * {
 *   using _ = sem.lock();
 *   // ... at most one task here at a time
 * }
 * ```
 */
import { EAGAIN } from '../core/errno.js';
import * as ops from '../ops/object-ops.js';
import { NO_MEMORY, blocking, blockingAsync } from '../ops/blocking.js';
import * as handles from '../ops/handle-ops.js';
import { semaphorePost, semaphoreTake } from '../objects/semaphore/semaphore.js';
import { check } from './errors.js';
import { type AsyncWaitOptions, deadlineOf, Handle, signalOf, type WaitOptions } from './handle.js';

/** Holds one unit of a semaphore until disposed (or `release`d). Releasing twice is a no-op. */
export class SemaphoreGuard implements Disposable {
  private held = true;

  constructor(private readonly semaphore: Semaphore) {}

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.semaphore.release();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

export class Semaphore extends Handle {
  /** A second handle to the same semaphore with the same rights. Needs grant. */
  duplicate(): Semaphore {
    return new Semaphore(this.ctx, check(handles.duplicate(this.ctx, this.handle), 'Semaphore.duplicate'));
  }

  /** Takes one unit, waiting while the count is 0. Throws TimeoutError, BrokenPipeError once destroyed. */
  acquire(options?: WaitOptions): void {
    const deadline = deadlineOf(options, 'Semaphore.acquire');
    check(blocking(ops.SEMAPHORE_WAIT, this.ctx, this.handle, NO_MEMORY, 0, 0, deadline), 'Semaphore.acquire');
  }

  async acquireAsync(options?: AsyncWaitOptions): Promise<void> {
    const deadline = deadlineOf(options, 'Semaphore.acquireAsync');
    const signal = signalOf(options, 'Semaphore.acquireAsync');
    check(await blockingAsync(ops.SEMAPHORE_WAIT, this.ctx, this.handle, NO_MEMORY, 0, 0, deadline, signal), 'Semaphore.acquireAsync', signal);
  }

  /** Takes one unit if the count is above 0 now; false otherwise. */
  tryAcquire(): boolean {
    const r = semaphoreTake(this.ctx, this.handle, false);
    if (r === -EAGAIN) return false;
    check(r, 'Semaphore.tryAcquire');
    return true;
  }

  /** Gives one unit back, waking one waiter. Throws InvalidArgumentError at 2^31-1. */
  release(): void {
    check(semaphorePost(this.ctx, this.handle), 'Semaphore.release');
  }

  /** acquire(), returning a guard that releases the unit when disposed (`using`). */
  lock(options?: WaitOptions): SemaphoreGuard {
    this.acquire(options);
    return new SemaphoreGuard(this);
  }

  async lockAsync(options?: AsyncWaitOptions): Promise<SemaphoreGuard> {
    await this.acquireAsync(options);
    return new SemaphoreGuard(this);
  }
}
