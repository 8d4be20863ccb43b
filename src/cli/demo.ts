/**
 * `kipc demo`: a kernel, an echo server bound at /srv/echo, clients calling
 * it, and then a server that gets stuck holding calls and is terminated, so
 * that its callers get EPIPE. Prints a trace (time, pid, event) and a
 * summary: calls, round-trip latency, EPIPE deliveries, and the kernel's
 * table usage before and after, which must come back to where it started.
 *
 * Every task reports to init through a trace port (see trace.ts); init
 * prints the events in time order, a few tens of milliseconds behind.
 */
import { Kernel, Message, sys, type KernelSnapshot, type KernelUsage, type Port, type TaskHandle } from '../index.js';
import {
  ECHO_TYPE,
  EV_CLIENT_ANSWERED,
  EV_CLIENT_CALLING,
  EV_CLIENT_DONE,
  EV_CLIENT_EPIPE,
  EV_CLIENT_FAILED,
  EV_SERVER_HOLDING,
  EV_SERVER_READY,
  EV_SERVER_STOPPED,
  ROLE_ECHO,
  ROLE_STALL,
  STOP_TYPE,
  TRACE_PATH,
  TRACE_TYPE,
  decodeTrace,
  epochNow,
  Latencies,
  since,
  type TraceEvent,
} from './trace.js';
import { LiveOutput, TraceLog, micros, renderSnapshot, table } from './view.js';
import type { ClientData } from './demo-client.js';
import type { ServerData } from './demo-server.js';
import { threadBackend } from '../backend/thread.js';

export interface DemoOptions {
  /** Clients calling the echo server (default 4). */
  clients: number;
  /** Calls per client (default 2000). */
  calls: number;
  /** Callers of the server that gets stuck (default 3); it receives all but one of their calls. */
  stalled: number;
  /** Redraw a table of tasks and objects a few times a second. */
  watch: boolean;
  /** Print only the summary. */
  quiet: boolean;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = { clients: 4, calls: 2000, stalled: 3, watch: false, quiet: false };

/** Runs the demo; resolves the process exit code (0 when every check held). */
export function runDemo(options: Partial<DemoOptions> = {}): Promise<number> {
  return new Demo({ ...DEFAULT_DEMO_OPTIONS, ...options }).run();
}

const SERVER_MODULE = new URL('./demo-server.js', import.meta.url);
const CLIENT_MODULE = new URL('./demo-client.js', import.meta.url);
/** End-of-trace marker init sends to itself. */
const TRACE_END = 0x7f;
/** Any single step taking longer than this is a failure, not a hang. */
const STEP_TIMEOUT_MS = 15_000;
/** In --watch mode, how long the stuck phase is held so the view shows it. */
const WATCH_HOLD_MS = 1500;

type UsageKey = keyof KernelUsage;
const USAGE_ROWS: [UsageKey, string][] = [
  ['tasks', 'tasks (live)'],
  ['objects', 'objects'],
  ['handles', 'handles'],
  ['messageSlots', 'message slots'],
  ['calls', 'calls in flight'],
  ['bindings', 'names'],
];

class Demo {
  private readonly t0 = epochNow();
  private readonly out = new LiveOutput();
  private readonly labels = new Map<number, string>([[1, 'init']]);
  private readonly trace: TraceLog;
  private readonly kernel = Kernel.create();
  private readonly usageStart: KernelUsage;
  private readonly peak: KernelUsage;
  private readonly problems: string[] = [];
  private readonly events: TraceEvent[] = [];
  private readonly eventWaiters: { match: (e: TraceEvent) => boolean; resolve: () => void }[] = [];
  private readonly exits: Promise<void>[] = [];
  private readonly tracePort: Port;
  private readonly reader: Promise<void>;
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  // Phase 1: echo calls, timed by the clients into `samples` (µs).
  private readonly warmup: number;
  private readonly timed: number;
  private readonly samples: SharedArrayBuffer;
  private echoPid = 0;
  private abi = { ok: false, micros: 0 };
  // Phase 2: the stuck server.
  private stuckPid = 0;
  private terminateAt = 0;

