/**
 * One seeded ABI fuzzing run: a fresh kernel, the well-formed traffic
 * (fuzz-wellformed.ts), shared objects init grants to every fuzzer (a
 * channel, a semaphore and a ring, besides the echo service they connect
 * to), and fuzzer tasks of both personalities (fixtures/fuzz-task.ts) until
 * the call budget or the time limit is reached. A watchdog loop meanwhile
 * follows each fuzzer's call count: a fuzzer that stops moving is judged
 * (fuzz-watchdog.ts); one legitimately asleep for ever is terminated and
 * replaced by a new one, a hung one is a finding. It also checks that
 * init's handles to the shared objects stay valid whatever the fuzzers do
 * with theirs, and that the echo service stays bound. At the end the
 * well-formed tasks must all have finished cleanly, and the kernel must
 * pass its consistency check with no call or name left behind.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { Kernel, sys, type TaskExit, type TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { tick } from '../support/wait.js';
import { info } from '../support/abi.js';
import {
  C_FUZZER_PIDS,
  C_STOP_FUZZERS,
  C_WELLFORMED_COUNTS,
  CallKind,
  MAX_WELLFORMED,
  MAX_FUZZER_SLOTS,
  NO_CALL,
  S_CALLS,
  S_DONE,
  S_KIND,
  S_NR,
  S_PHASE,
  S_READY,
  S_RESCUES,
  S_SHARED_CHANNEL,
  S_SHARED_RING,
  S_SHARED_SEMAPHORE,
  S_TURNS,
  createControl,
  slotWord,
  type FuzzReport,
} from './fixtures/fuzz-control.js';
import { Prng, deriveSeed } from './fixtures/fuzz-prng.js';
import { judgeStall, pendingCalls } from './fuzz-watchdog.js';
import { WellFormedTraffic, type WellFormedResult } from './fuzz-wellformed.js';

export type Personality = 'strat9' | 'rou2exos';

export interface FuzzRunOptions {
  seed: number;
  /** Stop once the fuzzers have made this many syscalls in all. */
  calls: number;
  /** ...or once this much time has passed. */
  timeLimitMs: number;
  /** One fuzzer of each personality listed runs at any time. */
  personalities: readonly Personality[];
}

export interface FuzzRunResult {
  seed: number;
  /** Syscalls the fuzzers made (sync and async, bookkeeping HANDLE_INFO and closes included). */
  calls: number;
  durationMs: number;
  /** Fuzzer tasks started (replacements included). */
  incarnations: number;
  /** Fuzzers the watchdog ended while legitimately asleep in a syscall. */
  endedWhileBlocked: number;
  /** Async syscalls the fuzzers woke themselves (closing the waited handle, mailing themselves). */
  rescues: number;
  /** Everything that went wrong: exceptions, results outside the ABI, hangs, broken guarantees. */
  findings: string[];
  wellFormed: WellFormedResult[];
  summaries: Extract<FuzzReport, { kind: 'summary' }>[];
}

/** A fuzzer stalled this long is judged. */
const STALL_MS = 300;
/**
 * A stall the watchdog cannot explain for this long is a hang. Only time
 * in which the other tasks moved on counts (see the loop): on a machine so
 * loaded that no task runs, a stall proves nothing.
 */
const HANG_MS = 10_000;
/** A fuzzer thread may take this long to start (module loading on a busy machine). */
const START_GRACE_MS = 20_000;

