/**
 * kipc client task of the worker → worker round trip: per round, calls the
 * echo server at `data.path` for the round's time budget and reports µs per
 * call. Request and reply messages are reused, so the loop allocates nothing.
 */
import { attach, Message } from '../../src/index.js';
import { controlOf } from '../control.js';
import { driveSync, reportReady } from './driver.js';
import { connectWhenBound, REQUEST_TYPE, STOP_TYPE, timeCalls } from './kipc-common.js';

const task = attach();
const { path, control: buffer } = task.data as { path: string; control: SharedArrayBuffer };
const control = controlOf(buffer);
const port = connectWhenBound(task, path);
const request = Message.of(REQUEST_TYPE);
const reply = new Message();
reportReady(control);
driveSync(control, (budgetMs) => timeCalls(port, request, reply, budgetMs));
port.send(Message.of(STOP_TYPE));
