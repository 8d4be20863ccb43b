/**
 * The kill run (supervisor side), shared by the CI kill tests and the soak:
 * worker tasks of every role (test/reliability/fixtures/kill-*-roles.ts) push heavy
 * traffic over every object type (ports one-way and call/reply, the MPMC
 * channel, the semaphore, the ring's stream, rou2exOS mailboxes, page IPC)
 * while kill lanes terminate random tasks at random instants and spawn a
 * replacement into the same slot. Meanwhile a monitor fails the run when a
 * survivor stays inside one operation (every one has a timeout) or stops
 * making progress. After the kills: every slot must make progress again;
 * producers stop, receivers drain, the supervisor drains what the shared
 * objects still hold, and the ledger is tallied (kill-accounting.ts);
 * finally kernel.check() must find nothing, and the kernel's usage must be
 * back at its baseline.
 *
 * Runs are driven by a seed (which slot dies, when, and each task's
 * choices); thread timing is not replayable, but the choices are.
 */
import { Message, type ChannelReceiver, type ChannelSender, type Kernel, type Ring, type Semaphore, type TaskExit, type TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { lockFree, startWatchdog, withGuardedKernel } from '../support/kernel.js';
import { G, PRODUCER_ROLES, RING_RECORD_BYTES, ROLES, S, controlBlock, slotBase, type Role } from './fixtures/kill-layout.js';
import { Ledger, checkMessage, recordReceived } from './fixtures/kill-ledger.js';
import { latencyBlock, summarizeLatency, type LatencySummary } from './fixtures/kill-latency.js';
import { seededRandom, type KillTaskData } from './fixtures/kill-role.js';
import { KillMonitor } from './kill-monitor.js';
import { excuseKill, noExcuses, tally, type Accounting } from './kill-accounting.js';

export interface KillRunOptions {
  seed: number;
  /** Tasks per role (14 roles). */
  perRole: number;
  /** Kills to make (0: traffic only). */
  kills: number;
  /** Traffic runs at least this long (kills go on until both this and `kills` are reached). */
  minDurationMs: number;
  /** Kills in progress at once. */
  killLanes: number;
  /** A victim dies at a random instant up to this long after it is picked (among the tasks at work). */
  maxKillDelayMs: number;
  /** Timeout of every blocking operation a task runs. */
  opTimeoutMs: number;
  /** A survivor inside one operation, or without progress, for longer than this is a hang. */
  hangBoundMs: number;
  /** Ledger capacity in messages (producers stop when it is full). */
  ledgerMessages: number;
  portCapacity: number;
  log: (line: string) => void;
}

export const CI_DEFAULTS: Omit<KillRunOptions, 'seed' | 'log'> = {
  perRole: 1,
  kills: 200,
  minDurationMs: 0,
  killLanes: 6,
  maxKillDelayMs: 40,
  opTimeoutMs: 1000,
  hangBoundMs: 20_000,
  ledgerMessages: 16_000_000,
  portCapacity: 8,
};

export interface KillRunResult {
  seed: number;
  tasks: number;
  kills: number;
  killsByRole: Partial<Record<Role, number>>;
  /** Kills that landed while the victim was inside a kernel operation of the test. */
  killsMidOperation: number;
  /** Kills of a replacement before it was at work (while it attached and set up). */
  killsDuringBoot: number;
  spawns: number;
  /** Mean time from terminate() to the victim being reaped, and from spawn to the replacement at work. */
  meanReapMs: number;
  meanBootMs: number;
  elapsedMs: number;
  accounting: Accounting;
  latency: LatencySummary[];
  /** kernel.check() at the end. */
  check: string[];
  /** Every assertion that failed, in words; empty when the run passed. */
  violations: string[];
}

/** One task position: its role and endpoint are fixed, its incarnations come and go. */
export interface Slot {
  index: number;
  role: Role;
  endpoint: number;
  incarnation: number;
  handle: TaskHandle | undefined;
  pid: number;
  /** Incarnations the run itself ended (killed, or stopped at the end): their exit is expected. */
  ending: boolean;
  killing: boolean;
  lastProgress: number;
  lastProgressAt: number;
  flagged: boolean;
}

/** The objects init holds for the run (so that they outlive every task) and grants to the tasks. */
interface SharedObjects {
  channel: { sender: ChannelSender<Message>; receiver: ChannelReceiver<Message> };
  semaphore: Semaphore;
  ring: Ring;
}

/** The share of replacements that are killed again while they boot. */
const BOOT_KILL_SHARE = 0.1;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runKills(options: KillRunOptions): Promise<KillRunResult> {
  const watchdog = startWatchdog(90_000, `kill run (seed ${options.seed})`);
  try {
    return await withGuardedKernel((kernel) => new KillRun(kernel, options).run(), {
      maxTasks: options.perRole * ROLES.length + 16,
      pages: 4096,
      messageSlots: 16_384,
    });
  } finally {
    watchdog.stop();
  }
}

class KillRun {
  private readonly random: () => number;
  private readonly slots: Slot[] = [];
  private readonly slotsByRole = {} as Record<Role, number[]>;
  private readonly ctl: Int32Array;
  private readonly ledger: Ledger;
  private readonly latency = latencyBlock();
  private readonly epoch = Date.now();
  private readonly violations: string[] = [];
  private readonly excuses = noExcuses();
  private readonly killsByRole: Partial<Record<Role, number>> = {};
  private kills = 0;
  private killsMidOperation = 0;
  private killsDuringBoot = 0;
  private spawns = 0;
  /** Time kill lanes spent waiting for victims to be reaped, and for their replacements to start. */
  private reapMs = 0;
  private bootMs = 0;
  private stopping = false;
  private objects!: SharedObjects;
  private readonly monitor: KillMonitor;

  constructor(
    private readonly kernel: Kernel,
    private readonly options: KillRunOptions,
  ) {
    this.random = seededRandom(options.seed);
    for (const role of ROLES) this.slotsByRole[role] = [];
    for (const role of ROLES) {
      for (let endpoint = 0; endpoint < options.perRole; endpoint++) {
        const index = this.slots.length;
        this.slotsByRole[role].push(index);
        this.slots.push({ index, role, endpoint, incarnation: 0, handle: undefined, pid: 0, ending: false, killing: false, lastProgress: 0, lastProgressAt: 0, flagged: false });
      }
    }
    this.ctl = controlBlock(this.slots.length);
    this.ledger = Ledger.create(options.ledgerMessages, this.ctl);
    this.monitor = new KillMonitor(this.ctl, this.slots, this.slotsByRole, this.epoch, options, (what) => this.fail(what));
  }

  private word(slot: Slot, field: number): number {
    return Atomics.load(this.ctl, slotBase(slot.index) + field);
  }
  private setWord(slot: Slot, field: number, value: number): void {
    Atomics.store(this.ctl, slotBase(slot.index) + field, value);
    Atomics.notify(this.ctl, slotBase(slot.index) + field);
  }
  private fail(what: string): void {
    if (this.violations.length < 50) this.violations.push(what);
    this.options.log(`VIOLATION: ${what}`);
  }
  private name(slot: Slot): string {
    return `slot ${slot.index} (${slot.role} ${slot.endpoint}, incarnation ${slot.incarnation}, pid ${slot.pid})`;
  }

  async run(): Promise<KillRunResult> {
    const started = performance.now();
    const init = this.kernel.task;
    const baseline = this.kernel.usage();
    this.objects = {
      channel: init.createChannel({ capacity: 32 }),
      semaphore: init.createSemaphore(0),
      ring: init.createRing(4096),
    };
    const monitor = setInterval(() => this.monitor.watch(), 250);
    try {
      for (const slot of this.slots) await this.spawnInto(slot);
      await this.killPhase(started);
      if (this.violations.length === 0) await this.recoveryPhase();
      await this.stopAndDrain();
    } finally {
      clearInterval(monitor);
      this.stopping = true;
      await this.endEverything();
    }
    // Every task is gone: the kernel must be consistent with init's shared objects still alive, and after they go.
    await lockFree(this.kernel, 'checking the kernel');
    const check = this.checkKernel('with every task gone');
    this.drainSharedObjects();
    const finalCount = this.drainSemaphore();
    this.objects.channel.sender.close();
    this.objects.channel.receiver.close();
    this.objects.semaphore.close();
    this.objects.ring.close();

    const accounting = tally(this.ledger, this.ctl, this.excuses, finalCount, this.options.portCapacity);
    for (const v of accounting.violations) this.fail(v);
    check.push(...this.checkKernel('after init closed the shared objects'));
    await lockFree(this.kernel, 'comparing usage');
    const usage = this.kernel.usage();
    if (JSON.stringify(usage) !== JSON.stringify(baseline)) this.fail(`kernel usage ${JSON.stringify(usage)} is not back at its baseline ${JSON.stringify(baseline)}`);
    return {
      seed: this.options.seed,
      tasks: this.slots.length,
      kills: this.kills,
      killsByRole: this.killsByRole,
      killsMidOperation: this.killsMidOperation,
      killsDuringBoot: this.killsDuringBoot,
      spawns: this.spawns,
      meanReapMs: this.kills === 0 ? 0 : this.reapMs / this.kills,
      meanBootMs: this.kills === 0 ? 0 : this.bootMs / this.kills,
      elapsedMs: performance.now() - started,
      accounting,
      latency: summarizeLatency(this.latency),
      check,
      violations: this.violations,
    };
  }

  /** kernel.check(), each finding reported as a violation. */
  private checkKernel(when: string): string[] {
    const found = this.kernel.check().map((line) => `${when}: ${line}`);
    for (const line of found) this.fail(`kernel.check() ${line}`);
    return found;
  }

  /** Starts a new incarnation in `slot` and grants it the handles its role needs. */
  private async spawnInto(slot: Slot): Promise<void> {
    await lockFree(this.kernel, `spawning into ${this.name(slot)}`);
    for (const field of [S.pid, S.started, S.op, S.inHand, S.granted, S.done, S.targetLo, S.targetHi, S.handleA, S.handleB]) this.setWord(slot, field, 0);
    slot.incarnation++;
    slot.ending = false;
    const data: KillTaskData = {
      role: slot.role,
      slot: slot.index,
      endpoint: slot.endpoint,
      ctl: this.ctl.buffer as SharedArrayBuffer,
      latency: this.latency.buffer as SharedArrayBuffer,
      ledger: this.ledger.buffers,
      epoch: this.epoch,
      seed: Math.floor(this.random() * 2 ** 32),
      useAsync: this.random() < 0.5,
      opTimeoutMs: this.options.opTimeoutMs,
      slotsByRole: this.slotsByRole,
      portCapacity: this.options.portCapacity,
    };
    const handle = this.kernel.spawn(fixture('reliability/fixtures/kill-task'), { data, personality: slot.role === 'mail-receiver' ? 'rou2exos' : 'strat9' });
    this.spawns++;
    slot.handle = handle;
    slot.pid = handle.pid;
    slot.lastProgress = 0;
    slot.lastProgressAt = performance.now();
    slot.flagged = false;
    this.setWord(slot, S.role, ROLES.indexOf(slot.role));
    this.setWord(slot, S.endpoint, slot.endpoint);
    this.setWord(slot, S.incarnation, slot.incarnation);
    this.setWord(slot, S.pid, handle.pid);
    const incarnation = slot.incarnation;
    void handle.exited.then((exit) => this.exited(slot, incarnation, exit));
    const granted = this.grantFor(slot.role);
    if (granted !== undefined) {
      this.setWord(slot, S.handleA, granted.grant(handle.pid));
      this.setWord(slot, S.granted, 1);
    }
  }

  private grantFor(role: Role): { grant(pid: number): number } | undefined {
    switch (role) {
      case 'channel-sender':
        return this.objects.channel.sender;
      case 'channel-receiver':
        return this.objects.channel.receiver;
      case 'sem-poster':
      case 'sem-waiter':
        return this.objects.semaphore;
      case 'ring-writer':
      case 'ring-reader':
        return this.objects.ring;
      default:
        return undefined;
    }
  }

  private exited(slot: Slot, incarnation: number, exit: TaskExit): void {
    if (slot.incarnation !== incarnation || slot.ending) return;
    this.fail(`${this.name(slot)} exited on its own (code ${exit.code}): ${exit.error ?? 'no error'}`);
  }

  /** The kill lanes: random victims at random instants, each replaced at once. */
  private async killPhase(started: number): Promise<void> {
    const busy = new Set<number>();
    const more = (): boolean =>
      this.violations.length === 0 && (this.kills + busy.size < this.options.kills || performance.now() - started < this.options.minDurationMs);
    let lastReport = performance.now();
    const lane = async (): Promise<void> => {
      while (more()) {
        if (this.options.kills === 0) {
          await sleep(100);
          continue;
        }
        // A victim among the tasks at work. The lane waits for its replacement to be at work too: on a
        // small machine booting a worker takes long, and kills outpacing boots would leave no traffic.
        const candidates = this.slots.filter((s) => !busy.has(s.index) && this.word(s, S.started) === 1);
        if (candidates.length === 0) {
          await sleep(5);
          continue;
        }
        const slot = candidates[Math.floor(this.random() * candidates.length)]!;
        const delay = this.random() * this.options.maxKillDelayMs;
        busy.add(slot.index);
        try {
          await sleep(delay);
          const t0 = performance.now();
          await this.kill(slot);
          const t1 = performance.now();
          await this.spawnInto(slot);
          if (this.random() < BOOT_KILL_SHARE && this.kills + busy.size < this.options.kills) {
            // Now and then the replacement dies too, while it boots (attaching, creating its port, being granted handles).
            await sleep(this.random() * 150);
            if (this.word(slot, S.started) === 0) this.killsDuringBoot++;
            await this.kill(slot);
            await this.spawnInto(slot);
          }
          await waitFor(() => this.word(slot, S.started) === 1, `${this.name(slot)} to start`, this.options.hangBoundMs * 2);
          this.reapMs += t1 - t0;
          this.bootMs += performance.now() - t1;
        } finally {
          busy.delete(slot.index);
        }
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          this.options.log(`  ${this.kills} kills, ${Math.round((performance.now() - started) / 1000)} s: ${this.monitor.progressLine()}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.killLanes) }, lane));
  }

  /** Terminates the incarnation in `slot` and notes what its death may excuse. */
  private async kill(slot: Slot): Promise<void> {
    slot.ending = true;
    slot.killing = true;
    const handle = slot.handle!;
    if (this.word(slot, S.op) !== 0) this.killsMidOperation++;
    await within(handle.terminate(), this.options.hangBoundMs, `${this.name(slot)} to be reaped after terminate()`);
    slot.killing = false;
    this.kills++;
    this.killsByRole[slot.role] = (this.killsByRole[slot.role] ?? 0) + 1;
    // The task is dead: its words are final.
    const portId = this.word(slot, S.targetLo) + this.word(slot, S.targetHi) * 2 ** 30;
    excuseKill(this.excuses, slot.role, slot.pid, portId, this.word(slot, S.inHand));
  }

  /** After the kills, every slot's task must get operations through again: nothing is left wedged. */
  private async recoveryPhase(): Promise<void> {
    const bound = this.options.hangBoundMs;
    for (const slot of this.slots) await waitFor(() => this.word(slot, S.started) === 1, `${this.name(slot)} to start after the kills`, bound);
    const before = this.slots.map((slot) => this.word(slot, S.successes));
    for (const slot of this.slots) {
      try {
        await waitFor(() => this.word(slot, S.successes) > before[slot.index]!, `${this.name(slot)} to succeed`, bound);
      } catch {
        this.fail(`${this.name(slot)} got no operation through within ${bound} ms after the kills stopped (errors ${this.word(slot, S.errors)}, timeouts ${this.word(slot, S.timeouts)})`);
      }
    }
  }

  /** Producers stop, then receivers take what is left and exit; every exit must be clean. */
  private async stopAndDrain(): Promise<void> {
    const producers = this.slots.filter((s) => PRODUCER_ROLES.has(s.role));
    const receivers = this.slots.filter((s) => !PRODUCER_ROLES.has(s.role));
    Atomics.store(this.ctl, G.stop, 1);
    await this.cleanExits(producers, 'stop');
    Atomics.store(this.ctl, G.drain, 1);
    await this.cleanExits(receivers, 'drain');
  }

  private async cleanExits(slots: Slot[], phase: string): Promise<void> {
    for (const slot of slots) slot.ending = true;
    const bound = this.options.hangBoundMs + this.options.opTimeoutMs;
    await Promise.all(
      slots.map(async (slot) => {
        try {
          const exit = await within(slot.handle!.exited, bound, `${this.name(slot)} to ${phase} and exit`);
          if (exit.code !== 0 || this.word(slot, S.done) !== 1) this.fail(`${this.name(slot)} did not ${phase} cleanly (code ${exit.code}): ${exit.error ?? 'no error'}`);
        } catch (error) {
          this.fail(String((error as Error).message));
        }
      }),
    );
  }

  /** Ends whatever still runs (after a failure), so that the kernel can be checked and closed. */
  private async endEverything(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.ending = true;
        if (slot.handle !== undefined) await within(slot.handle.terminate(), this.options.hangBoundMs, `${this.name(slot)} to be reaped at the end`).catch((error: Error) => this.fail(error.message));
      }),
    );
  }

  /** Records what is still queued in the channel and the ring (init holds both). */
  private drainSharedObjects(): void {
    const m = new Message();
    for (let got = this.objects.channel.receiver.tryReceive(m); got !== undefined; got = this.objects.channel.receiver.tryReceive(m)) {
      recordReceived(this.ledger, this.ctl, -1, checkMessage(got.payload, 'channel'), got.sender);
    }
    const record = new Uint8Array(RING_RECORD_BYTES);
    for (let n = this.objects.ring.tryRead(record); n !== undefined && n > 0; n = this.objects.ring.tryRead(record)) {
      recordReceived(this.ledger, this.ctl, -1, n === RING_RECORD_BYTES ? checkMessage(record, 'ring') : -1, 0);
    }
  }

  /** Takes what is left of the semaphore's count; returns it. */
  private drainSemaphore(): number {
    let count = 0;
    while (this.objects.semaphore.tryAcquire()) count++;
    return count;
  }
}
