/**
 * The well-formed traffic that runs while the fuzzers do: the echo service
 * the fuzzers connect to, with two clients (one sync Strat9, one async
 * rou2exOS) checking every reply; a private channel stream; a private
 * semaphore hand-off; and a rou2exOS mailbox ping-pong (mailboxes are open
 * to every task, so the peers check only each other's mail). Each fixture
 * checks every message it gets exactly and ends with an error on the first
 * wrong one; here they are started, stopped in order, and their exits and
 * counts collected.
 */
import { sys, type Kernel, type TaskExit, type TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor, within } from '../support/wait.js';
import { connect, info, writeMsg } from '../support/abi.js';
import {
  C_ECHO_OBJECT,
  C_ECHO_PID,
  C_MAIL_PEER_A,
  C_STOP_WELLFORMED,
  C_WELLFORMED_COUNTS,
  C_WELLFORMED_PIDS,
  type WellFormedData,
} from './fixtures/fuzz-control.js';

/** The echo server's stop message type (fuzz-echo-server.ts). */
const STOP_ECHO = 0x5709_0099;

export interface WellFormedTask {
  name: string;
  index: number;
  handle: TaskHandle;
  /** Set once it has exited. */
  exit?: TaskExit;
}

export interface WellFormedResult {
  name: string;
  pid: number;
  checked: number;
  exit: TaskExit;
}

export class WellFormedTraffic {
  private readonly tasks: WellFormedTask[] = [];
  private echoServer: WellFormedTask | undefined;
  /** Init's send-only handle to the echo service (for the stop message). */
  private echoHandle = 0;

  private constructor(
    private readonly kernel: Kernel,
    private readonly control: Int32Array,
  ) {}

  /** Starts every well-formed task; resolves once the echo service is bound and its object id published. */
  static async start(kernel: Kernel, control: Int32Array): Promise<WellFormedTraffic> {
    const traffic = new WellFormedTraffic(kernel, control);
    await traffic.startAll();
    return traffic;
  }

  private spawn(name: string, personality: 'strat9' | 'rou2exos', extra: Record<string, unknown> = {}): WellFormedTask {
    const index = this.tasks.length + (this.echoServer ? 1 : 0);
    const data: WellFormedData & Record<string, unknown> = { control: this.control.buffer as SharedArrayBuffer, index, ...extra };
    const file = name.replace(/ .*/, '');
    const handle = this.kernel.spawn(fixture(`reliability/fixtures/${file}`), { data, personality, memoryBytes: 8192 });
    Atomics.store(this.control, C_WELLFORMED_PIDS + 1 + index, handle.pid);
    const task: WellFormedTask = { name, index, handle };
    void handle.exited.then((exit) => (task.exit = exit));
    return task;
  }

  private async startAll(): Promise<void> {
    Atomics.store(this.control, C_WELLFORMED_PIDS, 1); // init
    this.echoServer = this.spawn('fuzz-echo-server', 'strat9');
    const init = this.kernel.task;
    await waitFor(() => this.kernel.snapshot().names.some((n) => n.path === '/srv/echo'), 'the echo service to bind');
    this.echoHandle = connect(init, '/srv/echo');
    if (this.echoHandle <= 0) throw new Error(`init could not connect to /srv/echo: ${this.echoHandle}`);
    Atomics.store(this.control, C_ECHO_OBJECT, info(init, this.echoHandle).id);
    Atomics.store(this.control, C_ECHO_PID, this.echoServer.handle.pid);
    this.tasks.push(this.spawn('fuzz-echo-client sync', 'strat9'));
    this.tasks.push(this.spawn('fuzz-echo-client async', 'rou2exos', { async: true }));
    const consumer = this.spawn('fuzz-stream-consumer', 'strat9');
    this.tasks.push(consumer);
    this.tasks.push(this.spawn('fuzz-stream-producer', 'strat9', { consumer: consumer.handle.pid }));
    const handoffB = this.spawn('fuzz-handoff-peer b', 'strat9', { role: 'b' });
    this.tasks.push(handoffB);
    this.tasks.push(this.spawn('fuzz-handoff-peer a', 'strat9', { role: 'a', peer: handoffB.handle.pid }));
    const mailB = this.spawn('fuzz-mailbox-peer b', 'rou2exos', { role: 'b' });
    this.tasks.push(mailB);
    const mailA = this.spawn('fuzz-mailbox-peer a', 'rou2exos', { role: 'a', peer: mailB.handle.pid });
    this.tasks.push(mailA);
    Atomics.store(this.control, C_MAIL_PEER_A, mailA.handle.pid);
    Atomics.notify(this.control, C_MAIL_PEER_A);
  }

  /** Messages (or hand-offs) each task has checked so far. */
  counts(): { name: string; checked: number }[] {
    return [this.echoServer!, ...this.tasks].map((t) => ({ name: t.name, checked: Atomics.load(this.control, C_WELLFORMED_COUNTS + t.index) }));
  }

  /** A task that has already exited (before being stopped, only an error ends one), if any. */
  exitedEarly(): WellFormedTask | undefined {
    return [this.echoServer!, ...this.tasks].find((t) => t.exit !== undefined);
  }

  /** Whether the echo service is still bound at /srv/echo to its port. */
  echoStillBound(): boolean {
    const id = Atomics.load(this.control, C_ECHO_OBJECT);
    return this.kernel.snapshot().names.some((n) => n.path === '/srv/echo' && n.objectId === id);
  }

  /** Stops the clients, then the echo server; resolves with every task's exit and count. */
  async stop(timeoutMs = 30_000): Promise<WellFormedResult[]> {
    Atomics.store(this.control, C_STOP_WELLFORMED, 1);
    const results: WellFormedResult[] = [];
    for (const t of this.tasks) {
      const exit = await within(t.handle.exited, timeoutMs, `well-formed task ${t.name} to finish`);
      results.push({ name: t.name, pid: t.handle.pid, checked: Atomics.load(this.control, C_WELLFORMED_COUNTS + t.index), exit });
    }
    const init = this.kernel.task;
    const r = init.syscall(sys.SYS_IPC_SEND, this.echoHandle, writeMsg(init.memory, 0, { type: STOP_ECHO }));
    if (r !== 0) throw new Error(`stopping the echo server: IPC_SEND returned ${r}`);
    init.syscall(sys.SYS_HANDLE_CLOSE, this.echoHandle);
    const server = this.echoServer!;
    const exit = await within(server.handle.exited, timeoutMs, 'the echo server to finish');
    results.unshift({ name: server.name, pid: server.handle.pid, checked: Atomics.load(this.control, C_WELLFORMED_COUNTS + server.index), exit });
    return results;
  }
}
