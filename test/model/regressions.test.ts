/**
 * Programs that once made the kernel and the reference model disagree,
 * shrunk and kept as they were found, with what each one found. They run
 * exactly as the property test runs its random programs (run-program.ts).
 */
import { test } from 'node:test';
import { runProgram } from './run-program.js';
import { PATH_LENGTH, type Program } from './program.js';

interface Regression {
  /** What the program found, and where the fix went. */
  found: string;
  program: Program;
}

const regressions: Regression[] = [
  {
    found:
      'Model: HANDLE_WAIT with timeout 0 is a poll that never parks; the first model sent it down the non-blocking table, which had no entry for it, and answered ENOSYS where the kernel answered EBADF (then READABLE).',
    program: {
      agents: 3,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'wait', h: { lit: 1 }, ns: 0, events: 1 } },
        { task: 0, call: { op: 'sem-create', value: 1 } },
        { task: 0, call: { op: 'wait', h: { own: 0 }, ns: 0, events: 1 } },
        { task: 0, call: { op: 'wait', h: { own: 0 }, ns: 0, events: 2 } },
      ],
    },
  },
  {
    found:
      'Harness: a HANDLE_INFO that fails writes nothing, so the buffer still holds the message put there before; the first runner read it as an info record and compared a handle value in `flags` as an object id. Records are now compared only when the call succeeded.',
    program: {
      agents: 3,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'create-port', flags: 0 } },
        { task: 0, call: { op: 'send', h: { own: 0 }, at: { buf: 1 }, msg: { type: 1, flags: { own: 0 }, p0: 5, p1: 0 } } },
        { task: 0, call: { op: 'info', h: { lit: 4097 }, at: { buf: 1 } } },
        { task: 0, call: { op: 'info', h: { own: 0 }, at: { buf: 1 } } },
        { task: 0, call: { op: 'recv', h: { own: 0 }, at: { buf: 1 } } },
      ],
    },
  },
  {
    found:
      'Harness: a buffer written with a made-up handle value in `flags` (here 1) keeps it after a failed IPC_TRY_RECV; once the kernel handed out a real handle 1, the first runner translated the 1 in the buffer into that handle and reported a disagreement. Values the model did not hand out are now compared as they are.',
    program: {
      agents: 3,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'chan-create', value: 1 } },
        { task: 0, call: { op: 'chan-send', h: { own: 0 }, at: { buf: 2 }, msg: { type: 2, flags: { lit: 1 }, p0: 9, p1: 0 } } },
        { task: 0, call: { op: 'create-port', flags: 0 } },
        { task: 0, call: { op: 'try-recv', h: { own: 0 }, at: { buf: 2 } } },
        { task: 0, call: { op: 'chan-recv', h: { stale: 0 }, at: { buf: 2 } } },
      ],
    },
  },
  {
    found:
      'Blocking and waking, kept as a fixed scenario: a receiver blocked on an empty port is woken by a send through a connected handle; a caller blocked for its reply is woken by the reply from the buffer the call landed in; a semaphore waiter is woken by a post from another task.',
    program: {
      agents: 3,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'create-port', flags: 0 } },
        { task: 0, call: { op: 'bind', h: { own: 0 }, path: '/a', len: PATH_LENGTH } },
        { task: 1, call: { op: 'connect', path: '/a/b', len: PATH_LENGTH } },
        { task: 0, call: { op: 'recv', h: { own: 0 }, at: { buf: 0 } } },
        { task: 1, call: { op: 'send', h: { own: 0 }, at: { buf: 0 }, msg: { type: 42, flags: null, p0: 0x216948, p1: 0 } } },
        { task: 1, call: { op: 'call', h: { own: 0 }, at: { buf: 1 }, msg: { type: 7, flags: null, p0: 1, p1: 2 } } },
        { task: 0, call: { op: 'recv', h: { own: 0 }, at: { buf: 2 } } },
        { task: 0, call: { op: 'reply', at: { buf: 0 }, p0: 99, msg: null } },
        { task: 2, call: { op: 'sem-create', value: 0 } },
        { task: 2, call: { op: 'grant', h: { own: 0 }, pid: { agent: 0 } } },
        { task: 2, call: { op: 'sem-wait', h: { own: 0 } } },
        { task: 0, call: { op: 'sem-post', h: { own: 0 } } },
        { task: 1, call: { op: 'recv', h: { own: 0 }, at: { buf: 3 } } },
        { task: 0, call: { op: 'close', h: { own: 0 } } },
      ],
    },
  },
  {
    found:
      'Model: HANDLE_REVOKE dropped a handle in flight but left its queued message naming it; receiving the message or destroying the port (closing its last handle) then crashed the model. The message is now delivered with flags 0, as handle_revoke.md says (found by the page IPC programs, seed 5).',
    program: {
      agents: 3,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'create-port', flags: 0 } },
        { task: 0, call: { op: 'bind', h: { own: 0 }, path: '/a', len: PATH_LENGTH } },
        { task: 0, call: { op: 'send', h: { own: 0 }, at: { buf: 0 }, msg: { type: 1, flags: { own: 0 }, p0: 1, p1: 0 } } },
        { task: 0, call: { op: 'revoke', h: { own: 0 } } },
        { task: 0, call: { op: 'try-recv', h: { own: 0 }, at: { buf: 1 } } },
        { task: 0, call: { op: 'send', h: { own: 0 }, at: { buf: 0 }, msg: { type: 1, flags: { own: 0 }, p0: 2, p1: 0 } } },
        { task: 0, call: { op: 'revoke', h: { own: 0 } } },
        { task: 0, call: { op: 'close', h: { own: 0 } } },
      ],
    },
  },
  {
    found:
      'Model: HANDLE_GRANT to a task that has died answered a new handle (the model only knew tasks that never existed); the kernel answers ESRCH, as for any pid that is not live. A kill of an agent also checks that the kernel frees its pages, mailbox and deliveries.',
    program: {
      agents: 3,
      rou2exos: 1,
      spin: 0,
      steps: [
        { task: 0, call: { op: 'create-port', flags: 0 } },
        { task: 0, call: { op: 'bind', h: { own: 0 }, path: '/a', len: PATH_LENGTH } },
        { task: 0, call: { op: 'page-register', type: 1 } },
        { task: 1, call: { op: 'page-alloc', n: 2 } },
        { task: 1, call: { op: 'page-send', pid: { agent: 0 }, type: 1, addr: { mapped: 0, offset: 0 }, n: 1, flags: 4 } },
        { task: 1, call: { op: 'page-send', pid: { agent: 0 }, type: 1, addr: { mapped: 1, offset: 0 }, n: 1, flags: 0 } },
        { task: 2, call: { op: 'send-data', pid: { agent: 0 }, at: { data: 0 }, len: 16, fill: 1 } },
        { task: 0, call: { op: 'kill', agent: 0 } },
        { task: 1, call: { op: 'chan-create', value: 1 } },
        { task: 1, call: { op: 'grant', h: { own: 0 }, pid: { agent: 0 } } },
        { task: 1, call: { op: 'page-send', pid: { agent: 0 }, type: 1, addr: { mapped: 0, offset: 0 }, n: 1, flags: 1 } },
        { task: 2, call: { op: 'send-data', pid: { agent: 0 }, at: { data: 0 }, len: 16, fill: 2 } },
        { task: 1, call: { op: 'connect', path: '/a', len: PATH_LENGTH } },
      ],
    },
  },
];

for (const [i, r] of regressions.entries()) {
  test(`reference model regression ${i + 1}: ${r.found.slice(0, 80)}...`, { timeout: 60_000 }, async () => {
    await runProgram(r.program);
  });
}
