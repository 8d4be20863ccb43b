/**
 * The options for faster first calls, measured side by side: each option
 * runs the cold child (bench/cold-child.ts) in `--processes` fresh
 * processes, interleaved with the others, and the table gives the median
 * over processes of the mean µs of calls 1–10, 11–100 and 101–1,000, with
 * the synckit pattern measured the same way as the reference.
 *
 *   node dist/bench/cold-options.js [--processes N]
 *
 * V8 flags that no library can set for its users (no optimizing compiler,
 * no baseline compiler) are measured too: they say how much of a cold call
 * is the code running unoptimized and how much is the optimizing compiler
 * itself, whose background jobs compete for the cores with the two threads
 * of the call. docs/performance.md discusses the figures.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type ColdStart, freshProcess } from './cold.js';
import { COLD_WINDOWS } from './cold-windows.js';
import { median } from './stats.js';

interface ColdOption extends ColdStart {
  name: string;
  side: 'kipc' | 'synckit';
}

const OPTIONS: readonly ColdOption[] = [
  { name: 'synckit pattern (reference)', side: 'synckit' },
  { name: 'kipc as shipped (spin 50 µs)', side: 'kipc' },
  { name: 'kipc, spin 3 µs (park at once)', side: 'kipc', env: { KIPC_COLD_SPIN: '3' } },
  { name: 'kipc, spin 10 µs', side: 'kipc', env: { KIPC_COLD_SPIN: '10' } },
  { name: 'kipc, spin 200 µs', side: 'kipc', env: { KIPC_COLD_SPIN: '200' } },
  { name: 'kipc, warmed: 3,000 sends and receives per thread first', side: 'kipc', env: { KIPC_COLD_WARM: '3000' } },
  { name: 'kipc, V8 --interrupt-budget=8192 (tier up sooner)', side: 'kipc', execArgv: ['--interrupt-budget=8192'] },
  { name: 'kipc, V8 --no-opt (no TurboFan: interpreter + Sparkplug)', side: 'kipc', execArgv: ['--no-opt'] },
  { name: 'kipc, V8 --no-opt --no-sparkplug (interpreter only)', side: 'kipc', execArgv: ['--no-opt', '--no-sparkplug'] },
  { name: 'kipc, V8 --single-threaded (compiling on the calling threads)', side: 'kipc', execArgv: ['--single-threaded'] },
];

const { values } = parseArgs({ options: { processes: { type: 'string', default: '7' } } });
const processes = Math.max(1, Math.floor(Number(values.processes)));
const figures = OPTIONS.map(() => COLD_WINDOWS.map((): number[] => []));
for (let round = 0; round < processes; round++) {
  for (const [i, option] of OPTIONS.entries()) {
    process.stderr.write(`\rround ${round + 1}/${processes}: ${option.name}`.padEnd(90));
    const means = await freshProcess(option.side, option);
    for (const [w, mean] of means.entries()) figures[i]![w]!.push(mean);
  }
}
process.stderr.write('\n');
const windows = COLD_WINDOWS.map(([from, to]) => `calls ${from}–${to}`);
console.log(`cold options · Node ${process.version} · ${os.availableParallelism()} cores · median over ${processes} fresh processes each, µs per call`);
console.log(`| option | ${windows.join(' | ')} |`);
console.log(`|---|${windows.map(() => '---:').join('|')}|`);
for (const [i, option] of OPTIONS.entries()) {
  console.log(`| ${option.name} | ${figures[i]!.map((xs) => median(xs).toFixed(1)).join(' | ')} |`);
}
