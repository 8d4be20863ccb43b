/**
 * The echo server of the cold benchmark: binds /cold/echo, answers every
 * call with its first word plus one, for as long as the process lives.
 */
import { attach, Message } from '../../src/index.js';

const task = attach();
const port = task.createPort();
const m = new Message();
// Experiment (KIPC_COLD_WARM): sends and receives on its own port before serving.
const warm = (task.data as { warm?: number } | undefined)?.warm ?? 0;
for (let i = 0; i < warm; i++) {
  port.send(m);
  port.receive({ into: m });
}
port.bind('/cold/echo');
for (;;) {
  port.receive({ into: m });
  m.setU32(0, m.getU32(0) + 1);
  task.reply(m);
}
