/**
 * The agent protocol, both sides. An agent is a task (a worker thread) the
 * test drives command by command over a BroadcastChannel of its own (not
 * through the kernel under test, so the control path holds no handle, port
 * or call): the test posts a command `{ id, op, ... }`, the agent runs it on
 * its thread (really blocking there where the command blocks) and posts a
 * Reply with the same id; reply 0 is the agent's hello, negative ids are
 * events. Agent side: serveAgentCommands. Test side: a subclass of
 * AgentClient. Used by the rou2exOS agent and the page IPC agent
 * (test/api/fixtures), the quota hog (test/reliability/fixtures) and the
 * model's syscall agent (test/model/fixtures).
 *
 * (The ABI suites' agent, test/support/abi.ts, is driven through the
 * kernel's own IPC instead: its control connection is part of what those
 * suites count.)
 */
import { BroadcastChannel } from 'node:worker_threads';
import { KipcError, type TaskExit, type TaskHandle } from '../../src/index.js';

/** An error a command threw in the agent, as sent back. */
export interface ErrorOut {
  name: string;
  message: string;
  errno?: number;
  code?: string;
  /** It was a KipcError (and an Error). */
  kipc: boolean;
  /** Its cause is the reason of the AbortSignal the command used (only set for aborted commands). */
  causeIsReason?: boolean;
}

export interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: ErrorOut;
}

/** Agent side: `e`, thrown by a command, as sent back (with `signal`: whether its cause is the abort reason). */
export function describeError(e: unknown, signal?: AbortSignal): ErrorOut {
  const out: ErrorOut = { name: 'Error', message: String(e), kipc: e instanceof KipcError && e instanceof Error };
  if (e instanceof Error) {
    out.name = e.name;
    out.message = e.message;
  }
  if (e instanceof KipcError) {
    out.errno = e.errno;
    out.code = e.code;
  }
  if (signal?.aborted) out.causeIsReason = e instanceof Error && e.cause === signal.reason;
  return out;
}

/**
 * Agent side: answers every command posted on `channel` with what `run`
 * returns (awaited), or with its error as `describe` sends it back (given
 * the AbortSignal `run` stored in `signalOut`, if any); then announces the
 * agent with `hello` as the value of reply 0.
 */
export function serveAgentCommands<C extends { id: number }>(
  channel: BroadcastChannel,
  run: (cmd: C, signalOut: { signal?: AbortSignal }) => unknown,
  hello: unknown,
  describe: (e: unknown, signal?: AbortSignal) => ErrorOut = describeError,
): void {
  channel.onmessage = (event: unknown) => {
    const cmd = (event as MessageEvent<C>).data;
    void (async () => {
      const signalOut: { signal?: AbortSignal } = {};
      let reply: Reply;
      try {
        reply = { id: cmd.id, ok: true, value: await run(cmd, signalOut) };
      } catch (e) {
        reply = { id: cmd.id, ok: false, error: describe(e, signalOut.signal) };
      }
      channel.postMessage(reply);
    })();
  };
  channel.postMessage({ id: 0, ok: true, value: hello } satisfies Reply);
}

/** The error a failed agent command rejects with. */
export class RemoteError extends Error {
  constructor(
    readonly op: string,
    readonly remote: ErrorOut,
  ) {
    super(`agent ${op}: ${remote.name}: ${remote.message}`);
  }
}

/**
 * A check for assert.rejects on an agent command: it failed with the typed
 * API's error class `name` (a KipcError) carrying `errno` and `code` (and,
 * when given, whether its cause was the abort reason).
 */
export function remote(name: string, errno: number, code: string, causeIsReason?: boolean): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!(e instanceof RemoteError)) throw new Error(`expected a RemoteError, got ${String(e)}`);
    const r = e.remote;
    if (r.name !== name || r.errno !== errno || r.code !== code || !r.kipc) {
      throw new Error(`expected ${name} ${code} (${errno}), got ${JSON.stringify(r)}`);
    }
    if (causeIsReason !== undefined && r.causeIsReason !== causeIsReason) throw new Error(`expected causeIsReason ${causeIsReason}, got ${JSON.stringify(r)}`);
    return true;
  };
}

/** A started command's result, with whether it has settled yet. */
export type Pending<T> = Promise<T> & { readonly settled: boolean };

/** Default time an agent command may take before the test gives up on it. */
export const COMMAND_TIMEOUT_MS = 20_000;

/** Agent channels opened by this process, for unique names. */
let agentChannels = 0;

