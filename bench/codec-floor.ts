/**
 * What the value codecs cost on this machine, with no kernel and no thread:
 * encode and decode of the channel-values object (10 fields) and of the
 * value-call object (1 KiB), per codec, against `structuredClone` (what
 * `postMessage` pays inside). A value benchmark cannot beat these: a
 * channel of values carries at most 1 / max(encode, decode) values a
 * second (producer and consumer encode and decode in parallel), and a
 * value call costs at least two encodes and two decodes.
 *
 *   node dist/bench/codec-floor.js
 */
import os from 'node:os';
import { jsonCodecOf, msgpackCodecOf, structuredCodec, type Codec } from '../src/index.js';
import { makeKilobyteValue, makeValue } from './workers/values.js';

const ROUNDS = 7;
const PER_ROUND = 20_000;

/** The median over ROUNDS of µs per call of `op`. */
function median(op: () => void): number {
  for (let i = 0; i < PER_ROUND; i++) op();
  const figures: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < PER_ROUND; i++) op();
    figures.push(((performance.now() - start) * 1000) / PER_ROUND);
  }
  return figures.sort((a, b) => a - b)[ROUNDS >> 1]!;
}

const codecs: [string, Codec<unknown>][] = [
  ['msgpack', msgpackCodecOf()],
  ['structured (v8)', structuredCodec()],
  ['json', jsonCodecOf()],
];
console.log(`codec floor · Node ${process.version} · ${os.availableParallelism()} cores · medians of ${ROUNDS} rounds of ${PER_ROUND}`);
for (const [name, value] of [
  ['10-field object (channel-values)', makeValue()],
  ['1 KiB object (value-call)', makeKilobyteValue()],
] as const) {
  console.log(`\n${name}`);
  for (const [codecName, codec] of codecs) {
    const bytes = codec.encode(value).slice();
    const encode = median(() => codec.encode(value));
    const decode = median(() => codec.decode(bytes));
    console.log(`  ${codecName.padEnd(16)} ${String(bytes.length).padStart(5)} B   encode ${encode.toFixed(2)} µs   decode ${decode.toFixed(2)} µs   channel at most ${(1 / Math.max(encode, decode)).toFixed(3)} M values/s   call at least ${(2 * (encode + decode)).toFixed(1)} µs`);
  }
  console.log(`  ${'structuredClone'.padEnd(16)}         ${median(() => structuredClone(value)).toFixed(2)} µs a clone (what postMessage pays inside)`);
}
