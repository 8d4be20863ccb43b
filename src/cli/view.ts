/**
 * Text rendering for the CLI: plain tables, the live view of a kernel
 * snapshot (tasks, objects, names, usage), and a terminal region that
 * redraws that view in place while log lines scroll above it.
 */
import type { KernelSnapshot, KernelUsage, TaskInfo } from '../index.js';

/** Lays out rows as columns separated by two spaces; the first row is the header. */
export function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** Microseconds with a sensible number of digits. */
export function micros(us: number): string {
  if (!Number.isFinite(us)) return '-';
  return us < 10 ? `${us.toFixed(2)} µs` : us < 100 ? `${us.toFixed(1)} µs` : `${Math.round(us)} µs`;
}

function blockedOn(task: TaskInfo): string {
  if (task.state === 'exited') return `exit code ${task.exitCode ?? 0}`;
  const on = task.blockedOn;
  if (!on) return '';
  if (on.event === 'reply') return on.objectId !== 0 ? `reply to a call on ${on.type} #${on.objectId}` : 'reply to a call';
  return `${on.type} #${on.objectId} ${on.event}`;
}

export interface ViewOptions {
  /** A label per pid ("echo server", "client 2"). */
  labels?: ReadonlyMap<number, string>;
  /** Header line (title, elapsed time). */
  title?: string;
}

/** The live view of one snapshot, as lines. */
export function renderSnapshot(snap: KernelSnapshot, options: ViewOptions = {}): string[] {
  const labels = options.labels ?? new Map<number, string>();
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  lines.push('tasks');
  const taskRows = [['pid', 'task', 'OS pid', 'state', 'handles', 'waiting for']];
  for (const t of snap.tasks) {
    const label = labels.get(t.pid) ?? (t.pid === 1 ? 'init' : t.parent === 0 ? 'joined' : '');
    taskRows.push([String(t.pid), label, t.osPid === 0 ? '-' : String(t.osPid), t.state, String(t.handles), blockedOn(t)]);
  }
  lines.push(...table(taskRows));
  lines.push('objects');
  const objectRows = [['id', 'type', 'owner', 'refs', 'queue', 'receivers', 'senders', 'names']];
  for (const o of snap.objects) {
    objectRows.push([
      `#${o.id}`,
      o.destroyed ? `${o.type} (destroyed)` : o.type,
      String(o.owner),
      String(o.refs),
      o.destroyed ? '-' : queueColumn(o),
      String(o.waiters.receivers),
      String(o.waiters.senders),
      o.names.join(' '),
    ]);
  }
  if (snap.objects.length === 0) objectRows.push(['(none)']);
  lines.push(...table(objectRows));
  lines.push(`usage  ${usageLine(snap.usage, snap.limits)}`);
  const s = snap.stats;
  lines.push(`stats  calls ${s.calls}  replies ${s.replies}  sends ${s.sends}  receives ${s.receives}  EPIPE replies ${s.epipeReplies}  parks ${s.parks}  task exits ${s.taskExits}  lock recoveries ${s.lockRecoveries}`);
  const n = snap.network;
  if (n.interfaceAttached || n.driver !== 0 || n.ports.length > 0 || n.framesIn > 0) {
    const ports = n.ports.map((p) => `${p.port}→${p.pid}`).join(' ') || 'none';
    const d = n.dropped;
    lines.push(
      `net    driver ${n.driver || '-'}  ports ${ports}  frames in ${n.framesIn}  to ports ${n.toPort}  to driver ${n.toDriver}  ` +
        `dropped: no route ${d.noRoute}, mailbox full ${d.mailboxFull}, too big ${d.tooBig}, runt ${d.runt}  transmitted ${n.transmitted} (refused ${n.transmitRefused})`,
    );
  }
  const k = snap.keyboard;
  if (k.attached || k.subscribers.length > 0) {
    const subscribers = k.subscribers.map((x) => `${x.pid} (${x.waiting} waiting, ${x.dropped} dropped)`).join(', ') || 'none';
    lines.push(`keys   ${k.attached ? 'attached' : 'detached'}  scancodes ${k.scancodes}  subscribers ${subscribers}`);
  }
  return lines;
}