interface LiveFuzzer {
  slot: number;
  personality: Personality;
  seed: number;
  handle: TaskHandle;
  lastCalls: number;
  lastChange: number;
  /** Its event-loop turns (S_TURNS) at its last syscall. */
  turnsAtChange: number;
  /** Time it has been suspect while the other tasks made progress (0: not suspect). */
  suspectMs: number;
  ending: boolean;
  exit?: TaskExit;
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzRunResult> {
  const started = performance.now();
  const kernel = Kernel.create();
  const init = kernel.task;
  const control = createControl();
  const channelName = `kipc-fuzz-${process.pid}-${options.seed}-${Math.random()}`;
  const reports = new BroadcastChannel(channelName);
  const findings: string[] = [];
  const summaries: FuzzRunResult['summaries'] = [];
  reports.onmessage = (event: unknown) => {
    const r = (event as { data: FuzzReport }).data;
    if (r.kind === 'summary') summaries.push(r);
    else findings.push(`fuzzer slot ${r.slot} (pid ${r.pid}, seed ${r.seed}): ${r.what}: nr ${r.nr}(${r.args}): ${r.detail}`);
  };
  const prng = new Prng(options.seed);
  const fuzzers: LiveFuzzer[] = [];
  let endedWhileBlocked = 0;
  let wellFormed: WellFormedTraffic | undefined;
  let wellFormedResults: WellFormedResult[] = [];
  try {
    wellFormed = await WellFormedTraffic.start(kernel, control);

    // Shared objects: init keeps a handle to each and grants one to every fuzzer.
    const shared = [
      { field: S_SHARED_CHANNEL, h: init.syscall(sys.SYS_CHAN_CREATE, 4) },
      { field: S_SHARED_SEMAPHORE, h: init.syscall(sys.SYS_SEM_CREATE, 0) },
      { field: S_SHARED_RING, h: init.syscall(sys.SYS_IPC_RING_CREATE, 4096) },
    ];
    for (const s of shared) if (s.h <= 0) throw new Error(`creating a shared object failed: ${s.h}`);
    const sharedIds = shared.map((s) => info(init, s.h).id);

    let nextSlot = 0;
    const spawnFuzzer = (personality: Personality): void => {
      if (nextSlot >= MAX_FUZZER_SLOTS) return;
      const slot = nextSlot++;
      const seed = deriveSeed(options.seed, slot);
      Atomics.store(control, slotWord(slot, S_NR), NO_CALL);
      let handle: TaskHandle;
      try {
        const data = { slot, seed, control: control.buffer, channel: channelName, syncBlockAfter: prng.range(1000, 6000) };
        handle = kernel.spawn(fixture('reliability/fixtures/fuzz-task'), { personality, memoryBytes: 16384, data });
      } catch (error) {
        // The fuzzers may have used up the kernel's pages (a rou2exOS task needs its mailbox): an allowed ENOMEM.
        console.log(`fuzz: could not start a ${personality} fuzzer: ${String(error)}`);
        nextSlot--;
        if (personality === 'rou2exos') spawnFuzzer('strat9');
        return;
      }
      Atomics.store(control, C_FUZZER_PIDS + slot, handle.pid);
      for (const s of shared) {
        const h = init.syscall(sys.SYS_HANDLE_GRANT, s.h, handle.pid);
        Atomics.store(control, slotWord(slot, s.field), h > 0 ? h : 0);
      }
      Atomics.store(control, slotWord(slot, S_READY), 1);
      Atomics.notify(control, slotWord(slot, S_READY));
      const f: LiveFuzzer = { slot, personality, seed, handle, lastCalls: 0, lastChange: performance.now(), turnsAtChange: 0, suspectMs: 0, ending: false };
      void handle.exited.then((exit) => (f.exit = exit));
      fuzzers.push(f);
    };
    for (const p of options.personalities) spawnFuzzer(p);

    let stopping = false;
    let stopAt = 0;
    let lastTick = performance.now();
    let lastProgress = progress(fuzzers, control);
    for (;;) {
      await tick(50);
      const now = performance.now();
      // Whether any task moved on since the last look: a stalled fuzzer does not, so the others did.
      const current = progress(fuzzers, control);
      const othersMoved = current !== lastProgress;
      const sinceLastTick = now - lastTick;
      lastProgress = current;
      lastTick = now;
      if (!stopping && (totalCalls(fuzzers, control) >= options.calls || now - started >= options.timeLimitMs)) {
        stopping = true;
        stopAt = now;
        Atomics.store(control, C_STOP_FUZZERS, 1);
      }
      for (const f of fuzzers) {
        if (f.exit !== undefined || f.ending) continue;
        const calls = Atomics.load(control, slotWord(f.slot, S_CALLS));
        const turns = Atomics.load(control, slotWord(f.slot, S_TURNS));
        const at = performance.now(); // not `now`: terminating a fuzzer below awaits
        if (calls !== f.lastCalls) {
          f.lastCalls = calls;
          f.lastChange = at;
          f.turnsAtChange = turns;
          f.suspectMs = 0;
          continue;
        }
        if (Atomics.load(control, slotWord(f.slot, S_DONE)) !== 0) continue;
        const loopTurning = turns !== f.turnsAtChange;
        // Finishing, it waits for its async syscalls and judges them itself (HANG_AFTER_MS); the stop's bound below ends it.
        if (loopTurning && Atomics.load(control, slotWord(f.slot, S_PHASE)) !== 0) continue;
        const stalled = at - f.lastChange;
        if (stalled < (calls === 0 ? START_GRACE_MS : STALL_MS)) continue;
        const call = { nr: Atomics.load(control, slotWord(f.slot, S_NR)), kind: Atomics.load(control, slotWord(f.slot, S_KIND)) as CallKind };
        const verdict = judgeStall(kernel.snapshot(), f.handle.pid, call, { loopTurning, pending: pendingCalls(control, f.slot, f.personality) });
        if (verdict.kind === 'suspect' && othersMoved) f.suspectMs += sinceLastTick;
        if (verdict.kind === 'legit' || f.suspectMs >= HANG_MS) {
          if (verdict.kind === 'legit') endedWhileBlocked++;
          else findings.push(`fuzzer slot ${f.slot} (pid ${f.handle.pid}, seed ${f.seed}) hung: ${verdict.why}; no progress for ${Math.round(stalled)} ms`);
          f.ending = true;
          await f.handle.terminate();
          if (!stopping) spawnFuzzer(f.personality);
        }
      }
      for (const f of fuzzers) {
        if (f.exit !== undefined && !f.ending && Atomics.load(control, slotWord(f.slot, S_DONE)) === 0) {
          f.ending = true;
          findings.push(`fuzzer slot ${f.slot} (pid ${f.handle.pid}, seed ${f.seed}) died: ${JSON.stringify(f.exit)}`);
          if (!stopping) spawnFuzzer(f.personality);
        }
      }
      // The fuzzers hold handles derived from init's: whatever they do with theirs (close, revoke), init's stay.
      shared.forEach((s, i) => {
        const r = init.syscall(sys.SYS_HANDLE_INFO, s.h, 60_000);
        if (r !== 0 || info(init, s.h).id !== sharedIds[i]) findings.push(`init's handle ${s.h} to shared object ${sharedIds[i]} was affected by the fuzzers: HANDLE_INFO ${r}`);
      });
      const early = wellFormed.exitedEarly();
      if (early !== undefined) throw new Error(`well-formed task ${early.name} ended while the fuzzers ran: ${JSON.stringify(early.exit)}`);
      if (stopping && fuzzers.every((f) => f.exit !== undefined)) break;
      if (stopping && now - stopAt > 30_000) {
        for (const f of fuzzers.filter((x) => x.exit === undefined)) {
          findings.push(`fuzzer slot ${f.slot} (pid ${f.handle.pid}) did not finish within 30 s of the stop`);
          await f.handle.terminate();
        }
        break;
      }
    }
    if (!wellFormed.echoStillBound()) findings.push('the echo service is no longer bound at /srv/echo');
    for (const s of shared) init.syscall(sys.SYS_HANDLE_CLOSE, s.h);
    wellFormedResults = await wellFormed.stop();
    wellFormed = undefined;

    // Every task but init has exited: nothing may be left that only they could release.
    const usage = kernel.usage();
    if (usage.tasks !== 1 || usage.calls !== 0 || usage.bindings !== 0) findings.push(`kernel not clean after every task exited: ${JSON.stringify(usage)}`);
    for (const problem of kernel.check()) findings.push(`kernel.check(): ${problem}`);
  } finally {
    if (wellFormed !== undefined) Atomics.store(control, C_STOP_FUZZERS, 1);
    reports.close();
    await kernel.close();
  }
  return {
    seed: options.seed,
    calls: totalCalls(fuzzers, control),
    durationMs: performance.now() - started,
    incarnations: fuzzers.length,
    endedWhileBlocked,
    rescues: fuzzers.reduce((n, f) => n + Atomics.load(control, slotWord(f.slot, S_RESCUES)), 0),
    findings,
    wellFormed: wellFormedResults,
    summaries,
  };
}

/** Progress of every task the run watches: the fuzzers' syscalls and the well-formed tasks' checked messages. */
function progress(fuzzers: readonly LiveFuzzer[], control: Int32Array): number {
  let n = totalCalls(fuzzers, control);
  for (let i = 0; i < MAX_WELLFORMED; i++) n += Atomics.load(control, C_WELLFORMED_COUNTS + i);
  return n;
}

/** Syscalls made by every fuzzer of the run so far. */
function totalCalls(fuzzers: readonly LiveFuzzer[], control: Int32Array): number {
  return fuzzers.reduce((n, f) => n + Atomics.load(control, slotWord(f.slot, S_CALLS)), 0);
}

