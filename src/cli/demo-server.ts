/**
 * Demo task: an echo server. It binds a port at `data.path` and answers every
 * call with the request's u32 payload[0] + 1, until a STOP message arrives.
 *
 * With `data.role === ROLE_STALL` it is a server that gets stuck: it
 * receives `data.hold` calls, holding the one-shot right to answer each, and
 * then hangs without answering, until init terminates it. The kernel then
 * answers every call it held (and every call still queued on its port) with
 * an EPIPE reply.
 */
import { attach, Message } from '../index.js';
import { EV_SERVER_HOLDING, EV_SERVER_READY, EV_SERVER_STOPPED, ROLE_STALL, STOP_TYPE, Tracer } from './trace.js';
import { threadBackend } from '../backend/thread.js';

export interface ServerData {
  role: number;
  path: string;
  /** Calls the stall server receives before it hangs. */
  hold: number;
  /** Demo start, as an epoch time in ms. */
  t0: number;
}

const task = attach();
const data = task.data as ServerData;
const tracer = new Tracer(task, data.t0);
const port = task.createPort();
port.bind(data.path);
tracer.emit(EV_SERVER_READY, port.info().objectId, data.role);

if (data.role === ROLE_STALL) stall();
else tracer.emit(EV_SERVER_STOPPED, serve());

/** Answers calls until STOP; returns how many it answered. */
function serve(): number {
  const m = new Message();
  let answered = 0;
  for (;;) {
    port.receive({ into: m });
    if (m.type === STOP_TYPE) return answered;
    if (m.callToken === 0) continue;
    m.setU32(0, m.getU32(0) + 1);
    if (task.reply(m)) answered++;
  }
}

/** Receives `hold` calls and never answers them. */
function stall(): never {
  for (let held = 1; held <= data.hold; held++) {
    const m = port.receive();
    tracer.emit(EV_SERVER_HOLDING, m.sender, m.callToken, held);
  }
  // Stuck, the way a server with a bug is: asleep on a word nobody will change.
  const never = threadBackend.allocate(4).words;
  for (;;) threadBackend.wait(never, 0, 0, Infinity);
}
