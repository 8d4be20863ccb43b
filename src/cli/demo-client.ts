/**
 * Demo task: a client of the echo server.
 *
 * ROLE_ECHO: makes `calls` synchronous calls to `path`, timing each round
 * trip (send, the server's receive and reply, the wake-up) and writing the
 * times in µs into the shared `samples` array at `offset`; the first
 * `warmup` calls are not timed.
 *
 * ROLE_STALL: makes one call to a server that will never answer it and
 * reports what it got back when that server was terminated: BrokenPipeError,
 * with the kernel's error reply (msg_type 0x80, status EPIPE) in the message.
 */
import { attach, BrokenPipeError, KipcError, Message } from '../index.js';
import { threadBackend } from '../backend/thread.js';
import {
  ECHO_TYPE,
  EV_CLIENT_ANSWERED,
  EV_CLIENT_CALLING,
  EV_CLIENT_DONE,
  EV_CLIENT_EPIPE,
  EV_CLIENT_FAILED,
  ROLE_STALL,
  epochNow,
  Latencies,
  Tracer,
} from './trace.js';

export interface ClientData {
  role: number;
  path: string;
  calls: number;
  warmup: number;
  /** Float64Array memory for the round-trip times, in µs. */
  samples?: SharedArrayBuffer;
  offset: number;
  /** Sleep `paceMs` after every `paceEvery` calls (0 = never), so a live view can follow. */
  paceEvery: number;
  paceMs: number;
  t0: number;
}

const task = attach();
const data = task.data as ClientData;
const tracer = new Tracer(task, data.t0);
const port = task.connect(data.path);

if (data.role === ROLE_STALL) callStalled();
else callEcho();

function callEcho(): void {
  const samples = new Float64Array(data.samples!, data.offset * 8, data.calls - data.warmup);
  const request = Message.of(ECHO_TYPE);
  const reply = new Message();
  let server = 0;
  for (let i = 0; i < data.calls; i++) {
    request.setU32(0, i);
    const start = performance.now();
    port.call(request, { into: reply });
    const micros = (performance.now() - start) * 1000;
    if (reply.getU32(0) !== i + 1) throw new Error(`echo answered ${reply.getU32(0)} to ${i}`);
    if (i >= data.warmup) samples[i - data.warmup] = micros;
    server = reply.sender;
    if (data.paceEvery > 0 && (i + 1) % data.paceEvery === 0) threadBackend.pause(data.paceMs);
  }
  const latencies = new Latencies(samples);
  tracer.emit(EV_CLIENT_DONE, data.calls, server, 0, latencies.at(50), latencies.at(99));
}

function callStalled(): void {
  const message = Message.of(ECHO_TYPE).setU32(0, task.pid);
  tracer.emit(EV_CLIENT_CALLING, port.handle);
  const start = epochNow();
  try {
    port.call(message, { into: message });
    tracer.emit(EV_CLIENT_ANSWERED);
  } catch (error) {
    const blocked = epochNow() - start;
    if (error instanceof BrokenPipeError) {
      tracer.emit(EV_CLIENT_EPIPE, message.status, message.sender, message.type, blocked);
    } else {
      tracer.emit(EV_CLIENT_FAILED, error instanceof KipcError ? error.errno : 0);
    }
  }
}