  constructor(private readonly o: DemoOptions) {
    this.trace = new TraceLog(this.out, this.labels, o.quiet, () => this.now());
    this.usageStart = this.kernel.usage();
    this.peak = { ...this.usageStart };
    this.warmup = Math.min(200, Math.floor(o.calls / 10));
    this.timed = o.calls - this.warmup;
    this.samples = threadBackend.allocate(Math.max(1, o.clients * this.timed) * 8).bytes.buffer as SharedArrayBuffer;
    const limits = this.kernel.snapshot().limits;
    this.say(
      `kernel up: ${(this.kernel.buffer.byteLength / 2 ** 20).toFixed(1)} MiB SharedArrayBuffer, ` +
        `${limits.maxTasks} task slots, ${limits.maxObjects} objects, ${limits.messageSlots} message slots`,
    );
    this.tracePort = this.kernel.task.createPort({ capacity: 256 });
    this.tracePort.bind(TRACE_PATH);
    this.reader = this.readTrace();
    this.timers.push(setInterval(() => this.samplePeak(), 5));
    if (o.watch) this.timers.push(setInterval(() => this.out.frame(this.view(this.kernel.snapshot(), '')), 250));
  }

  async run(): Promise<number> {
    try {
      await this.echoPhase();
      await this.stuckPhase();
      await within(Promise.all(this.exits), 'every task to exit');
    } catch (error) {
      this.problems.push(error instanceof Error ? error.message : String(error));
    }
    const final = await this.windDown();
    this.summarize(final);
    return this.problems.length === 0 ? 0 : 1;
  }

  /** An echo server at /srv/echo, one call through the ABI, then clients making timed calls. */
  private async echoPhase(): Promise<void> {
    const o = this.o;
    const echo = this.spawn(SERVER_MODULE, 'echo server', { role: ROLE_ECHO, path: '/srv/echo', hold: 0, t0: this.t0 });
    this.echoPid = echo.pid;
    await this.eventSeen('the echo server to bind /srv/echo', (e) => e.event === EV_SERVER_READY && e.pid === echo.pid);
    this.abi = this.callThroughAbi();
    const pace = o.watch ? { paceEvery: Math.max(1, Math.floor(o.calls / 20)), paceMs: 40 } : { paceEvery: 0, paceMs: 0 };
    const clients: TaskHandle[] = [];
    for (let i = 0; i < o.clients; i++) {
      const data: ClientData = { role: ROLE_ECHO, path: '/srv/echo', calls: o.calls, warmup: this.warmup, samples: this.samples, offset: i * this.timed, ...pace, t0: this.t0 };
      clients.push(this.spawn(CLIENT_MODULE, `client ${i + 1}`, data));
    }
    await within(Promise.all(clients.map((c) => c.exited)), 'the clients to finish');
    this.say(`all ${o.clients} clients exited; sending STOP to /srv/echo`);
    const stop = this.kernel.task.connect('/srv/echo');
    stop.send(Message.of(STOP_TYPE));
    stop.close();
    const exit = await within(echo.exited, 'the echo server to stop');
    this.say(`pid ${echo.pid} exited (code ${exit.code}); kernel released its port and the name /srv/echo`);
  }

