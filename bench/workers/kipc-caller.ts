/**
 * kipc client task of the worker → worker round trip: per round, calls the
 * echo server at `data.path` for the round's time budget and reports µs per
 * call. Request and reply messages are reused, so the loop allocates nothing.
 */
import { attach, Message, type Port } from '../../src/index.js';
import { controlOf } from '../control.js';
import { driveSync, reportReady, type RoundResult } from './driver.js';
import { connectWhenBound, REQUEST_TYPE, STOP_TYPE } from './kipc-common.js';

const BATCH = 256;

function callRound(port: Port, request: Message, reply: Message, budgetMs: number): RoundResult {
  const options = { into: reply };
  let n = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < BATCH; i++) {
      request.setU32(0, n);
      port.call(request, options);
      if (reply.getU32(0) !== n + 1) throw new Error(`bench: echo answered ${reply.getU32(0)} to ${n}`);
      n++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { value: (elapsed * 1000) / n, ops: n };
}

const task = attach();
const { path, control: buffer } = task.data as { path: string; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = connectWhenBound(task, path);
const request = Message.of(REQUEST_TYPE);
const reply = new Message();
reportReady(control);
driveSync(control, (budgetMs) => callRound(port, request, reply, budgetMs));
port.send(Message.of(STOP_TYPE));
