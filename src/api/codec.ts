/**
 * Codecs turn values into the bytes a channel carries and back. The default,
 * {@link structuredCodec}, is the runtime's structured clone serializer
 * (Node's and Deno's `v8.serialize`: Maps, Sets, Dates, typed arrays,
 * cycles, BigInts...), or JSON where the runtime has none (browsers).
 * Any object with `encode` and `decode` can take its place.
 */

/** Values of type T to bytes and back. `encode` may reuse its result buffer between calls. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

interface V8Serializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * The runtime's `node:v8` where it has one (Node, Bun, Deno), found with
 * `process.getBuiltinModule` rather than an import: kipc depends on no
 * Node module here, and has no top-level await, so `require('kipc')` works.
 * Elsewhere JSON is used.
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
  encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
};

const v8Codec: Codec<unknown> | undefined = v8 && {
  encode: (value) => v8.serialize(value),
  decode: (bytes) => v8.deserialize(bytes),
};

/** The structured clone codec of this runtime (JSON when it has none). */
export function structuredCodec<T>(): Codec<T> {
  return (v8Codec ?? jsonCodec) as Codec<T>;
}

/** JSON text as UTF-8: portable between runtimes. */
export function jsonCodecOf<T>(): Codec<T> {
  return jsonCodec as Codec<T>;
}
