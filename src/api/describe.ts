/** How an argument is named in an error's sentence, without running any of its code. */
import { isUint8Array } from '../core/copy.js';

/** What `value` is, for a message: its type, and a number's value. Runs no code of the value's own. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'string':
      return 'a string';
    case 'object':
      return isUint8Array(value) ? 'a Uint8Array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}
