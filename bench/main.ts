/**
 * kipc benchmark runner: each benchmark runs kipc and its usual Node
 * alternative side by side in one process, rounds interleaved (so a busy
 * spell on the machine hits both), and reports medians over the rounds.
 *
 *   node dist/bench/main.js [name ...] [--quick] [--json] [--check]
 *                           [--rounds N] [--warmup N] [--round-ms MS] [--spin N] [--max-spinners N] [--busy N]
 *
 * Names pick benchmarks (roundtrip, sync-call, async-call, one-way,
 * one-way-batch, channel, channel-batch, channel-4x4, channel-values, ring-stream,
 * semaphore, mailbox-roundtrip, mailbox-one-way, frames, pages-move, pages-share,
 * pages-duplicate, pages-clone, cold-1-10, cold-11-100, cold-101-1000; `cold`
 * picks the three): an exact name picks
 * that one, anything else every name containing it. --quick runs fewer,
 * shorter rounds (a smoke run). --json prints one JSON document on stdout
 * (progress goes to stderr). --check exits with status 1 when a target is
 * missed. --spin N creates every kipc kernel with that spin count
 * (KernelOptions.spin) instead of the default, to try a spin setting without
 * touching the source; --max-spinners N likewise sets
 * KernelOptions.maxSpinners. Every benchmark runs a second time with N
 * extra threads spinning on the machine's cores (--busy N: default 2, none
 * with --quick, --busy 0 for none), and that figure is reported beside the
 * quiet one.
 */
import os from 'node:os';
import { median, summarize, type Summary } from './stats.js';
import type { Benchmark, RoundFigure, Target } from './harness.js';
import { callRoundTrip } from './call-roundtrip.js';
import { blockingCall } from './sync-call.js';
import { asyncCall } from './async-call.js';
import { oneWay, oneWayBatched } from './one-way.js';
import { channel, channelBatched } from './channel.js';
import { channel4x4 } from './channel-4x4.js';
import { channelValues } from './channel-values.js';
import { valueCall, wrapSyncCall } from './value-calls.js';
import { ringStream } from './ring-stream.js';
import { semaphoreHandoff } from './semaphore.js';
import { mailboxOneWay, mailboxRoundTrip } from './mailbox.js';
import { frames } from './frames.js';
import { pagesClone, pagesDuplicate, pagesMove, pagesShare } from './pages.js';
import { measureFloor, measureProcessFloor } from './floor.js';
import { kernelOptions } from './config.js';
import { coldBenchmarks } from './cold.js';
import { processAsyncCall, processCall, processChannel, processOneWay, processPagesMove, processSocketCall } from './processes.js';
import { startBusyThreads } from './busy.js';

const BENCHMARKS: readonly Benchmark[] = [
  callRoundTrip,
  blockingCall,
  asyncCall,
  oneWay,
  oneWayBatched,
  channel,
  channelBatched,
  channel4x4,
  channelValues,
  valueCall,
  wrapSyncCall,
  ringStream,
  semaphoreHandoff,
  mailboxRoundTrip,
  mailboxOneWay,
  frames,
  pagesMove,
  pagesShare,
  pagesDuplicate,
  pagesClone,
  processCall,
  processSocketCall,
  processAsyncCall,
  processOneWay,
  processChannel,
  processPagesMove,
  ...coldBenchmarks,
];

/** Busy threads of a run's second pass unless --busy says otherwise (none with --quick): the 2 cores of the development machine taken. */
const DEFAULT_BUSY = 2;

interface Options {
  filters: string[];
  json: boolean;
  check: boolean;
  rounds: number;
  warmup: number;
  roundMs: number;
  quick: boolean;
  spin: number | undefined;
  maxSpinners: number | undefined;
  /** Extra spinning threads for the second, busy run of each benchmark (0: no busy run). */
  busy: number;

}

const USAGE = `usage: node dist/bench/main.js [name ...] [--quick] [--json] [--check] [--rounds N] [--warmup N] [--round-ms MS] [--spin N] [--max-spinners N] [--busy N]
benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`;

