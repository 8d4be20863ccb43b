/**
 * The demo's trace protocol. Every demo task reports what it does by sending
 * a trace message to the port init binds at {@link TRACE_PATH}; the kernel
 * stamps the sender's pid, and the payload carries the time and the event:
 *
 * | payload offset | size | field |
 * |---|---|---|
 * | 0  | 8 | f64 time, ms since the demo started |
 * | 8  | 4 | u32 event (EV_*) |
 * | 12 | 4 | u32 a |
 * | 16 | 4 | u32 b |
 * | 20 | 4 | u32 c |
 * | 24 | 8 | f64 x |
 * | 32 | 8 | f64 y |
 *
 * Tasks send these as plain messages (not calls), so tracing never waits for
 * init to answer; a full trace port only makes the sender wait for room.
 */
import { createHistogram } from 'node:perf_hooks';
import { Message, type Port, type Task } from '../index.js';

/** Where init receives trace events. */
export const TRACE_PATH = '/demo/trace';
/** msg_type of a trace event. */
export const TRACE_TYPE = 0x7e;
/** msg_type that tells the echo server to stop. */
export const STOP_TYPE = 99;
/** msg_type of an echo request. */
export const ECHO_TYPE = 1;

/** A server bound its port. a = port object id, b = role (ROLE_*). */
export const EV_SERVER_READY = 1;
/** The stall server received a call and is holding it. a = caller pid, b = call token, c = calls held so far. */
export const EV_SERVER_HOLDING = 2;
/** The echo server stopped. a = calls answered. */
export const EV_SERVER_STOPPED = 3;
/** A client finished its calls. a = calls made, b = server pid, x = median µs, y = p99 µs. */
export const EV_CLIENT_DONE = 4;
/** A client sent its call and now waits for the reply. a = port handle. */
export const EV_CLIENT_CALLING = 5;
/** A client's call failed with BrokenPipeError. a = reply status, b = reply sender pid, c = reply msg_type, x = ms blocked. */
export const EV_CLIENT_EPIPE = 6;
/** A client's call failed otherwise. a = errno (0 for a non-kipc error). */
export const EV_CLIENT_FAILED = 7;
/** A stall-phase call was answered, which should not happen. */
export const EV_CLIENT_ANSWERED = 8;

export const ROLE_ECHO = 0;
export const ROLE_STALL = 1;

/** Milliseconds since `t0`, an epoch time taken with {@link epochNow}; comparable across threads. */
export function since(t0: number): number {
  return epochNow() - t0;
}

/** performance.now() on a clock shared by every thread of the process. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface TraceEvent {
  time: number;
  pid: number;
  event: number;
  a: number;
  b: number;
  c: number;
  x: number;
  y: number;
}

export function decodeTrace(m: Message): TraceEvent {
  const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  return {
    time: v.getFloat64(0, true),
    pid: m.sender,
    event: v.getUint32(8, true),
    a: v.getUint32(12, true),
    b: v.getUint32(16, true),
    c: v.getUint32(20, true),
    x: v.getFloat64(24, true),
    y: v.getFloat64(32, true),
  };
}

/** A task's side of the trace: a send-only handle to init's trace port. */
export class Tracer {
  private readonly port: Port;
  private readonly message = Message.of(TRACE_TYPE);
  private readonly view = new DataView(this.message.payload.buffer, this.message.payload.byteOffset, this.message.payload.byteLength);

  constructor(
    task: Task,
    private readonly t0: number,
  ) {
    this.port = task.connect(TRACE_PATH);
  }

  emit(event: number, a = 0, b = 0, c = 0, x = 0, y = 0): void {
    const v = this.view;
    v.setFloat64(0, since(this.t0), true);
    v.setUint32(8, event, true);
    v.setUint32(12, a >>> 0, true);
    v.setUint32(16, b >>> 0, true);
    v.setUint32(20, c >>> 0, true);
    v.setFloat64(24, x, true);
    v.setFloat64(32, y, true);
    this.port.send(this.message);
  }
}

/** Latencies in µs, summarized by Node's histogram (perf_hooks: nanosecond buckets, 3 significant digits). */
export class Latencies {
  private readonly histogram = createHistogram();

  constructor(micros: ArrayLike<number>) {
    for (let i = 0; i < micros.length; i++) this.histogram.record(Math.max(1, Math.round(micros[i]! * 1000)));
  }

  get count(): number {
    return this.histogram.count;
  }

  /** The `p`th percentile (0..100) in µs; NaN when there are none. */
  at(p: number): number {
    return this.count === 0 ? NaN : this.histogram.percentile(p) / 1000;
  }

  get min(): number {
    return this.count === 0 ? NaN : this.histogram.min / 1000;
  }

  get max(): number {
    return this.count === 0 ? NaN : this.histogram.max / 1000;
  }
}
