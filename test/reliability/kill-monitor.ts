/**
 * The kill run's monitor (supervisor side): reads the tasks' slot words to
 * catch a survivor that stays inside one operation (every operation has a
 * timeout, so only a kernel bug keeps it there) or stops making progress,
 * and sums what each role got through for the progress lines.
 */
import { OPS, ROLES, S, sinceEpoch, slotBase, type Role } from './fixtures/kill-layout.js';
import type { KillRunOptions, Slot } from './kill-run.js';

export class KillMonitor {
  constructor(
    private readonly ctl: Int32Array,
    private readonly slots: Slot[],
    private readonly slotsByRole: Record<Role, number[]>,
    private readonly epoch: number,
    private readonly options: Pick<KillRunOptions, 'hangBoundMs' | 'opTimeoutMs'>,
    private readonly fail: (what: string) => void,
  ) {}

  private word(slot: Slot, field: number): number {
    return Atomics.load(this.ctl, slotBase(slot.index) + field);
  }
  private name(slot: Slot): string {
    return `slot ${slot.index} (${slot.role} ${slot.endpoint}, incarnation ${slot.incarnation}, pid ${slot.pid})`;
  }

  /** Every 250 ms: no live task inside one operation, or without progress, for longer than the hang bound. */
  watch(): void {
    const now = performance.now();
    const clock = sinceEpoch(this.epoch);
    for (const slot of this.slots) {
      if (slot.killing || slot.ending || slot.flagged || this.word(slot, S.started) !== 1 || this.word(slot, S.done) === 1) continue;
      const op = this.word(slot, S.op);
      const inside = clock - this.word(slot, S.opStart);
      if (op !== 0 && inside > this.options.hangBoundMs) {
        slot.flagged = true;
        this.fail(`${this.name(slot)} has been inside ${OPS[op - 1]} for ${Math.round(inside)} ms (its timeout is ${this.options.opTimeoutMs} ms): a hang`);
        continue;
      }
      const progress = this.word(slot, S.progress);
      if (progress !== slot.lastProgress) {
        slot.lastProgress = progress;
        slot.lastProgressAt = now;
      } else if (now - slot.lastProgressAt > this.options.hangBoundMs) {
        slot.flagged = true;
        this.fail(`${this.name(slot)} made no progress for ${Math.round(now - slot.lastProgressAt)} ms`);
      }
    }
  }

  private readonly reported = new Map<string, number>();

  /** Per role since the last call: successes/timeouts/errors (and how many of its slots are at work). */
  progressLine(): string {
    const parts: string[] = [];
    for (const role of ROLES) {
      const slots = this.slotsByRole[role].map((i) => this.slots[i]!);
      const sum = (field: number): number => slots.reduce((a, s) => a + this.word(s, field), 0);
      const now = { ok: sum(S.successes), timeouts: sum(S.timeouts), errors: sum(S.errors) };
      const delta = (key: keyof typeof now): number => {
        const before = this.reported.get(`${role}.${key}`) ?? 0;
        this.reported.set(`${role}.${key}`, now[key]);
        return now[key] - before;
      };
      parts.push(`${role} ${slots.filter((s) => this.word(s, S.started) === 1).length}/${slots.length} ${delta('ok')}/${delta('timeouts')}/${delta('errors')}`);
    }
    return parts.join(', ');
  }
}