function parseArgs(argv: string[]): Options {
  const options: Options = { filters: [], json: false, check: false, rounds: 11, warmup: 2, roundMs: 150, quick: false, spin: undefined, maxSpinners: undefined, busy: DEFAULT_BUSY };
  let rounds: number | undefined;
  let warmup: number | undefined;
  let roundMs: number | undefined;
  let busy: number | undefined;
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) {
      console.error(`bench: ${flag} needs a number >= ${min}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case '--json':
        options.json = true;
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--check':
        options.check = true;
        break;
      case '--rounds':
        rounds = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--warmup':
        warmup = Math.floor(number(arg, argv[++i], 0));
        break;
      case '--round-ms':
        roundMs = number(arg, argv[++i], 1);
        break;
      case '--spin':
        options.spin = Math.floor(number(arg, argv[++i], 0));
        break;
      case '--max-spinners':
        options.maxSpinners = Math.floor(number(arg, argv[++i], 0));
        break;
      case '--busy':
        busy = Math.floor(number(arg, argv[++i], 0));
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        if (arg.startsWith('-')) {
          console.error(`bench: unknown option ${arg}\n${USAGE}`);
          process.exit(2);
        }
        options.filters.push(arg);
    }
  }
  if (options.quick) Object.assign(options, { rounds: 3, warmup: 1, roundMs: 50, busy: 0 });
  if (busy !== undefined) options.busy = busy;
  if (rounds !== undefined) options.rounds = rounds;
  if (warmup !== undefined) options.warmup = warmup;
  if (roundMs !== undefined) options.roundMs = roundMs;
  return options;
}

interface TargetResult {
  description: string;
  kind: Target['kind'];
  value: number;
  actual: number;
  met: boolean;
}

interface BenchmarkResult {
  name: string;
  title: string;
  unit: Benchmark['unit'];
  kipc: { label: string } & Summary & {
    /** Futex sleeps per operation, median over rounds (about 2 per call: both sides slept every time). */
    parksPerOp: number;
  };
  alternative: { label: string } & Summary;
  /** How many times better kipc is, from the two medians (> 1: kipc wins). */
  speedup: number;
  /** The same, as the median of the per-round ratios (rounds are paired, so this resists drift). */
  pairedSpeedup: number;
  targets: TargetResult[];
  /** The floor (see floor.ts) measured just before this benchmark, µs per round trip. */
  floorUs: number;
  /**
   * The same work with no kernel (Benchmark.openCeiling), in the same rounds,
   * and kipc's share of it: the median over rounds of kipc / ceiling.
   */
  ceiling?: { label: string } & Summary & { kipcShare: number };
}

function speedupOf(unit: Benchmark['unit'], kipc: number, alternative: number): number {
  return unit === 'µs' ? alternative / kipc : kipc / alternative;
}

function formatValue(unit: Benchmark['unit'], value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'msg/s') return `${(value / 1e6).toPrecision(3)} M msg/s`;
  if (unit === 'GB/s') return `${value.toPrecision(3)} GB/s`;
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} µs`;
}

function describeTarget(unit: Benchmark['unit'], target: Target): string {
  switch (target.kind) {
    case 'at-most':
      return `≤ ${formatValue(unit, target.value)}`;
    case 'at-least':
      return `≥ ${formatValue(unit, target.value)}`;
    case 'speedup':
      return `≥ ${target.value}x`;
    case 'share-of-ceiling':
      return `≥ ${(target.value * 100).toFixed(0)}% of no kernel`;
  }
}

/** `share`: kipc's share of the ceiling (NaN without one, which misses a share target). */
function evaluate(bench: Benchmark, kipcMedian: number, speedup: number, share: number): TargetResult[] {
  return bench.targets.map((target) => {
    const actual = target.kind === 'speedup' ? speedup : target.kind === 'share-of-ceiling' ? share : kipcMedian;
    const met = target.kind === 'at-most' ? actual <= target.value : actual >= target.value;
    return { description: describeTarget(bench.unit, target), kind: target.kind, value: target.value, actual, met };
  });
}

async function run(bench: Benchmark, options: Options, log: (line: string) => void): Promise<BenchmarkResult> {
  const floorUs = await (bench.floor === 'process' ? measureProcessFloor : measureFloor)(3, options.quick ? 20 : 50);
  const { kipc, alternative } = await bench.open();
  const sides = [kipc, alternative];
  try {
    if (bench.openCeiling) sides.push(await bench.openCeiling());
  } catch (error) {
    await Promise.all(sides.map((side) => side.close()));
    throw error;
  }
  const kept: RoundFigure[][] = sides.map(() => []);
  try {
    const warmup = bench.warmupRounds ?? options.warmup;
    const total = warmup + options.rounds;
    for (let round = 0; round < total; round++) {
      // Rotate which side goes first, so none always runs right after another's teardown of caches.
      for (let n = 0; n < sides.length; n++) {
        const i = (round + n) % sides.length;
        const figure = await sides[i]!.round(options.roundMs);
        if (round >= warmup) kept[i]!.push(figure);
      }
    }
  } finally {
    await Promise.all(sides.map((side) => side.close()));
  }
  const [kipcRounds, alternativeRounds, ceilingRounds] = kept as [RoundFigure[], RoundFigure[], RoundFigure[] | undefined];
  const k = summarize(kipcRounds.map((f) => f.value));
  const a = summarize(alternativeRounds.map((f) => f.value));
  const parksPerOp = median(kipcRounds.map((f) => (f.parks ?? NaN) / f.ops));
  const speedup = speedupOf(bench.unit, k.median, a.median);
  const paired = summarize(kipcRounds.map((f, i) => speedupOf(bench.unit, f.value, alternativeRounds[i]!.value)));
  let ceiling: BenchmarkResult['ceiling'];
  if (ceilingRounds) {
    const c = summarize(ceilingRounds.map((f) => f.value));
    const share = median(kipcRounds.map((f, i) => speedupOf(bench.unit, f.value, ceilingRounds[i]!.value)));
    ceiling = { label: sides[2]!.label, ...c, kipcShare: share };
  }
  const result: BenchmarkResult = {
    name: bench.name,
    title: bench.title,
    unit: bench.unit,
    kipc: { label: kipc.label, ...k, parksPerOp },
    alternative: { label: alternative.label, ...a },
    speedup,
    pairedSpeedup: paired.median,
    targets: evaluate(bench, k.median, speedup, ceiling?.kipcShare ?? NaN),
    floorUs,
  };
  if (ceiling) result.ceiling = ceiling;
  const spread = (s: Summary): string => `[${formatValue(bench.unit, s.min)} … ${formatValue(bench.unit, s.max)}]`;
  log(`${bench.name}: ${bench.title}`);
  log(`  kipc         ${formatValue(bench.unit, k.median).padStart(14)}  ${spread(k)}  ${kipc.label}`);
  log(`  alternative  ${formatValue(bench.unit, a.median).padStart(14)}  ${spread(a)}  ${alternative.label}`);
  log(`  speedup      ${`${speedup.toFixed(1)}x`.padStart(14)}  (median of per-round ratios ${paired.median.toFixed(1)}x)`);
  const operation = bench.operation ?? (bench.unit === 'µs' ? 'call' : 'message');
  if (Number.isFinite(parksPerOp)) log(`  kipc parks   ${parksPerOp.toFixed(3).padStart(14)}  futex sleeps per ${operation} (median over rounds)`);
  const targets = result.targets.map((t) => `${t.description}: ${t.met ? 'met' : 'MISSED'}`).join(' · ');
  log(`  targets      ${targets || 'none (informational)'}`);
  if (result.ceiling) {
    const c = result.ceiling;
    log(`  no kernel    ${formatValue(bench.unit, c.median).padStart(14)}  ${spread(c)}  ${c.label}`);
    log(`  kipc share   ${`${(c.kipcShare * 100).toFixed(0)}%`.padStart(14)}  of the no-kernel figure (median of per-round ratios)`);
  }
  log(`  floor        ${formatValue('µs', floorUs).padStart(14)}  raw ${bench.floor === 'process' ? 'cross-process futex' : 'Atomics'} round trip just before, same spin, no kernel (a busy machine shows here first)`);
  log('');
  return result;
}

function table(results: readonly BenchmarkResult[]): string {
  const rows = [
    ['benchmark', 'kipc', 'alternative', 'speedup', 'targets'],
    ...results.map((r) => [
      r.name,
      formatValue(r.unit, r.kipc.median),
      formatValue(r.unit, r.alternative.median),
      `${r.speedup.toFixed(1)}x`,
      r.targets.map((t) => `${t.description} ${t.met ? '✓' : '✗'}`).join('  '),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd();
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const picks = (b: Benchmark, filter: string): boolean =>
    BENCHMARKS.some((other) => other.name === filter) ? b.name === filter : b.name.includes(filter);
  const selected = BENCHMARKS.filter((b) => options.filters.length === 0 || options.filters.some((f) => picks(b, f)));
  if (selected.length === 0) {
    console.error(`bench: no benchmark matches ${options.filters.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  if (options.spin !== undefined) kernelOptions.spin = options.spin;
  if (options.maxSpinners !== undefined) kernelOptions.maxSpinners = options.maxSpinners;
  // Human-readable progress goes to stdout, or to stderr when stdout carries JSON.
  const log = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const environment = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadAverage: os.loadavg(),
    rounds: options.rounds,
    warmupRounds: options.warmup,
    roundMs: options.roundMs,
    /** KernelOptions.spin of every kipc kernel ('default' unless --spin). */
    kernelSpin: options.spin ?? 'default',
    /** Extra spinning threads of the busy runs (0: none). */
    busyThreads: options.busy,
  };
  log(`kipc bench · Node ${environment.node} · ${environment.platform} · ${environment.cores} cores (os.availableParallelism) · ${environment.cpu}`);
  log(
    `load average ${environment.loadAverage.map((l) => l.toFixed(2)).join(' ')} · ${options.rounds} rounds of ~${options.roundMs} ms per side ` +
      `after ${options.warmup} warm-up, sides interleaved · medians [min … max]${options.spin !== undefined ? ` · kernel spin ${options.spin}` : ''}${options.maxSpinners !== undefined ? ` · max spinners ${options.maxSpinners}` : ''}`,
  );
  log('floor: before each benchmark, two workers ping-pong through a SharedArrayBuffer (same spin as kipc, then futex wait): kipc without its kernel work');
  log('no kernel: one-way and channel also run a bare ring (no kernel, no lock), ring-stream a bare two-thread stream, in the same rounds: what this machine allows');
  if (environment.cores < 4) log(`note: ${environment.cores} cores; spinning waiters share them with their peers, and other load shows directly in these figures`);
  log('');

  const results: BenchmarkResult[] = [];
  const busyResults: BenchmarkResult[] = [];
  const started = performance.now();
  for (const bench of selected) {
    results.push(await run(bench, options, log));
    if (options.busy === 0) continue;
    const stopBusy = await startBusyThreads(options.busy);
    log(`(${bench.name} again, with ${options.busy} busy thread${options.busy === 1 ? '' : 's'} spinning on the ${environment.cores} cores)`);
    try {
      busyResults.push(await run(bench, options, log));
    } finally {
      await stopBusy();
    }
  }
  const seconds = (performance.now() - started) / 1000;

  if (options.json) {
    console.log(JSON.stringify({ environment, seconds, results, ...(options.busy > 0 ? { busyThreads: options.busy, busyResults } : {}) }, null, 2));
  } else {
    console.log(table(results));
    if (options.busy > 0) console.log(`\nwith ${options.busy} busy thread${options.busy === 1 ? '' : 's'} (the same benchmarks, each run right after its quiet run):\n${table(busyResults)}`);
    console.log(`\n${seconds.toFixed(1)} s`);
  }
  if (options.check && [...results, ...busyResults].some((r) => r.targets.some((t) => !t.met))) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  process.exitCode = 1;
});
