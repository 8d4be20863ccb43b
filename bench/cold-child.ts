/**
 * One round of the cold benchmark, in a fresh process: starts the echo
 * worker, then times each of the first COLD_CALLS synchronous calls to it
 * from the main thread, and prints the mean µs of each window of
 * COLD_WINDOWS as JSON on stdout. The time to start the worker is not
 * counted: the clock starts at the first call, once the server is bound.
 *
 *   node dist/bench/cold-child.js kipc|synckit
 *
 * Knobs for measuring the options of a faster start (kipc side only):
 * KIPC_COLD_SPIN=µs creates the kernel with that spin budget;
 * KIPC_COLD_WARM=N makes both sides send and receive N messages on a port
 * of their own before the first call (warming the queue path). V8 flags go
 * on the command line: `node --interrupt-budget=8192 dist/bench/cold-child.js kipc`.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { Kernel, Message } from '../src/index.js';
import { connectWhenBound } from './workers/kipc-common.js';
import { type SyncChannel, syncCall } from './sync-call.js';
import { workerUrl } from './harness.js';
import { COLD_CALLS, COLD_WINDOWS } from './cold-windows.js';

function means(micros: Float64Array): number[] {
  return COLD_WINDOWS.map(([from, to]) => {
    let sum = 0;
    for (let i = from - 1; i < to; i++) sum += micros[i]!;
    return sum / (to - from + 1);
  });
}

async function kipc(): Promise<number[]> {
  const spin = process.env['KIPC_COLD_SPIN'];
  const warm = Number(process.env['KIPC_COLD_WARM'] ?? 0);
  const kernel = Kernel.create(spin !== undefined ? { spin: Number(spin) } : {});
  const server = kernel.spawn(workerUrl('cold-echo'), { data: { warm } });
  if (warm > 0) warmSendReceive(kernel, warm);
  const port = connectWhenBound(kernel.task, '/cold/echo');
  const request = Message.of(1);
  const reply = new Message();
  const micros = new Float64Array(COLD_CALLS);
  for (let i = 0; i < COLD_CALLS; i++) {
    request.setU32(0, i);
    const start = performance.now();
    port.call(request, { into: reply });
    micros[i] = (performance.now() - start) * 1000;
    if (reply.getU32(0) !== i + 1) throw new Error(`cold: echo answered ${reply.getU32(0)} to ${i}`);
  }
  await server.terminate();
  await kernel.close();
  return means(micros);
}

/** Experiment (KIPC_COLD_WARM): `n` sends and receives on a port of its own, before the first call. */
function warmSendReceive(kernel: Kernel, n: number): void {
  const port = kernel.task.createPort();
  const m = Message.of(1);
  for (let i = 0; i < n; i++) {
    port.send(m);
    port.receive({ into: m });
  }
  port.close();
}

async function synckit(): Promise<number[]> {
  const { port1: mainPort, port2: workerPort } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerUrl('synckit-worker'), { workerData: { port: workerPort, flag: flag.buffer }, transferList: [workerPort] });
  await new Promise((resolve) => worker.once('online', resolve));
  const channel: SyncChannel = { worker, mainPort, flag, nextId: 1 };
  const micros = new Float64Array(COLD_CALLS);
  for (let i = 0; i < COLD_CALLS; i++) {
    const start = performance.now();
    const result = syncCall(channel, i);
    micros[i] = (performance.now() - start) * 1000;
    if (result !== i + 1) throw new Error(`cold: synckit-style worker answered ${result} to ${i}`);
  }
  await worker.terminate();
  mainPort.close();
  return means(micros);
}

const side = process.argv[2];
if (side !== 'kipc' && side !== 'synckit') {
  console.error('usage: node dist/bench/cold-child.js kipc|synckit');
  process.exit(2);
}
console.log(JSON.stringify(await (side === 'kipc' ? kipc() : synckit())));
process.exit(0);
