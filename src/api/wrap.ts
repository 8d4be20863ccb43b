/**
 * wrap / wrapSync: a typed proxy for a service made with expose
 * (src/api/expose.ts). `wrap` gives methods that return promises;
 * `wrapSync` methods that block the thread until the result is there (the
 * synckit use case). A method that threw remotely throws a RemoteError.
 */
import { EINVAL } from '../core/errno.js';
import { InvalidArgumentError } from './errors.js';
import { describe } from './describe.js';
import { type CodecOption, codecOf } from './codec.js';
import type { CallContext } from './expose.js';
import type { Port } from './port.js';

/** The caller's view of a method: its arguments without a trailing CallContext. */
type CallerArgs<A extends unknown[]> = A extends [...infer Rest, infer Last] ? ([Last] extends [CallContext] ? Rest : A) : A;

/** The promise-returning proxy of service type T. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: CallerArgs<A>) => Promise<Awaited<R>> : never;
};
/** The blocking proxy of service type T (async methods' results are awaited by the service). */
export type RemoteSync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: CallerArgs<A>) => Awaited<R> : never;
};

export interface WrapOptions {
  /** Milliseconds each call may take (the service's signal aborts then too); default none. */
  timeout?: number;
  /** A codec of your own (the service must be exposed with it); default msgpack. */
  codec?: CodecOption<unknown>;
}
export interface AsyncWrapOptions extends WrapOptions {
  /** Aborts every call of this proxy: the caller's promise rejects and the service's signal aborts. */
  signal?: AbortSignal;
}

/** How a proxy tells the service that call `id` was aborted (Task.wrap: a one-way `['cancel', id]` to `<path>/.cancel`). */
export type CancelCall = (id: number) => void;

/** The port a proxy calls through, for {@link closeRemote}. */
const ports = new WeakMap<object, Port>();

/** A numbering of this thread's calls, for cancelling one. */
let nextCallId = 1;

function checkTimeout(options: WrapOptions, operation: string): number | undefined {
  const timeout = options.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) throw new InvalidArgumentError(EINVAL, `${operation}: timeout must be a number of milliseconds >= 0, not ${describe(timeout)}`);
  return timeout;
}

/** Builds the proxy: `call(name, args)` makes one call. Not thenable, so it can be awaited or returned from an async function. */
function proxyOf(port: Port, call: (name: string, args: unknown[]) => unknown): object {
  const cache = new Map<string, (...args: unknown[]) => unknown>();
  const proxy = new Proxy(Object.create(null) as object, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      let method = cache.get(name);
      if (method === undefined) {
        method = (...args: unknown[]) => call(name, args);
        cache.set(name, method);
      }
      return method;
    },
  });
  ports.set(proxy, port);
  return proxy;
}

/** A promise-returning proxy calling the service on `port` (see {@link Task.wrap}). */
export function wrapPort<T>(port: Port, options: AsyncWrapOptions = {}, cancel?: CancelCall): Remote<T> {
  const timeout = checkTimeout(options, 'wrap');
  const codec = codecOf(options.codec, 'wrap');
  const signal = options.signal;
  return proxyOf(port, async (name, args) => {
    const id = nextCallId++;
    const deadline = timeout === undefined ? 0 : Date.now() + timeout;
    try {
      return await port.callAsync([id, name, args, deadline], { codec, timeout, signal });
    } catch (error) {
      // Tell the service, so that its handler's signal aborts too (a deadline it sees by itself).
      if (signal?.aborted) cancel?.(id);
      throw error;
    }
  }) as Remote<T>;
}

/** A blocking proxy calling the service on `port` (see {@link Task.wrapSync}). */
export function wrapPortSync<T>(port: Port, options: WrapOptions = {}): RemoteSync<T> {
  const timeout = checkTimeout(options, 'wrapSync');
  const codec = codecOf(options.codec, 'wrapSync');
  return proxyOf(port, (name, args) => port.call([nextCallId++, name, args, timeout === undefined ? 0 : Date.now() + timeout], { codec, timeout })) as RemoteSync<T>;
}

/**
 * A {@link CancelCall} sending `['cancel', id]` with `codec` to the port
 * `connect()` gives (made at the first cancel, then kept; undefined when
 * the service has no cancel port). Sends that find the port gone or full
 * are dropped: the call is over then anyway, or its deadline will end it.
 */
export function cancelThrough(connect: () => Port | undefined, codec?: CodecOption<unknown>): CancelCall {
  let port: Port | undefined | null = null;
  return (id) => {
    try {
      if (port === null) port = connect();
      port?.trySend(['cancel', id], { codec: codec === undefined ? undefined : codecOf(codec, 'wrap') });
    } catch {
      // Nothing to cancel any more.
    }
  };
}

/** Closes the connection a proxy from wrap or wrapSync holds (its port handle); its later calls throw BadHandleError. */
export function closeRemote(remote: object): void {
  ports.get(remote)?.close();
}
