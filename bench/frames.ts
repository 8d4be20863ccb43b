/**
 * The frames benchmark: Ethernet frames per second from a UDP socket to the
 * rou2exOS network driver task (docs/objects/network.md). A sender worker blasts
 * numbered 64..128-byte Ethernet frames, one per UDP datagram, on loopback
 * (workers/frame-sender.ts).
 *
 * - kipc: the datagrams go to a UdpFrameLink attached to a kernel in the
 *   main thread (`kernel.attachNetwork`); the interface routes each frame
 *   into the mailbox of the driver task (a rou2exOS worker task registered
 *   with net_register 0), which takes them with receive_data mode 1
 *   (workers/frame-driver-task.ts). The figure is frames per second
 *   delivered to the driver task. Its mailbox holds 10 frames: when the
 *   driver falls behind, the interface drops frames (counted in
 *   `snapshot().network.dropped.mailboxFull`, reported in the label), which
 *   is what a NIC does with a full ring; the figure counts delivered frames.
 * - alternative: a plain node:dgram socket in a worker receiving the same
 *   datagrams (workers/frame-udp-receiver.ts): what the socket alone allows,
 *   the ceiling of any kernel fed by one UDP socket. Its figure is higher;
 *   the "speedup" is kipc's share of it.
 *
 * The seed (rou2exOS) hands the driver about 100 frames/s (one per PIT
 * tick): the target is at least that, and the label says how many times it
 * kipc delivers. The kipc side keeps three threads busy (sender, main thread
 * with the socket and the kernel's delivery, driver task), the alternative
 * two; the sender takes a core of its own, so on 2 cores these figures say
 * more about the machine than about either side.
 */
import { Worker } from 'node:worker_threads';
import { Kernel, type NetworkInterface, type TaskHandle } from '../src/index.js';
import type { NetworkInfo } from '../src/runtime/snapshot.js';
import { UdpFrameLink, type UdpFrameLinkStats } from '../src/devices/udp-link.js';
import { kernelOptions } from './config.js';
import { threadBackend } from '../src/backend/thread.js';
import { createControl } from './control.js';
import { type Benchmark, DrivenSide, Failure, finishOpening, openBoth, type RoundFigure, type Side, settleWithin, stopWorker, waitForWord, workerUrl } from './harness.js';
import { withLiveLabel } from './mailbox.js';
import { median } from './stats.js';
import { createFrameStats, dismissSender, S_COUNTED, S_DRAINED, S_PORT, S_SEND_ERRORS, S_SENT } from './workers/frame-common.js';

/** What the seed design delivers to its driver: one frame per PIT tick. */
export const SEED_FRAMES_PER_SECOND = 100;

const SETUP_TIMEOUT_MS = 30_000;

function startSender(control: SharedArrayBuffer, stats: SharedArrayBuffer, failure: Failure): Worker {
  const sender = new Worker(workerUrl('frame-sender'), { workerData: { control, stats } });
  failure.watchWorker(sender, 'frame-sender');
  return sender;
}

/** What the sender sent, over the run, for a label. */
function sentNote(stats: Int32Array): string {
  const errors = Atomics.load(stats, S_SEND_ERRORS);
  return `sent ${Atomics.load(stats, S_SENT)}${errors > 0 ? ` (${errors} sends failed)` : ''}`;
}

/** A side that also keeps its rounds' figures (the label's "times the seed"). */
function recordingRounds(side: Side, figures: RoundFigure[]): Side {
  return {
    label: side.label,
    round: async (budgetMs) => {
      const figure = await side.round(budgetMs);
      figures.push(figure);
      return figure;
    },
    close: () => side.close(),
  };
}

