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
 * wake park at once, and a probe now and then spins all the same, to
 * notice when a core is free again (the probes' gap grows while they
 * fail). A peer that runs but slowly (cold code, a long handler) has
 * resumed, so it does not count.
 *
 * Other waits (the peer was running: it spun, or was at work). After
 * FAILED_SPINS_TO_SHORTEN long spins in a row that caught nothing, they
 * spin SHORT_SPIN_MICROS only (but for probes), until a spin catches its
 * change: a peer that keeps missing the whole budget has lost its core or
 * works longer than a sleep costs, and a short spin still catches the
 * answers of one that is merely late.
 */

/** How long after this thread woke a sleeper its next wait counts as waiting for that sleeper (ms). */
export const AFTER_WAKE_MS = 0.2;
/** Spins after a wake in a row that starved (nobody resumed), before waits after a wake park at once. */
export const STARVED_SPINS_TO_STOP = 4;
/** Long spins of waits that follow no wake that may fail in a row before such waits spin SHORT_SPIN_MICROS only. */
export const FAILED_SPINS_TO_SHORTEN = 4;
/** Microseconds such waits spin then. */
export const SHORT_SPIN_MICROS = 10;
/**
 * While spins do not pay, a wait spins its whole budget all the same (a
 * probe) after FIRST_PROBE_GAP others, and the gap doubles after every
 * probe that fails, up to LAST_PROBE_GAP: so a machine that stays busy
 * costs ever fewer vain spins, and one that frees a core is noticed within
 * LAST_PROBE_GAP waits.
 */
export const FIRST_PROBE_GAP = 16;
export const LAST_PROBE_GAP = 1024;

/** When the next probe is due, for one of the two rules. */
class Probes {
  private gap = FIRST_PROBE_GAP;
  private since = 0;

  /** Counts a wait; whether it is a probe. */
  due(): boolean {
    if (++this.since < this.gap) return false;
    this.since = 0;
    return true;
  }

  /** A probe caught nothing: the next one waits twice as long. */
  failed(): void {
    this.gap = this.gap * 2 < LAST_PROBE_GAP ? this.gap * 2 : LAST_PROBE_GAP;
  }

  /** Spins pay again. */
  reset(): void {
    this.gap = FIRST_PROBE_GAP;
    this.since = 0;
  }
}

export class SpinBudget {
  /** When this thread last woke a sleeper (performance.now(); -Infinity: not lately), and the resume counter then. */
  private wokeAt = -Infinity;
  private resumesAtWake = 0;
  /** Starved spins in a row of waits after a wake, and their probes. */
  private starved = 0;
  private readonly afterWakeProbes = new Probes();
  /** Failed long spins in a row of waits that follow no wake, and their probes. */
  private failed = 0;
  private readonly plainProbes = new Probes();
  /** Whether the spin under way follows a wake, and whether it is a probe. */
  private afterWake = false;
  private probing = false;

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
    this.probing = false;
    if (!this.afterWake) {
      if (this.failed < FAILED_SPINS_TO_SHORTEN) return full;
      if ((this.probing = this.plainProbes.due())) return full;
      return full < SHORT_SPIN_MICROS ? full : SHORT_SPIN_MICROS;
    }
    this.wokeAt = -Infinity;
    if (this.starved < STARVED_SPINS_TO_STOP) return full;
    if ((this.probing = this.afterWakeProbes.due())) return full;
    return 0;
  }

  /** After the spin: whether it caught the change it waited for, and the resume counter now. */
  spun(changed: boolean, resumes: number): void {
    if (!this.afterWake) {
      if (changed) {
        this.failed = 0;
        this.plainProbes.reset();
      } else {
        this.failed++;
        if (this.probing) this.plainProbes.failed();
      }
      return;
    }
    if (!changed && resumes === this.resumesAtWake) {
      this.starved++;
      if (this.probing) this.afterWakeProbes.failed();
    } else {
      this.starved = 0;
      this.afterWakeProbes.reset();
    }
  }

  /** Whether waits after a wake park at once for now (but for probes). */
  get parksAtOnce(): boolean {
    return this.starved >= STARVED_SPINS_TO_STOP;
  }
}