  /** A server that receives calls and never answers; callers block; init terminates it. */
  private async stuckPhase(): Promise<void> {
    const o = this.o;
    const hold = o.stalled - 1;
    const stuck = this.spawn(SERVER_MODULE, 'stuck server', { role: ROLE_STALL, path: '/srv/stuck', hold, t0: this.t0 });
    this.stuckPid = stuck.pid;
    const isReady = (e: TraceEvent): boolean => e.event === EV_SERVER_READY && e.pid === stuck.pid;
    await this.eventSeen('the stuck server to bind /srv/stuck', isReady);
    const stuckPort = this.events.find(isReady)!.a;
    const callers: TaskHandle[] = [];
    for (let i = 0; i < o.stalled; i++) {
      const data: ClientData = { role: ROLE_STALL, path: '/srv/stuck', calls: 1, warmup: 0, offset: 0, paceEvery: 0, paceMs: 0, t0: this.t0 };
      callers.push(this.spawn(CLIENT_MODULE, `caller ${i + 1}`, data));
    }

    // Wait until the server holds `hold` calls, the rest are queued, and every caller sleeps awaiting its reply.
    const callerPids = new Set(callers.map((c) => c.pid));
    let before: KernelSnapshot | undefined;
    await until(() => {
      const snap = this.kernel.snapshot();
      const port = snap.objects.find((obj) => obj.id === stuckPort);
      const asleep = snap.tasks.filter((t) => callerPids.has(t.pid) && t.blockedOn?.event === 'reply').length;
      const held = this.events.filter((e) => e.event === EV_SERVER_HOLDING && e.pid === stuck.pid).length;
      const ready = port !== undefined && port.depth === o.stalled - hold && held === hold && asleep === o.stalled;
      if (ready) before = snap;
      return ready;
    }, 'the callers to block on the stuck server');
    if (o.watch) await new Promise((resolve) => setTimeout(resolve, WATCH_HOLD_MS));
    this.trace.flush(true);
    if (!o.quiet && !o.watch && before) {
      this.out.log('');
      this.out.log('  kernel snapshot before terminate():');
      for (const line of this.view(before)) this.out.log('  ' + line);
      this.out.log('');
    }

    this.terminateAt = this.now();
    this.say(`terminate pid ${stuck.pid}: it holds ${hold} unanswered call${hold === 1 ? '' : 's'}, ${o.stalled - hold} more queued on its port`);
    const exit = await within(stuck.terminate(), 'the stuck server to be reaped');
    this.say(`pid ${stuck.pid} stopped (exit code ${exit.code}); supervisor reaped it: EPIPE replies sent, port #${stuckPort} destroyed`);
    await within(Promise.all(callers.map((c) => c.exited)), 'the callers to exit');
    await this.eventSeen('every caller to report', () => this.events.filter((e) => callerPids.has(e.pid) && e.event !== EV_CLIENT_CALLING).length === o.stalled);
  }

  /** Drains the trace, closes init's port, takes the final snapshot and shuts the kernel down. */
  private async windDown(): Promise<KernelSnapshot> {
    this.tracePort.send(Message.of(TRACE_END));
    await within(this.reader, 'the trace to drain').catch((error: Error) => this.problems.push(error.message));
    this.tracePort.close();
    for (const timer of this.timers) clearInterval(timer);
    this.samplePeak();
    const final = this.kernel.snapshot();
    this.trace.flush(true);
    if (this.o.watch) this.out.frame(this.view(final, ' (end)'));
    this.out.finish();
    this.say('closed the trace port; shutting the kernel down');
    this.trace.stop();
    await this.kernel.close();
    return final;
  }

