/**
 * kipc echo server task: binds a port at `data.path` and answers every call
 * with payload u32[0] + 1 (receive, then reply), until a STOP_TYPE message.
 */
import { attach, Message, type Port, type Task } from '../../src/index.js';
import { STOP_TYPE } from './kipc-common.js';

interface EchoData {
  path: string;
  capacity?: number;
}

function serve(task: Task, port: Port): void {
  const m = new Message();
  const options = { into: m };
  for (;;) {
    port.receive(options);
    if (m.type === STOP_TYPE) return;
    m.setU32(0, m.getU32(0) + 1);
    if (m.callToken !== 0) task.reply(m);
  }
}

const task = attach();
const { path, capacity } = task.data as EchoData;
const port = task.createPort(capacity === undefined ? undefined : { capacity });
port.bind(path);
serve(task, port);
