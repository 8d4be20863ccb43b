/**
 * expose: an object's methods served on a port, the comlink idea at kernel
 * speed (the caller's side is src/api/wrap.ts).
 *
 * ```ts
 * task.expose('/srv/math', { add: (a: number, b: number) => a + b });
 * const math = task.wrap<{ add(a: number, b: number): number }>('/srv/math');
 * await math.add(1, 2); // 3
 * ```
 *
 * The wire (docs/objects/port.md, "Values"): a call carries the value
 * `[id, method, args, deadline]` (`deadline` in ms since the epoch, 0 for
 * none; `id` the caller's number for the call) and is answered with the
 * method's result, or what it threw. A one-way `['cancel', id]` on the
 * service's cancel port (bound at `<path>/.cancel` by Task.expose) from
 * the same caller aborts that call's signal: it has a port of its own, so
 * that a cancel is read while the service runs as many calls as it may.
 */
import { EINVAL } from '../core/errno.js';
import { InvalidArgumentError } from './errors.js';
import { describe } from './describe.js';
import { type Codec, type CodecOption, codecOf } from './codec.js';
import { Message } from './message.js';
import type { Port } from './port.js';

/** What an exposed method gets after the caller's arguments. */
export interface CallContext {
  /** Aborted when the caller aborts its call, just after its deadline passes (50 ms), or when the service closes. */
  readonly signal: AbortSignal;
  /** Pid of the calling task. */
  readonly sender: number;
}

export interface ExposeOptions {
  /** Calls run at once at most (default 64); more wait in the port's queue. */
  concurrency?: number;
  /** A codec of your own for requests and results (built-in ones are found from each request). */
  codec?: CodecOption<unknown>;
  /** Closes the service. */
  signal?: AbortSignal;
  /** Where callers' cancels arrive (one-way `['cancel', id]`); closed with the service. */
  cancelPort?: Port;
}

/** A running service. */
export interface Exposed {
  /** The port it serves. */
  readonly port: Port;
  /** Stops receiving, aborts the calls under way, closes the port. Their callers get EPIPE if unanswered. */
  close(): void;
  /** Settles when the service has stopped. */
  readonly closed: Promise<void>;
}

const DEFAULT_CONCURRENCY = 64;
/** The longest delay setTimeout keeps (longer ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long after a caller's deadline its method's signal aborts. */
const DEADLINE_GRACE_MS = 50;

/** Whether `name` names a method of `api` that callers may reach: its own or its class's, never Object's. */
function methodOf(api: object, name: unknown): ((...args: unknown[]) => unknown) | undefined {
  if (typeof name !== 'string' || name in Object.prototype) return undefined;
  const method = (api as Record<string, unknown>)[name];
  return typeof method === 'function' ? (method as (...args: unknown[]) => unknown) : undefined;
}

/**
 * Serves `api`'s methods on `port` (see the file comment). Runs up to
 * `concurrency` calls at once; each gets a {@link CallContext} after its
 * arguments (at the method's declared arity when the caller passed fewer).
 * InvalidArgumentError for an `api` that is not an object or a bad option.
 */
