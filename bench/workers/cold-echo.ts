/**
 * The echo server of the cold benchmark: binds /cold/echo, answers every
 * call with its first word plus one, for as long as the process lives.
 */
import { attach, Message } from '../../src/index.js';

const task = attach();
const port = task.createPort();
port.bind('/cold/echo');
const m = new Message();
for (;;) {
  port.receive({ into: m });
  m.setU32(0, m.getU32(0) + 1);
  task.reply(m);
}