async function openKipc(): Promise<Side> {
  const kernel = Kernel.create({ ...kernelOptions });
  const failure = new Failure();
  const control = createControl();
  const statsBuffer = createFrameStats();
  const stats = new Int32Array(statsBuffer);
  const link = new UdpFrameLink({ bind: { port: 0, address: '127.0.0.1' } });
  let nic: NetworkInterface | undefined;
  let driver: TaskHandle | undefined;
  let sender: Worker | undefined;
  let network: NetworkInfo | undefined;
  let linkStats: UdpFrameLinkStats | undefined;
  const side = new DrivenSide(
    '',
    control,
    failure,
    async () => {
      if (driver) await settleWithin(driver.exited, 2000);
      dismissSender(control); // the driver does, unless it failed first
      if (sender) await stopWorker(sender);
      network = kernel.snapshot().network;
      linkStats = link.stats;
      await nic?.detach();
      await kernel.close();
    },
    () => kernel.snapshot().stats.parks,
  );
  const opened = await finishOpening(side, async () => {
    nic = await kernel.attachNetwork(link);
    Atomics.store(stats, S_PORT, link.address().port);
    driver = kernel.spawn(workerUrl('frame-driver-task'), { personality: 'rou2exos', data: { control: control.buffer, stats: statsBuffer } });
    failure.watchTask(driver, 'network driver');
    sender = startSender(control.buffer, statsBuffer, failure);
    await side.ready(2);
  });
  const figures: RoundFigure[] = [];
  return withLiveLabel(recordingRounds(opened, figures), () => {
    const how = 'UdpFrameLink → kernel.attachNetwork (main thread) → mailbox of the driver task (net_register 0), receive_data mode 1; 1 msg = 1 frame';
    if (network === undefined || linkStats === undefined) return how;
    const dropped = network.dropped;
    const times = median(figures.map((f) => f.value)) / SEED_FRAMES_PER_SECOND;
    return (
      `${how} · ≈ ${times.toFixed(0)}x the seed's ~${SEED_FRAMES_PER_SECOND} frames/s (median of all ${figures.length} rounds, warm-up included)` +
      ` · over the run: ${sentNote(stats)}, the link received ${linkStats.received}, the driver got ${network.toDriver}` +
      ` (${Atomics.load(stats, S_COUNTED)} in the timed windows), dropped: mailbox full ${dropped.mailboxFull}, no route ${dropped.noRoute}, runt ${dropped.runt}, too big ${dropped.tooBig}`
    );
  });
}

async function openSocketAlone(): Promise<Side> {
  const failure = new Failure();
  const control = createControl();
  const statsBuffer = createFrameStats();
  const stats = new Int32Array(statsBuffer);
  const workers: Worker[] = [];
  const side = new DrivenSide('', control, failure, async () => {
    dismissSender(control); // the receiver does, unless it failed first
    await Promise.all(workers.map((worker) => stopWorker(worker)));
  });
  const opened = await finishOpening(side, async () => {
    const receiver = new Worker(workerUrl('frame-udp-receiver'), { workerData: { control: control.buffer, stats: statsBuffer } });
    failure.watchWorker(receiver, 'frame-udp-receiver');
    workers.push(receiver);
    await waitForWord(threadBackend, stats, S_PORT, (port) => port !== 0, failure.promise, SETUP_TIMEOUT_MS, 'the UDP receiver to bind');
    workers.push(startSender(control.buffer, statsBuffer, failure));
    await side.ready(2);
  });
  return withLiveLabel(opened, () => {
    const counted = Atomics.load(stats, S_COUNTED);
    const received = counted + Atomics.load(stats, S_DRAINED);
    return (
      `node:dgram socket in a worker, 'message' events counted (the socket alone) · over the run: ${sentNote(stats)}, received ${received}` +
      ` (${counted} in the timed windows)`
    );
  });
}

export const frames: Benchmark = {
  name: 'frames',
  title: `Ethernet frames (64..128 bytes, one per UDP datagram on loopback) per second delivered to the rou2exOS network driver task (seed: ~${SEED_FRAMES_PER_SECOND}/s)`,
  unit: 'msg/s',
  operation: 'frame',
  targets: [{ kind: 'at-least', value: SEED_FRAMES_PER_SECOND }],
  open: () => openBoth(openKipc, openSocketAlone),
};
