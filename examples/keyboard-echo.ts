/**
 * A keyboard echo task on kipc's rou2exOS personality (docs/objects/keyboard-pipe.md).
 *
 * The kernel's keyboard device reads this terminal in raw mode and turns
 * each key into PS/2 scan code set 1 make and break codes. The echo task, a
 * rou2exOS program, subscribes to the keyboard pipe (syscall 0x03, op 1)
 * and polls it (op 3, non-blocking, as rou2exOS programs do), printing the
 * scan codes it reads and the keys they spell. Press q or Ctrl+C to stop:
 * init then sends the task a message (send_data), and the task, which
 * checks its mailbox between polls (receive_data, mode 0), exits.
 *
 *   npm run example:keyboard-echo
 *   npm run example:keyboard-echo -- --raw-bytes   # deliver the terminal's bytes unchanged
 */
import { isMainThread } from 'node:worker_threads';
import { Kernel, attach, sys } from '../src/index.js';
import { decodeScancodeEvents } from '../src/devices/index.js';

const PIPE_SUBSCRIBE = 1;
const PIPE_READ = 3;
const READ_BUFFER = 0;
const READ_BYTES = 64;
const MAIL_BUFFER = 1024;
const POLL_MS = 5;

/** The echo task: subscribe, then poll the pipe and print what comes. */
function runEcho(): void {
  const task = attach();
  const memory = task.memory;
  const rawBytes = (task.data as { rawBytes: boolean }).rawBytes;
  const subscribed = task.syscall(sys.SYS_PIPE, PIPE_SUBSCRIBE);
  if (subscribed !== 0) throw new Error(`echo: pipe subscribe failed with errno ${-subscribed}`);
  task.mailbox.send(1, 'subscribed');
  const idle = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const n = task.syscall(sys.SYS_PIPE, PIPE_READ, READ_BUFFER, READ_BYTES);
    if (n === 0 && task.syscall(sys.SYS_RECEIVE_DATA, 0, MAIL_BUFFER) > 0) return;
    if (n < 0) throw new Error(`echo: pipe read failed with errno ${-n}`);
    if (n === 0) {
      Atomics.wait(idle, 0, 0, POLL_MS);
      continue;
    }
    const codes = memory.subarray(READ_BUFFER, READ_BUFFER + n);
    const hex = Array.from(codes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    if (rawBytes) {
      console.log(`bytes: ${hex}`);
      continue;
    }
    const keys = decodeScancodeEvents(codes).map((e) => `${e.pressed ? '+' : '-'}${e.key}`);
    console.log(`scancodes: ${hex}  keys: ${keys.join(' ')}`);
  }
}

async function main(): Promise<void> {
  const rawBytes = process.argv.includes('--raw-bytes');
  const kernel = Kernel.create();
  const echo = kernel.spawn(new URL(import.meta.url), { personality: 'rou2exos', data: { rawBytes } });
  kernel.task.mailbox.receive({ timeout: 10_000 });
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const keyboard = kernel.attachKeyboard({
    mode: rawBytes ? 'raw-bytes' : 'scancodes',
    // q or Ctrl+C ends the demo (Ctrl+C arrives as byte 3 in raw mode).
    onInput: (bytes) => {
      if (bytes.includes(0x71) || bytes.includes(0x03)) setTimeout(stop, 100);
    },
  });
  console.log(`keyboard attached (${keyboard.raw ? 'raw terminal' : 'not a terminal: reading input as it is'}); echo task ${echo.pid} subscribed. Type keys; q or Ctrl+C stops.`);
  await stopped;
  keyboard.detach();
  kernel.task.mailbox.send(echo.pid, 'stop');
  await echo.exited;
  const info = kernel.snapshot().keyboard;
  console.log(`keyboard: ${info.scancodes} bytes delivered, ${keyboard.unmapped} characters without a key; dropped: ${info.subscribers.map((s) => s.dropped).join(', ') || 0}`);
  await kernel.close();
}

if (isMainThread) await main();
else runEcho();