export function exposeOn(port: Port, api: object, options: ExposeOptions = {}): Exposed {
  if (typeof api !== 'object' || api === null) throw new InvalidArgumentError(EINVAL, `expose: api must be an object of methods, not ${describe(api)}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError(EINVAL, `expose: concurrency must be an integer >= 1, not ${describe(concurrency)}`);
  const own: Codec<unknown> | undefined = options.codec === undefined ? undefined : codecOf(options.codec, 'expose');
  const stop = new AbortController();
  /** The calls under way that went async, by `<sender>:<id>`: what a cancel aborts. */
  const active = new Map<string, CallState>();
  let running = 0;
  let slotFreed: (() => void) | undefined;

  /** Ends an async call: its timer, its entry, its concurrency slot. */
  const settled = (key: string, state: CallState): void => {
    state.end();
    active.delete(key);
    running--;
    slotFreed?.();
  };

  /**
   * Runs one call. A method that answers at once is answered at once, and
   * costs no entry, timer or controller; one that returns a promise holds
   * a concurrency slot and can be cancelled until it settles. Returns true
   * when the call went async: it keeps `request` until it is answered.
   */
  const runCall = (request: Message, id: unknown, method: (...args: unknown[]) => unknown, args: unknown[], deadline: number): boolean => {
    const state = new CallState(request.sender, deadline);
    const padded = args.length < method.length - 1 ? [...args, ...new Array<undefined>(method.length - 1 - args.length)] : args;
    padded.push(state);
    const answering = port.answer(request, () => method.apply(api, padded), own);
    if (answering === undefined) {
      state.end();
      return false;
    }
    const key = `${request.sender}:${String(id)}`;
    running++;
    active.set(key, state);
    void answering.finally(() => settled(key, state));
    return true;
  };

  const loop = async (): Promise<void> => {
    let spare: Message | undefined;
    for (;;) {
      if (running >= concurrency) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        slotFreed = undefined;
        continue;
      }
      const request = await port.receiveForService(stop.signal, spare);
      if (request === undefined) return;
      spare = request;
      const decoded = decodeRequest(request, own);
      if (request.callToken === 0) continue; // one-way messages mean nothing here
      if (!Array.isArray(decoded) || decoded.length !== 4 || !Array.isArray(decoded[2])) {
        void port.answer(request, () => {
          throw decoded instanceof Error ? decoded : new TypeError('expose: the request is not a call made by wrap() ([id, method, args, deadline])');
        }, own);
        continue;
      }
      const [id, name, args, deadline] = decoded as [unknown, unknown, unknown[], unknown];
      const method = methodOf(api, name);
      if (method === undefined) {
        void port.answer(request, () => {
          throw new TypeError(`expose: the service has no method ${typeof name === 'string' ? `'${name}'` : describe(name)}`);
        }, own);
        continue;
      }
      if (runCall(request, id, method, args, typeof deadline === 'number' ? deadline : 0)) spare = undefined;
    }
  };

  const cancelLoop = async (cancels: Port): Promise<void> => {
    for (;;) {
      const message = await cancels.receiveForService(stop.signal);
      if (message === undefined) return;
      const decoded = decodeRequest(message, own);
      if (Array.isArray(decoded) && decoded[0] === 'cancel') active.get(`${message.sender}:${String(decoded[1])}`)?.abort(new Error('the caller aborted the call'));
    }
  };

  const cancelPort = options.cancelPort;
  if (cancelPort !== undefined) void cancelLoop(cancelPort).finally(() => stop.abort());
  const closed = loop().finally(() => {
    stop.abort();
    cancelPort?.close();
    for (const state of active.values()) state.abort(new Error('the service closed'));
  });
  const close = (): void => {
    stop.abort();
    port.close();
    cancelPort?.close();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  return { port, close, closed };
}

/**
 * One call's {@link CallContext}. Its signal is made when the method first
 * reads it: a method that never looks costs no AbortController and no
 * deadline timer. An abort before that is kept and shows on the signal at
 * once; the deadline's timer starts with the signal (a signal first read
 * after the deadline is aborted already).
 */
class CallState implements CallContext {
  private controller: AbortController | undefined;
  private reason: Error | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;

  constructor(
    readonly sender: number,
    private readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = (this.controller = new AbortController());
      if (this.reason !== undefined) controller.abort(this.reason);
      else if (!this.ended) this.startTimer(controller);
    }
    return this.controller.signal;
  }

  /** Aborts the call's signal with `reason` (now, or as soon as it is made). */
  abort(reason: Error): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.reason ??= reason;
  }

  /** The call is answered: no timer stays behind. */
  end(): void {
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  // The caller's own timeout ends its call at the deadline (TimeoutError); the method's signal
  // aborts a little after, so that its answer never beats the caller's timeout. A deadline further
  // than a timer can wait (about 24.8 days) would fire at once: it is as good as none.
  private startTimer(controller: AbortController): void {
    if (this.deadline <= 0) return;
    const delay = this.deadline - Date.now() + DEADLINE_GRACE_MS;
    if (delay <= 0) controller.abort(deadlinePassed());
    else if (delay < MAX_TIMER_MS) this.timer = setTimeout(() => controller.abort(deadlinePassed()), delay);
  }
}

function deadlinePassed(): Error {
  return new Error("the caller's deadline passed");
}

/** The request's value, or the error decoding it threw (answered to the caller as such). */
function decodeRequest(request: Message, own: Codec<unknown> | undefined): unknown {
  try {
    return request.value(own);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
