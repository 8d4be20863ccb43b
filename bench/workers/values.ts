/**
 * The structured value of the channel-values benchmark: a 10-field object
 * (numbers, strings, a boolean, a nested array, an array of strings, a
 * Date), about 240 bytes serialized. Producers reuse one object and change
 * its `seq`; consumers check `seq` and a few deep fields of every value, so
 * a value that arrives wrong or half-decoded fails the run.
 */

export interface BenchValue {
  seq: number;
  id: number;
  score: number;
  name: string;
  unit: string;
  label: string;
  ok: boolean;
  readings: number[][];
  tags: string[];
  at: Date;
}

/** Largest serialized value the kipc channel carries (the value above serializes to about 240 bytes). */
export const VALUE_MAX_BYTES = 512;

const AT = 1_700_000_000_000;

export function makeValue(): BenchValue {
  return {
    seq: 0,
    id: 987_654_321,
    score: 0.8125,
    name: 'sensor-17',
    unit: 'kPa',
    label: 'north wing, floor 3',
    ok: true,
    readings: [
      [101.25, 101.5],
      [99.75, 100.125],
      [98.5, 97.25],
    ],
    tags: ['pressure', 'hourly', 'calibrated'],
    at: new Date(AT),
  };
}

/** Throws unless `value` is the value with sequence number `seq`. */
export function checkValue(value: BenchValue, seq: number): void {
  if (value.seq !== seq || value.readings[2]![1] !== 97.25 || value.tags[2] !== 'calibrated' || !(value.at instanceof Date) || value.at.getTime() !== AT) {
    throw new Error(`bench: value ${seq} of the burst arrived wrong: ${JSON.stringify(value)}`);
  }
}

/** The argument and result of the value-call benchmark: an order of 12 lines, about 1 KiB encoded. */
export interface KilobyteValue {
  seq: number;
  customer: string;
  placed: Date;
  lines: { sku: string; title: string; quantity: number; price: number }[];
}

export function makeKilobyteValue(): KilobyteValue {
  return {
    seq: 0,
    customer: 'customer-00042, Rue des Écoles 7, 75005 Paris',
    placed: new Date(AT),
    lines: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${100_000 + i}`, title: `article number ${i} of the order, in blue`, quantity: i + 1, price: 9.99 + i })),
  };
}

/** Throws unless `value` is the kilobyte value with sequence number `seq`. */
export function checkKilobyteValue(value: KilobyteValue, seq: number): void {
  if (value.seq !== seq || value.lines.length !== 12 || value.lines[11]!.sku !== 'SKU-100011' || !(value.placed instanceof Date)) {
    throw new Error(`bench: kilobyte value ${seq} came back wrong`);
  }
}