/** What the queue column shows: messages or bytes queued, a semaphore's count. */
function queueColumn(o: KernelSnapshot['objects'][number]): string {
  if (o.count !== undefined) return `count ${o.count}`;
  const ends = o.ends ? ` (${o.ends.senders} tx, ${o.ends.receivers} rx)` : '';
  const unit = o.size !== undefined ? ' bytes' : '';
  const refused = o.refused ? ` (${o.refused} refused)` : '';
  return `${o.depth}/${o.capacity}${unit}${ends}${refused}`;
}

/** "tasks 6/64  objects 3/1024 ..." */
export function usageLine(u: KernelUsage, limits?: KernelSnapshot['limits']): string {
  const of = (n: number, max: number | undefined): string => (max === undefined ? String(n) : `${n}/${max}`);
  return [
    `tasks ${of(u.tasks, limits?.maxTasks)}`,
    `objects ${of(u.objects, limits?.maxObjects)}`,
    `handles ${of(u.handles, limits ? limits.maxHandles * limits.maxTasks : undefined)}`,
    `message slots ${of(u.messageSlots, limits?.messageSlots)}`,
    `pages ${of(u.pages, limits?.pages)}`,
    `calls ${of(u.calls, limits?.maxCalls)}`,
    `names ${of(u.bindings, limits?.namespaceEntries)}`,
  ].join('  ');
}

/**
 * Output with an optional live region at the bottom. On a terminal the
 * region is redrawn in place and log lines appear above it; elsewhere (a
 * pipe, a file) each frame is printed after the lines logged before it.
 */
export class LiveOutput {
  private frameLines: string[] = [];
  private shown = 0;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.tty = stream.isTTY === true;
  }

  /** Prints a line above the live region. */
  log(line: string): void {
    if (!this.tty) {
      this.stream.write(line + '\n');
      return;
    }
    this.stream.write(this.erase() + line + '\n' + this.draw());
  }

  /** Replaces the live region. */
  frame(lines: string[]): void {
    if (!this.tty) {
      this.stream.write(lines.join('\n') + '\n\n');
      return;
    }
    // Lines must neither wrap nor scroll off the top, or the redraw cannot erase them.
    const width = Math.max(20, (this.stream.columns ?? 120) - 1);
    const height = Math.max(5, (this.stream.rows ?? 40) - 2);
    const fitted = lines.length > height ? [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more lines`] : lines;
    this.frameLines = fitted.map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l));
    this.stream.write(this.erase() + this.draw());
  }

  /** Leaves the last frame on screen and stops redrawing it. */
  finish(): void {
    this.frameLines = [];
    this.shown = 0;
  }

  private erase(): string {
    const n = this.shown;
    this.shown = 0;
    return n > 0 ? `\x1b[${n}A\x1b[J` : '';
  }

  private draw(): string {
    this.shown = this.frameLines.length;
    return this.frameLines.length > 0 ? this.frameLines.join('\n') + '\n' : '';
  }
}

interface TraceLine {
  time: number;
  pid: number;
  text: string;
}

/**
 * Trace lines from many threads, printed in time order: a line is held for
 * `lagMs` so that one stamped earlier on another thread, still in flight,
 * can overtake it.
 */
export class TraceLog {
  private pending: TraceLine[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly out: LiveOutput,
    private readonly labels: ReadonlyMap<number, string>,
    private readonly quiet: boolean,
    private readonly now: () => number,
    private readonly lagMs = 40,
  ) {
    this.timer = setInterval(() => this.flush(false), lagMs);
  }

  add(time: number, pid: number, text: string): void {
    this.pending.push({ time, pid, text });
  }

  /** Prints the lines older than the lag, or all of them. */
  flush(all: boolean): void {
    const cutoff = all ? Infinity : this.now() - this.lagMs;
    this.pending.sort((a, b) => a.time - b.time);
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.time <= cutoff) n++;
    const ready = this.pending.splice(0, n);
    if (this.quiet) return;
    for (const line of ready) {
      const label = this.labels.get(line.pid) ?? '';
      this.out.log(`${line.time.toFixed(1).padStart(8)} ms  ${`pid ${line.pid}`.padEnd(9)} ${label.padEnd(12)} ${line.text}`);
    }
  }

  /** Prints what is left and stops the timer. */
  stop(): void {
    clearInterval(this.timer);
    this.flush(true);
  }
}
