/**
 * The rou2exOS mailbox benchmarks (docs/objects/mailbox.md): tasks spawned with the
 * rou2exOS personality talk through their mailboxes (10 messages of up to
 * 512 bytes each) with the numbered ABI, send_data (0x36) and
 * receive_data (0x35), through `task.syscall` against `task.memory`, as a
 * rou2exOS program would.
 *
 * - mailbox-roundtrip (µs per round trip, informational): a caller task
 *   sends a 64-byte request into an echo task's mailbox and blocks in
 *   receive_data (mode 1) for the reply in its own
 *   (workers/kipc-mailbox-caller.ts, kipc-mailbox-echo.ts); against
 *   roundtrip's postMessage ping-pong of a number between two workers.
 * - mailbox-one-way (msg/s, informational): a producer task send_datas
 *   64-byte messages into a consumer task's mailbox, retrying on EAGAIN
 *   (the mailbox holds 10): it spins between tries for as long as the
 *   kernel's waiters spin, then sleeps 50 µs before each try; the consumer takes them with
 *   receive_data mode 1 (workers/kipc-mailbox-producer.ts,
 *   kipc-mailbox-consumer.ts); against one-way's postMessage producer and
 *   consumer workers. Its label reports the EAGAIN refusals per message.
 */
import { DEFAULT_LIMITS } from '../src/core/layout.js';
import { kernelOptions } from './config.js';
import { type Benchmark, finishOpening, openBoth, type Side } from './harness.js';
import { kernelSide } from './kipc-side.js';
import { openPostedMessages, openPostMessagePingPong } from './pm-side.js';
import { createMailboxCounters, MB_REFUSED, MB_SENT, MB_YIELDS } from './workers/kipc-mailbox-counters.js';

export interface Rou2exosTaskSpec {
  /** Name in failure messages. */
  name: string;
  /** Worker module under workers/ (without .js). */
  module: string;
  /** `task.data`, given the pids of the tasks spawned before this one; `control` is added. */
  data?: (pids: readonly number[]) => Record<string, unknown>;
}

/**
 * A kernel (with the run's kernel options) and its rou2exOS tasks, spawned
 * in order (each may be told the pids of those before it), one of which
 * drives the rounds (workers/driver.ts). Resolves once every task has
 * reported ready. Closing waits for the tasks (they leave on their own once
 * the driver stops) and closes the kernel.
 */
export async function openRou2exosTasks(label: string, tasks: readonly Rou2exosTaskSpec[]): Promise<Side> {
  const { side, control, spawn } = kernelSide(label);
  const pids: number[] = [];
  return finishOpening(side, async () => {
    for (const spec of tasks) {
      const task = spawn(spec.name, spec.module, { personality: 'rou2exos', data: { ...spec.data?.([...pids]), control: control.buffer } });
      pids.push(task.pid);
    }
    await side.ready(tasks.length);
  });
}

/** `side` with a label computed when read (the runner reads it once the rounds are over). */
export function withLiveLabel(side: Side, label: () => string): Side {
  return {
    get label() {
      return label();
    },
    round: (budgetMs) => side.round(budgetMs),
    close: () => side.close(),
  };
}

function openRoundTripKipc(): Promise<Side> {
  return openRou2exosTasks('send_data (0x36) of 64 bytes → echo task, receive_data (0x35) mode 1 of the reply; rou2exOS tasks, worker ↔ worker', [
    { name: 'echo', module: 'kipc-mailbox-echo' },
    { name: 'caller', module: 'kipc-mailbox-caller', data: ([echo]) => ({ echo }) },
  ]);
}

export const mailboxRoundTrip: Benchmark = {
  name: 'mailbox-roundtrip',
  title: 'rou2exOS mailbox round trip of a 64-byte message, task ↔ task (informational)',
  unit: 'µs',
  targets: [],
  open: () => openBoth(openRoundTripKipc, () => openPostMessagePingPong('postMessage ping-pong of a number over a MessageChannel, worker ↔ worker (roundtrip\'s)')),
};

async function openOneWayKipc(): Promise<Side> {
  const counters = createMailboxCounters();
  const side = await openRou2exosTasks('', [
    { name: 'consumer', module: 'kipc-mailbox-consumer' },
    { name: 'producer', module: 'kipc-mailbox-producer', data: ([consumer]) => ({ consumer, counters, spinMicros: kernelOptions.spin ?? DEFAULT_LIMITS.spin }) },
  ]);
  const words = new Int32Array(counters);
  return withLiveLabel(side, () => {
    const sent = Atomics.load(words, MB_SENT);
    const refused = Atomics.load(words, MB_REFUSED);
    const yields = Atomics.load(words, MB_YIELDS);
    const perMessage = sent > 0 ? ` (over the run: ${(refused / sent).toFixed(2)} EAGAIN per message, ${yields} sleeps)` : '';
    return `send_data (0x36) of 64 bytes, retried on EAGAIN (mailbox of 10): spinning for the kernel's spin time, then sleeping 50 µs per try → receive_data (0x35) mode 1; rou2exOS tasks, worker → worker${perMessage}`;
  });
}

export const mailboxOneWay: Benchmark = {
  name: 'mailbox-one-way',
  title: 'rou2exOS mailbox one-way 64-byte messages, task → task, mailbox of 10 (informational)',
  unit: 'msg/s',
  targets: [],
  open: () =>
    openBoth(openOneWayKipc, () => openPostedMessages(1)),
};
