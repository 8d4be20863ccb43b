/**
 * Codecs turn values into the bytes a channel or a port carries and back.
 *
 * - `'msgpack'`, the default wherever kipc carries values: MessagePack
 *   through msgpackr, with its structured clone extension (Maps, Sets,
 *   Dates, typed arrays, BigInts, RegExps, cycles and shared references)
 *   and records (an object's keys are written once per message).
 * - `'structured'` (also `'v8'`): the runtime's structured clone
 *   serializer (`v8.serialize` in Node, Bun and Deno), JSON where the
 *   runtime has none (browsers).
 * - `'json'`: JSON text as UTF-8.
 * - any object with `encode`, `decode` and a `name`.
 *
 * Both ends must use the same codec. The codec is part of what travels:
 * a channel records its codec's tag when it is created, a value message
 * carries it in its type word, and an end that decodes with another codec
 * gets {@link CodecMismatchError} instead of a wrong value.
 */
import { Packr } from 'msgpackr';
import { EINVAL } from '../core/errno.js';
import { InvalidArgumentError } from './errors.js';
import { describe } from './describe.js';

/**
 * Values of type T to bytes and back. `encode` may reuse its result buffer
 * between calls; `decode` is given bytes it may keep. `name` identifies the
 * encoding, so both ends can tell whether they agree: two codecs with the
 * same name must read each other's bytes.
 */
export interface Codec<T> {
  readonly name?: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** A codec, or the name of a built-in one. */
export type CodecOption<T> = Codec<T> | 'msgpack' | 'structured' | 'v8' | 'json';

/** Thrown (EINVAL) when the two ends of a channel or a call use different codecs; nothing is consumed. */
export class CodecMismatchError extends InvalidArgumentError {}

interface V8Serializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * The runtime's `node:v8` where it has one (Node, Bun, Deno), found with
 * `process.getBuiltinModule` rather than an import: kipc depends on no
 * Node module here, and has no top-level await, so `require('kipc')` works.
 */
function builtinV8(): V8Serializer | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return runtime?.getBuiltinModule?.('node:v8') as V8Serializer | undefined;
  } catch {
    return undefined;
  }
}

const v8 = builtinV8();

const jsonCodec: Codec<unknown> = {
  name: 'json',
  encode(value) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`JSON has no text for ${typeof value === 'function' ? 'a function' : String(value)}`);
    return new TextEncoder().encode(text);
  },
  decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
};

const v8Codec: Codec<unknown> = v8
  ? { name: 'v8', encode: (value) => v8.serialize(value), decode: (bytes) => v8.deserialize(bytes) }
  : jsonCodec;

const packr = new Packr({ structuredClone: true, useRecords: true, moreTypes: true });
const msgpackCodec: Codec<unknown> = {
  name: 'msgpack',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes) as unknown,
};

/** The default value codec: msgpackr with structured clone. */
export function msgpackCodecOf<T>(): Codec<T> {
  return msgpackCodec as Codec<T>;
}

/** The structured clone codec of this runtime (JSON when it has none). */
export function structuredCodec<T>(): Codec<T> {
  return v8Codec as Codec<T>;
}

/** JSON text as UTF-8: portable between runtimes. */
export function jsonCodecOf<T>(): Codec<T> {
  return jsonCodec as Codec<T>;
}

/** Tags of the built-in codecs; 0 means no codec (bytes or messages). */
export const CODEC_NONE = 0;
const BUILTIN_TAGS: Record<string, number> = { msgpack: 1, v8: 2, json: 3 };
const FIRST_NAMED_TAG = 16;
const UNNAMED_TAG = 255;

/**
 * The codec `option` names, checked: InvalidArgumentError (EINVAL) for an
 * unknown name or an object without `encode` and `decode` functions.
 * undefined gives the default, msgpack.
 */
export function codecOf<T>(option: CodecOption<T> | undefined, operation: string): Codec<T> {
  if (option === undefined || option === 'msgpack') return msgpackCodecOf<T>();
  if (option === 'structured' || option === 'v8') return structuredCodec<T>();
  if (option === 'json') return jsonCodecOf<T>();
  if (typeof option === 'object' && option !== null && typeof option.encode === 'function' && typeof option.decode === 'function') return option;
  throw new InvalidArgumentError(EINVAL, `${operation}: codec must be 'msgpack', 'structured', 'json' or an object with encode and decode, not ${describe(option)}`);
}

/**
 * A codec's tag, the byte both ends compare: 1..3 for the built-in codecs,
 * 16..254 from the name of a codec of your own, 255 for one without a name.
 */
export function codecTag(codec: Codec<unknown>): number {
  let tag = tags.get(codec);
  if (tag === undefined) tags.set(codec, (tag = tagOf(codec)));
  return tag;
}

/** Tags by codec: a codec's tag is worked out once, not on every value it encodes. */
const tags = new WeakMap<Codec<unknown>, number>();

function tagOf(codec: Codec<unknown>): number {
  const name = codec.name;
  if (name === undefined) return UNNAMED_TAG;
  const builtin = BUILTIN_TAGS[name];
  if (builtin !== undefined && (codec === msgpackCodec || codec === v8Codec || codec === jsonCodec)) return builtin;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return FIRST_NAMED_TAG + (hash % (UNNAMED_TAG - FIRST_NAMED_TAG));
}

/** The built-in codec with tag `tag`, or undefined (no codec, or one of the user's). */
export function builtinCodecOfTag<T>(tag: number): Codec<T> | undefined {
  return (tag === 1 ? msgpackCodec : tag === 2 ? v8Codec : tag === 3 ? jsonCodec : undefined) as Codec<T> | undefined;
}

/** A readable name for tag `tag`, for error messages. */
export function codecTagName(tag: number): string {
  if (tag === CODEC_NONE) return 'no codec (bytes)';
  const builtin = builtinCodecOfTag(tag);
  if (builtin) return `'${builtin.name}'`;
  return tag === UNNAMED_TAG ? 'an unnamed codec of its own' : `a codec of its own (tag ${tag})`;
}

/**
 * The error for `what` (e.g. "this channel's values are") encoded with tag
 * `theirs`, met by an end decoding with tag `ours`.
 */
export function codecMismatch(operation: string, what: string, theirs: number, ours: number): CodecMismatchError {
  return new CodecMismatchError(EINVAL, `${operation}: ${what} encoded with ${codecTagName(theirs)}, but this end uses ${codecTagName(ours)}; give both ends the same codec`);
}