  private summarize(final: KernelSnapshot): void {
    const o = this.o;
    const times = new Latencies(new Float64Array(this.samples, 0, o.clients * this.timed));
    const callsMade = this.events.filter((e) => e.event === EV_CLIENT_DONE).reduce((n, e) => n + e.a, 0);
    const served = this.events.find((e) => e.event === EV_SERVER_STOPPED)?.a ?? 0;
    const epipes = this.events.filter((e) => e.event === EV_CLIENT_EPIPE);
    const heldPids = new Set(this.events.filter((e) => e.event === EV_SERVER_HOLDING).map((e) => e.a));
    const heldEpipes = epipes.filter((e) => heldPids.has(e.pid)).length;
    const latestWake = Math.max(...epipes.map((e) => e.time - this.terminateAt));
    const leaked = USAGE_ROWS.map(([k]) => k).filter((k) => final.usage[k] !== this.usageStart[k]);

    if (callsMade !== o.clients * o.calls) this.problems.push(`expected ${o.clients * o.calls} echo calls, clients report ${callsMade}`);
    if (epipes.length !== o.stalled) this.problems.push(`expected ${o.stalled} callers to get EPIPE, ${epipes.length} did`);
    if (epipes.some((e) => e.a !== 32 || e.c !== 0x80 || e.b !== this.stuckPid)) {
      this.problems.push('an EPIPE reply did not carry msg_type 0x80, status 32 and the dead server as sender');
    }
    if (leaked.length > 0) this.problems.push(`kernel tables not back to where they started: ${leaked.join(', ')}`);
    if (!this.abi.ok) this.problems.push('the ABI call from init was not answered as expected');

    const s = final.stats;
    const lines = ['', 'summary'];
    lines.push(
      ...table([
        ['calls', `${callsMade} echo calls from ${o.clients} clients, ${served} answered by pid ${this.echoPid}${served === callsMade + 1 ? ' (+1 through the ABI from init)' : ''}`],
        [
          'round trip',
          `median ${micros(times.at(50))}, p99 ${micros(times.at(99))}, min ${micros(times.min)}, max ${micros(times.max)}` +
            ` over ${times.count} timed sync calls (first ${this.warmup} per client are warm-up)`,
        ],
        ['ABI call', this.abi.ok ? `IPC_CALL (203) from init: ${micros(this.abi.micros)} (first call, cold)` : 'failed'],
        [
          'EPIPE',
          `${epipes.length} of ${o.stalled} callers of the stuck server got BrokenPipeError (${heldEpipes} it had received, ${epipes.length - heldEpipes} still queued)` +
            (epipes.length > 0 ? `, woken ${latestWake.toFixed(1)} ms after terminate() at the latest` : ''),
        ],
        ['kernel stats', `${s.calls} calls, ${s.replies} replies, ${s.epipeReplies} EPIPE replies, ${s.parks} futex sleeps, ${s.taskExits} task exits, ${s.lockRecoveries} lock recoveries`],
      ]),
    );
    lines.push('');
    lines.push(...table([['kernel usage', 'start', 'peak', 'end'], ...USAGE_ROWS.map(([k, name]) => [name, String(this.usageStart[k]), String(this.peak[k]), String(final.usage[k])])]));
    lines.push('');
    lines.push(leaked.length === 0 ? '  cleanup: every table is back where it started; nothing leaked' : `  cleanup: LEAKED ${leaked.join(', ')}`);
    if (this.problems.length > 0) lines.push('', 'problems:', ...this.problems.map((p) => `  - ${p}`));
    for (const line of lines) this.out.log(line);
  }

  // --- helpers -------------------------------------------------------------

  private now(): number {
    return since(this.t0);
  }

  /** A trace line from init. */
  private say(text: string): void {
    this.trace.add(this.now(), 1, text);
  }

  private view(snap: KernelSnapshot, suffix?: string): string[] {
    const title = suffix === undefined ? undefined : `── kipc live view  ${this.now().toFixed(0)} ms${suffix} ──`;
    return renderSnapshot(snap, { labels: this.labels, ...(title ? { title } : {}) });
  }

  private samplePeak(): void {
    const u = this.kernel.usage();
    for (const [k] of USAGE_ROWS) this.peak[k] = Math.max(this.peak[k], u[k]);
  }

  private spawn(module: URL, label: string, data: ServerData | ClientData): TaskHandle {
    const handle = this.kernel.spawn(module, { data });
    this.labels.set(handle.pid, label);
    this.say(`spawn pid ${handle.pid}: ${label}`);
    const expectKilled = label === 'stuck server';
    this.exits.push(
      handle.exited.then((exit) => {
        if (exit.code !== 0 && !expectKilled) this.problems.push(`${label} (pid ${handle.pid}) exited with code ${exit.code}${exit.error ? `: ${exit.error}` : ''}`);
      }),
    );
    return handle;
  }

