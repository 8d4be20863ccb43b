/**
 * How long a wait spins before it sleeps: the adaptive part of a park's
 * spin (src/ops/park.ts), one per thread (held by its Region). A spin pays
 * only if the thread that makes the awaited change runs meanwhile; this
 * keeps the record of whether spins have paid lately.
 *
 * Waits right after a wake. A task that has just woken a sleeping thread
 * (a call that woke its server, a reply that woke its caller, a send that
 * woke a receiver) and now waits for that thread's answer gets it only
 * once that thread runs again. On a machine with a free core it runs
 * within microseconds, and a spin catches the answer without a second
 * sleep and wake. When every core is busy it waits for a core, and the
 * spin only takes the core it needs: both sides then spin out their whole
 * budget on every exchange, and sleep anyway. So, as an adaptive mutex
 * spins only while the lock's owner is running, the spin after a wake
 * notes whether any sleeper resumed meanwhile (the kernel's resume
 * counter, H_STAT_RESUMES): after STARVED_SPINS_TO_STOP such spins in a row
 * that caught nothing while no sleeper anywhere resumed, waits after a
 * wake park at once, and one in PROBE_EVERY spins all the same, to notice
 * when a core is free again. A peer that runs but slowly (cold code, a
 * long handler) has resumed, so it does not count.
 *
 * Other waits (the peer was running: it spun, or was at work). After
 * FAILED_SPINS_TO_SHORTEN long spins in a row that caught nothing, they
 * spin SHORT_SPIN_MICROS only (one in PROBE_EVERY the whole budget), until
 * a spin catches its change: a peer that keeps missing the whole budget
 * has lost its core or works longer than a sleep costs, and a short spin
 * still catches the answers of one that is merely late.
 */

/** How long after this thread woke a sleeper its next wait counts as waiting for that sleeper (ms). */
export const AFTER_WAKE_MS = 0.2;
/** Spins after a wake in a row that starved (nobody resumed), before waits after a wake park at once. */
export const STARVED_SPINS_TO_STOP = 4;
/** While waits after a wake park at once, one in this many spins all the same. */
export const PROBE_EVERY = 16;
/** Long spins of waits that follow no wake that may fail in a row before such waits spin SHORT_SPIN_MICROS only. */
export const FAILED_SPINS_TO_SHORTEN = 4;
/** Microseconds such waits spin then. */
export const SHORT_SPIN_MICROS = 10;

export class SpinBudget {
  /** When this thread last woke a sleeper (performance.now(); -Infinity: not lately), and the resume counter then. */
  private wokeAt = -Infinity;
  private resumesAtWake = 0;
  /** Starved spins in a row, and waits after a wake since the last probe. */
  private starved = 0;
  private skipped = 0;
  /** Failed long spins in a row of waits that follow no wake, and such waits since the last full one. */
  private failed = 0;
  private shortened = 0;
  /** Whether the spin under way follows a wake. */
  private afterWake = false;

  /** Notes that this thread woke at least one sleeper at `now`, when the resume counter read `resumes`. */
  woke(now: number, resumes: number): void {
    this.wokeAt = now;
    this.resumesAtWake = resumes;
  }

  /**
   * Called at `now`, before a wait's long spin of `full` µs: how long to
   * spin, or 0 to park at once. A spin must be followed by {@link spun}.
   */
  budget(now: number, full: number): number {
    this.afterWake = now - this.wokeAt < AFTER_WAKE_MS;
    if (!this.afterWake) {
      if (this.failed >= FAILED_SPINS_TO_SHORTEN && ++this.shortened % PROBE_EVERY !== 0) return full < SHORT_SPIN_MICROS ? full : SHORT_SPIN_MICROS;
      return full;
    }
    this.wokeAt = -Infinity;
    if (this.starved < STARVED_SPINS_TO_STOP || ++this.skipped % PROBE_EVERY === 0) return full;
    this.afterWake = false;
    return 0;
  }

  /** After the long spin: whether it caught the change it waited for, and the resume counter now. */
  spun(changed: boolean, resumes: number): void {
    if (!this.afterWake) {
      this.failed = changed ? 0 : this.failed + 1;
      return;
    }
    this.afterWake = false;
    this.starved = !changed && resumes === this.resumesAtWake ? this.starved + 1 : 0;
  }

  /** Whether waits after a wake park at once for now (but for probes). */
  get parksAtOnce(): boolean {
    return this.starved >= STARVED_SPINS_TO_STOP;
  }
}