/** Sends commands of type `C` to one agent and matches its replies. */
export abstract class AgentClient<C extends { op: string }> {
  private readonly pending = new Map<number, { op: string; resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exit: TaskExit | undefined;

  protected constructor(
    protected readonly channel: BroadcastChannel,
    readonly handle: TaskHandle,
    readonly pid: number,
  ) {}

  /** Settles when the agent has stopped and been reaped. */
  get exited(): Promise<TaskExit> {
    return this.handle.exited;
  }

  /** Asks the agent to exit with `code` (it sends no reply); resolves once it is reaped. */
  exitWith(code = 0): Promise<TaskExit> {
    this.channel.postMessage({ op: 'exit', code, id: this.nextId++ });
    return this.handle.exited;
  }

  /** Kills the agent wherever it is; resolves once it is reaped. */
  terminate(): Promise<TaskExit> {
    return this.handle.terminate();
  }

  /**
   * Spawns an agent task over a fresh BroadcastChannel named after `kind`:
   * `spawn` starts the task, given the channel's name; the agent's hello
   * (reply 0) is awaited, and later replies go to the agent `make` builds.
   * Events (negative ids) go to `onEvent`, from the start.
   */
  protected static async open<A extends AgentClient<{ op: string }>, H>(
    kind: string,
    spawn: (channelName: string) => TaskHandle,
    make: (channel: BroadcastChannel, handle: TaskHandle, hello: H) => A,
    onEvent?: (event: unknown) => void,
  ): Promise<A> {
    const name = `kipc-${kind.replace(/ /g, '-')}-${process.pid}-${++agentChannels}-${Math.random().toString(36).slice(2)}`;
    const channel = new BroadcastChannel(name);
    let agent: A | undefined;
    let onReady!: (hello: H) => void;
    const ready = new Promise<H>((resolve) => (onReady = resolve));
    channel.onmessage = (event: unknown) => {
      const msg = (event as MessageEvent<Reply>).data;
      if (msg.id === 0) onReady(msg.value as H);
      else if (msg.id < 0) onEvent?.(msg);
      else agent?.settle(msg);
    };
    const handle = spawn(name);
    const hello = await whenAgentReady(handle, channel, ready, (e) => agent?.died(e), kind);
    agent = make(channel, handle, hello);
    return agent;
  }

  protected settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    p.resolve(reply);
  }

  /** The agent exited: every command still waiting fails. */
  protected died(e: TaskExit): void {
    this.exit = e;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error(`agent ${this.pid} exited during '${p.op}': ${JSON.stringify(e)}`));
    }
  }

  /**
   * Runs `command` in the agent; resolves with its reply (ok or not).
   * Rejects if the agent dies first or gives no answer within `timeoutMs`.
   */
  raw(command: C, timeoutMs = COMMAND_TIMEOUT_MS): Promise<Reply> {
    if (this.exit !== undefined) return Promise.reject(new Error(`agent ${this.pid} has exited: ${JSON.stringify(this.exit)}`));
    const id = this.nextId++;
    const promise = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`agent ${this.pid}: '${command.op}' gave no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, {
        op: command.op,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    this.channel.postMessage({ ...command, id });
    // A test that fails before awaiting a started command must not also raise an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  /** Runs `command`; resolves with its value, rejects with a RemoteError when it threw. */
  async run<T = unknown>(command: C, timeoutMs?: number): Promise<T> {
    const reply = await this.raw(command, timeoutMs);
    if (!reply.ok) throw new RemoteError(command.op, reply.error!);
    return reply.value as T;
  }

  /** Starts `command` and returns its pending result with a `settled` flag, for commands the test expects to block. */
  start<T = unknown>(command: C, timeoutMs?: number): Pending<T> {
    const p = this.run<T>(command, timeoutMs) as Pending<T>;
    p.catch(() => {});
    const state = { settled: false };
    p.then(
      () => (state.settled = true),
      () => (state.settled = true),
    );
    Object.defineProperty(p, 'settled', { get: () => state.settled });
    return p;
  }
}

/**
 * Waits for a freshly spawned agent to report `ready`: rejects if its task
 * exits first or it stays silent for COMMAND_TIMEOUT_MS. However the task
 * ends, later or now, its `channel` is closed and `onExit` runs (the agent
 * object, once made, learns of its death there).
 */
function whenAgentReady<T>(handle: TaskHandle, channel: BroadcastChannel, ready: Promise<T>, onExit: (exit: TaskExit) => void, name = 'agent'): Promise<T> {
  const exited = handle.exited.then((e) => {
    channel.close();
    onExit(e);
    return e;
  });
  return Promise.race([
    ready,
    exited.then((e) => {
      throw new Error(`${name} ${handle.pid} exited before it was ready: ${JSON.stringify(e)}`);
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} ${handle.pid} not ready after ${COMMAND_TIMEOUT_MS / 1000} s`)), COMMAND_TIMEOUT_MS).unref()),
  ]);
}
