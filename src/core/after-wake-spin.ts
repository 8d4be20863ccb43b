/**
 * Whether a wait right after a wake should spin: the adaptive part of a
 * park's spin (src/ops/park.ts), one per thread (held by its Region).
 *
 * A task that has just woken a sleeping thread (a call that woke its
 * server, a reply that woke its caller, a send that woke a receiver) and
 * now waits for that thread's answer gets it only once that thread runs
 * again. On a machine with a free core it runs within microseconds, and a
 * spin catches the answer without a second sleep and wake. When every core
 * is busy it waits for a core, and the spin only takes the core it needs:
 * both sides then spin out their whole budget on every exchange, and park
 * anyway.
 *
 * So, as an adaptive mutex spins only while the lock's owner is running,
 * the spin after a wake notes whether any sleeper resumed meanwhile (the
 * kernel's resume counter, H_STAT_RESUMES): after STARVED_SPINS_TO_STOP such
 * spins in a row that caught nothing while no sleeper anywhere resumed,
 * waits after a wake park at once, and one in PROBE_EVERY spins all the
 * same, to notice when a core is free again. A peer that runs but slowly
 * (cold code, a long handler) has resumed, so it does not count: spinning
 * for it still pays. Waits that follow no wake (the peer was running) spin
 * as before.
 */

/** How long after this thread woke a sleeper its next wait counts as waiting for that sleeper (ms). */
export const AFTER_WAKE_MS = 0.2;
/** Spins after a wake in a row that starved (nobody resumed), before waits after a wake park at once. */
export const STARVED_SPINS_TO_STOP = 4;
/** While waits after a wake park at once, one in this many spins all the same. */
export const PROBE_EVERY = 16;

export class AfterWakeSpin {
  /** When this thread last woke a sleeper (performance.now(); -Infinity: not lately), and the resume counter then. */
  private wokeAt = -Infinity;
  private resumesAtWake = 0;
  /** Starved spins in a row, and waits after a wake since the last probe. */
  private starved = 0;
  private skipped = 0;
  /** Whether the spin under way follows a wake (its outcome counts). */
  private counting = false;

  /** Notes that this thread woke at least one sleeper at `now`, when the resume counter read `resumes`. */
  woke(now: number, resumes: number): void {
    this.wokeAt = now;
    this.resumesAtWake = resumes;
  }

  /**
   * Called at `now`, before a wait's long spin: false when the wait should
   * park at once instead (it follows a wake, and spins after wakes have
   * starved lately, and it is not one of the probes). A true answer must be
   * followed by {@link spun}.
   */
  maySpin(now: number): boolean {
    this.counting = now - this.wokeAt < AFTER_WAKE_MS;
    if (!this.counting) return true;
    this.wokeAt = -Infinity;
    if (this.starved < STARVED_SPINS_TO_STOP || ++this.skipped % PROBE_EVERY === 0) return true;
    this.counting = false;
    return false;
  }

  /** After the long spin: whether it caught the change it waited for, and the resume counter now. */
  spun(changed: boolean, resumes: number): void {
    if (!this.counting) return;
    this.counting = false;
    this.starved = !changed && resumes === this.resumesAtWake ? this.starved + 1 : 0;
  }

  /** Whether waits after a wake park at once for now (but for probes). */
  get parksAtOnce(): boolean {
    return this.starved >= STARVED_SPINS_TO_STOP;
  }
}
