/**
 * kipc task (a process in the process benchmarks): binds `data.path` and
 * counts the one-way messages it receives; a call of COUNT_TYPE is answered
 * with the count (payload u32 0), and a STOP_TYPE message ends it.
 */
import { attach, Message } from '../../src/index.js';
import { COUNT_TYPE, STOP_TYPE } from './kipc-common.js';

const task = attach();
const { path } = task.data as { path: string };
const port = task.createPort({ capacity: 256 });
port.bind(path);
const m = new Message();
const options = { into: m };
let received = 0;
for (;;) {
  port.receive(options);
  if (m.type === STOP_TYPE) break;
  if (m.type === COUNT_TYPE && m.callToken !== 0) {
    m.setU32(0, received);
    task.reply(m);
  } else {
    received++;
  }
}