  /** Receives trace events until init's end marker. */
  private async readTrace(): Promise<void> {
    const m = new Message();
    for (;;) {
      await this.tracePort.receiveAsync({ into: m });
      if (m.type === TRACE_END) return;
      if (m.type !== TRACE_TYPE) continue;
      const e = decodeTrace(m);
      this.events.push(e);
      this.trace.add(e.time, e.pid, describe(e));
      for (let i = this.eventWaiters.length - 1; i >= 0; i--) {
        if (this.eventWaiters[i]!.match(e)) this.eventWaiters.splice(i, 1)[0]!.resolve();
      }
    }
  }

  /** Resolves once a trace event matching `match` has arrived (or already had). */
  private eventSeen(what: string, match: (e: TraceEvent) => boolean): Promise<void> {
    if (this.events.some(match)) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.eventWaiters.push({ match, resolve })), what);
  }

  /** One echo call made by init through the numbered ABI, on its own user memory. */
  private callThroughAbi(): { ok: boolean; micros: number } {
    const task = this.kernel.task;
    const mem = task.memory;
    const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    const path = new TextEncoder().encode('/srv/echo');
    mem.set(path, 0);
    const h = task.syscall(sys.SYS_IPC_CONNECT, 0, path.length);
    const msg = 64;
    mem.fill(0, msg, msg + 64);
    view.setUint32(msg + 8, ECHO_TYPE, true);
    view.setUint32(msg + 16, 41, true);
    const start = performance.now();
    const r = task.syscall(sys.SYS_IPC_CALL, h, msg);
    const us = (performance.now() - start) * 1000;
    const answer = view.getUint32(msg + 16, true);
    const from = view.getUint32(msg, true);
    task.syscall(sys.SYS_HANDLE_CLOSE, h);
    this.say(`ABI: IPC_CONNECT(208, "/srv/echo") = handle ${h}; IPC_CALL(203, ${h}, ${msg}) = ${r}, payload 41 -> ${answer} from pid ${from}`);
    return { ok: h > 0 && r === 0 && answer === 42, micros: us };
  }
}

function describe(e: TraceEvent): string {
  switch (e.event) {
    case EV_SERVER_READY:
      return e.b === ROLE_STALL
        ? `bound port #${e.a} at /srv/stuck; will receive calls and never answer them`
        : `bound port #${e.a} at /srv/echo; answering calls (payload + 1)`;
    case EV_SERVER_HOLDING:
      return `received call #${e.c} from pid ${e.a} (call token 0x${e.b.toString(16)}); holding it, not replying`;
    case EV_SERVER_STOPPED:
      return `got STOP after answering ${e.a} calls; exiting`;
    case EV_CLIENT_DONE:
      return `${e.a} calls to pid ${e.b} done: median ${micros(e.x)}, p99 ${micros(e.y)}`;
    case EV_CLIENT_CALLING:
      return `connected to /srv/stuck (send-only handle ${e.a}); calling, asleep until the reply`;
    case EV_CLIENT_EPIPE:
      return `call failed: BrokenPipeError (EPIPE) after ${e.x.toFixed(1)} ms; reply msg_type 0x${e.c.toString(16)}, status ${e.a}, from pid ${e.b}`;
    case EV_CLIENT_FAILED:
      return `call failed unexpectedly (errno ${e.a})`;
    case EV_CLIENT_ANSWERED:
      return 'call was answered (unexpected: the server never replies)';
    default:
      return `event ${e.event}`;
  }
}

/** Polls `condition` every few milliseconds until it holds; rejects naming `what` after STEP_TIMEOUT_MS. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

/** `promise`, or a rejection naming `what` after STEP_TIMEOUT_MS. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
