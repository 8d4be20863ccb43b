/**
 * Call and reply through the numbered ABI: IPC_CALL (203) and IPC_REPLY
 * (204). One-shot reply rights held only by the task that received the
 * call, several calls in flight from one task each answered by its own
 * reply, kernel error replies (msg_type 0x80, payload u32 = errno), and
 * handles transferred in calls and replies. Callers and servers are real
 * threads (the agent fixture) wherever someone blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, Message, MSG_TYPE_REPLY, RIGHTS_ALL } from '../../src/index.js';
import { waitFor, within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, connect, createPort, info, objectInfo, readMsg, send, servicePort, tryRecv, writeMsg } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';

const T = { timeout: 20_000 };

test('IPC_CALL / IPC_REPLY: the receiver answers once; the reply overwrites the caller\'s message; the kernel writes both senders', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t);
    const c = await a.connect('/abi/svc');
    await a.callBlocked(c, { senderLo: 0xdead, senderHi: 0xbeef, type: 7, p0: 41, p1: 5 }, id);

    const got = tryRecv(t, p);
    assert.equal(got.r, 0);
    assert.equal(got.m.senderLo, a.pid, 'the kernel wrote the caller\'s pid');
    assert.notEqual(got.m.senderHi, 0, 'a call carries its token in the high word');
    assert.notEqual(got.m.senderHi, 0xbeef);
    assert.deepEqual([got.m.type, got.m.p0, got.m.p1, got.m.flags], [7, 41, 5, 0]);

    const R = 512;
    writeMsg(t.memory, R, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, type: 8, p0: 42 });
    assert.equal(t.syscall(S.SYS_IPC_REPLY, R), 0);
    const rep = await a.result();
    assert.equal(rep.r, 0);
    assert.deepEqual([rep.msg.senderLo, rep.msg.type, rep.msg.p0, rep.msg.p1, rep.msg.flags], [t.pid, 8, 42, 0, 0], 'the reply replaced the request');

    assert.equal(t.syscall(S.SYS_IPC_REPLY, R), -E.EPERM, 'a second reply');
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, c)).r, 0);
    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_REPLY: only the task that received the call may answer it; anyone else, or a forged token, is -EPERM', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel); // the caller
    const b = await Agent.spawn(kernel); // a bystander
    const { p, id } = servicePort(t);
    const c = await a.connect('/abi/svc');

    // Before anyone received it, nobody can answer a queued call.
    await a.callBlocked(c, { type: 1, p0: 1 }, id);
    await waitFor(() => objectInfo(kernel, id)!.depth === 1, 'the call to be queued');
    for (let token = 1; token < 8; token++) {
      assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, fresh: { senderLo: a.pid, senderHi: token, type: 9 } })).r, -E.EPERM);
    }
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, fresh: { senderLo: a.pid, senderHi: 0, type: 9 } })).r, -E.EPERM);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 0, { senderLo: a.pid, type: 9 })), -E.EPERM, 'not even the port owner before receiving');

    const got = tryRecv(t, p);
    assert.equal(got.r, 0);
    const { senderLo, senderHi } = got.m;
    // The bystander knows the caller's pid and token, and still may not answer.
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, fresh: { senderLo, senderHi, type: 9, p0: 666 } })).r, -E.EPERM);
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, fresh: { senderLo, senderHi: 0, type: 9, p0: 666 } })).r, -E.EPERM);
    // The receiver with a wrong token, or the right token with a wrong pid.
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 0, { senderLo, senderHi: senderHi + 1, type: 9 })), -E.EPERM);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 0, { senderLo: b.pid, senderHi, type: 9 })), -E.EPERM);
    assert.equal(taskInfo(kernel, a.pid)!.blockedOn?.event, 'reply', 'the caller is still waiting');

    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 0, { senderLo, senderHi, type: 2, p0: 2 })), 0);
    const rep = await a.result();
    assert.deepEqual([rep.r, rep.msg.senderLo, rep.msg.type, rep.msg.p0], [0, t.pid, 2, 2]);
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, fresh: { senderLo, senderHi, type: 9 } })).r, -E.EPERM);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 0, { senderLo, senderHi, type: 2 })), -E.EPERM, 'the right was used up');
    await a.exitWith(0);
    await b.exitWith(0);
  });
});

test('a plain send gives no reply right, and its sender never gets a stale reply on its next call', T, async () => {
  await withKernel(async (kernel) => {
    // Both ends are agents, so that no unrelated call is in flight between them.
    const a = await Agent.spawn(kernel); // client
    const b = await Agent.spawn(kernel); // server
    const h = (await b.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await b.bind(h, '/abi/svc'), 0);
    const id = (await b.info(h)).info.id;
    const c = await a.connect('/abi/svc');
    assert.equal((await a.syscall(S.SYS_IPC_SEND, c, 0, 0, { at: 0, fresh: { type: 3, p0: 30 } })).r, 0);
    const plain = await b.syscall(S.SYS_IPC_RECV, h, 0, 0, { at: 0 });
    assert.deepEqual([plain.r, plain.msg.senderLo, plain.msg.senderHi, plain.msg.p0], [0, a.pid, 0, 30]);
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, patch: { type: 99 } })).r, -E.EPERM, 'replying to a plain message');

    await a.callBlocked(c, { type: 4, p0: 5 }, id);
    const call = await b.syscall(S.SYS_IPC_RECV, h, 64, 0, { at: 64 });
    assert.deepEqual([call.r, call.msg.senderLo, call.msg.p0], [0, a.pid, 5]);
    assert.notEqual(call.msg.senderHi, 0);
    assert.equal((await b.syscall(S.SYS_IPC_REPLY, 64, 0, 0, { at: 64, patch: { type: 4, p0: 6 } })).r, 0);
    const rep = await a.result();
    assert.deepEqual([rep.r, rep.msg.senderLo, rep.msg.type, rep.msg.p0], [0, b.pid, 4, 6], 'the call got its own reply');
    await a.exitWith(0);
    await b.exitWith(0);
  });
});

test('replying to a plain message does not answer another call in flight from the same sender', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const b = await Agent.spawn(kernel); // server
    const h = (await b.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await b.bind(h, '/abi/svc'), 0);
    const c = connect(t, '/abi/svc');
    assert.equal(send(t, c, { type: 3, p0: 30 }), 0);
    const call = t.syscallAsync(S.SYS_IPC_CALL, c, writeMsg(t.memory, 0, { type: 4, p0: 40 }));
    const plain = await b.syscall(S.SYS_IPC_RECV, h, 0, 0, { at: 0 });
    const theCall = await b.syscall(S.SYS_IPC_RECV, h, 64, 0, { at: 64 });
    assert.deepEqual([plain.msg.senderHi, plain.msg.p0, theCall.msg.p0], [0, 30, 40]);
    // A server answering whatever it received answers the plain message: that
    // reply must not land in the caller's unrelated call (docs/objects/call.md: only callers get replies).
    const wrong = await b.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0, patch: { type: 0x66, p0: 666 } });
    const right = await b.syscall(S.SYS_IPC_REPLY, 64, 0, 0, { at: 64, patch: { type: 0x44, p0: 41 } });
    assert.equal(await within(call, 5000, 'the call'), 0);
    const m = readMsg(t.memory, 0);
    assert.deepEqual([m.type, m.p0], [0x44, 41], 'the call got the reply to the call, not the one to the plain message');
    assert.equal(wrong.r, -E.EPERM, 'a reply to a plain message');
    assert.equal(right.r, 0);
    await b.exitWith(0);
  });
});

test('several calls in flight from one task (syscallAsync) each get their own reply, answered in any order by another thread', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/multi'), 0);
    const c = connect(t, '/abi/multi');
    const N = 4;
    const calls = Array.from({ length: N }, (_, i) => t.syscallAsync(S.SYS_IPC_CALL, c, writeMsg(t.memory, i * 64, { type: 10 + i, p0: 100 * (i + 1) })));
    let settled = 0;
    for (const call of calls) void call.then(() => settled++);

    // The server receives them all, in order, at 0, 64, 128...
    const tokens: number[] = [];
    for (let i = 0; i < N; i++) {
      const rep = await a.syscall(S.SYS_IPC_RECV, h, i * 64, 0, { at: i * 64 });
      assert.equal(rep.r, 0);
      assert.deepEqual([rep.msg.senderLo, rep.msg.type, rep.msg.p0], [t.pid, 10 + i, 100 * (i + 1)]);
      tokens.push(rep.msg.senderHi);
    }
    assert.equal(new Set(tokens).size, N, `every call has its own token (${tokens})`);
    assert.ok(tokens.every((x) => x !== 0));
    assert.equal(settled, 0, 'no call returned before its reply');
    assert.equal(kernel.usage().calls, base.calls + 1 + N, 'one call slot each (plus the agent\'s control call)');

    // ...and answers them last first, each with request + 1.
    for (let i = N - 1; i >= 0; i--) {
      const rep = await a.syscall(S.SYS_IPC_REPLY, i * 64, 0, 0, { at: i * 64, patch: { type: 0x40 + i, p0: 100 * (i + 1) + 1 } });
      assert.equal(rep.r, 0);
      assert.equal(await within(calls[i]!, 5000, `call ${i}`), 0);
    }
    for (let i = 0; i < N; i++) {
      const m = readMsg(t.memory, i * 64);
      assert.deepEqual([m.senderLo, m.type, m.p0], [a.pid, 0x40 + i, 100 * (i + 1) + 1], `reply ${i} landed in call ${i}'s buffer`);
    }
    assert.equal((await a.syscall(S.SYS_IPC_REPLY, 0, 0, 0, { at: 0 })).r, -E.EPERM, 'each right was one-shot');
    await a.exitWith(0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('several calls in flight through the typed callAsync are each answered by their own reply', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/typed'), 0);
    const port = t.connect('/abi/typed');
    const replies = [1, 2, 3].map((n) => port.callAsync(Message.of(n).setU32(0, n * 1000)));
    for (let i = 0; i < 3; i++) assert.equal((await a.syscall(S.SYS_IPC_RECV, h, i * 64, 0, { at: i * 64 })).r, 0);
    for (const i of [1, 2, 0]) {
      assert.equal((await a.syscall(S.SYS_IPC_REPLY, i * 64, 0, 0, { at: i * 64, patch: { type: 0x21, p0: (i + 1) * 1000 + 7 } })).r, 0);
    }
    const got = await within(Promise.all(replies), 5000, 'the typed calls');
    assert.deepEqual(got.map((m) => [m.sender, m.getU32(0)]), [1, 2, 3].map((n) => [a.pid, n * 1000 + 7]));
    await a.exitWith(0);
  });
});

test('IPC_CALL is -ENOMEM when every call slot is in use, and nothing is queued', T, async () => {
  await withKernel(
    async (kernel) => {
      const t = kernel.task;
      const p = createPort(t);
      const first = t.syscallAsync(S.SYS_IPC_CALL, p, writeMsg(t.memory, 0, { p0: 1 }));
      const second = t.syscallAsync(S.SYS_IPC_CALL, p, writeMsg(t.memory, 64, { p0: 2 }));
      assert.equal(await t.syscallAsync(S.SYS_IPC_CALL, p, writeMsg(t.memory, 128, { p0: 3 })), -E.ENOMEM);
      assert.equal(objectInfo(kernel, info(t, p).id)!.depth, 2);
      // A task may answer calls it made to its own port.
      for (let i = 0; i < 2; i++) {
        const got = tryRecv(t, p);
        assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 256, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, p0: got.m.p0 + 10 })), 0);
      }
      assert.deepEqual(await within(Promise.all([first, second]), 5000, 'the calls'), [0, 0]);
      assert.deepEqual([readMsg(t.memory, 0).p0, readMsg(t.memory, 64).p0], [11, 12]);
      assert.equal(kernel.usage().calls, 0);
    },
    { maxCalls: 2 },
  );
});

test('an error reply: a call still queued when the port is destroyed returns -EPIPE with msg_type 0x80 and payload u32 = EPIPE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/doomed'), 0);
    const id = (await a.info(h)).info.id;
    const c = connect(t, '/abi/doomed');
    const call = t.syscallAsync(S.SYS_IPC_CALL, c, writeMsg(t.memory, 0, { type: 1, p0: 1, p1: 0xffff }));
    await waitFor(() => objectInfo(kernel, id)?.depth === 1, 'the call to be queued');
    const epipes = kernel.snapshot().stats.epipeReplies;
    assert.equal((await a.syscall(S.SYS_HANDLE_CLOSE, h)).r, 0);
    assert.equal(await within(call, 5000, 'the call'), -E.EPIPE);
    const m = readMsg(t.memory, 0);
    assert.equal(m.type, MSG_TYPE_REPLY);
    assert.equal(m.p0, E.EPIPE);
    assert.equal(m.p1, 0, 'the rest of the payload is not the request\'s');
    assert.equal(kernel.snapshot().stats.epipeReplies, epipes + 1);
    assert.equal(t.syscall(S.SYS_IPC_CALL, c, writeMsg(t.memory, 0, {})), -E.EPIPE, 'a call to a destroyed port fails at once');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
    await a.exitWith(0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('an error reply: a server that dies with calls received-but-unanswered and still queued answers each caller with EPIPE', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/abi/dies'), 0);
    const c = connect(t, '/abi/dies');
    const received = t.syscallAsync(S.SYS_IPC_CALL, c, writeMsg(t.memory, 0, { type: 1, p0: 1 }));
    const queued = t.syscallAsync(S.SYS_IPC_CALL, c, writeMsg(t.memory, 64, { type: 2, p0: 2 }));
    const got = await a.syscall(S.SYS_IPC_RECV, h, 0, 0, { at: 0 });
    assert.deepEqual([got.r, got.msg.p0], [0, 1]);
    await a.terminate();
    assert.deepEqual(await within(Promise.all([received, queued]), 5000, 'both calls'), [-E.EPIPE, -E.EPIPE]);
    for (const at of [0, 64]) {
      const m = readMsg(t.memory, at);
      assert.deepEqual([m.type, m.p0], [MSG_TYPE_REPLY, E.EPIPE], `error reply at ${at}`);
    }
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('IPC_REPLY to a caller that died is -EPIPE and uses the right up; the call slot is freed', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t);
    const c = await a.connect('/abi/svc');
    await a.callBlocked(c, { type: 1 }, id);
    const got = tryRecv(t, p);
    await a.terminate();
    const R = writeMsg(t.memory, 512, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, type: 2 });
    assert.equal(t.syscall(S.SYS_IPC_REPLY, R), -E.EPIPE);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, R), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});

test('handle transfer in a reply: needs grant (else -EPERM, right kept), bad values are -EBADF; the caller gets the new handle in flags', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const { p, id } = servicePort(t);
    const q = createPort(t);
    const qi = info(t, q);
    const wo = connect(t, '/abi/svc'); // write only: no grant
    const c = await a.connect('/abi/svc');
    await a.callBlocked(c, { type: 1 }, id);
    const got = tryRecv(t, p);
    const reply = (flags: number) => t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 512, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, type: 5, flags }));
    assert.equal(reply(wo), -E.EPERM);
    assert.equal(reply(0x7777), -E.EBADF);
    assert.equal(taskInfo(kernel, a.pid)!.blockedOn?.event, 'reply', 'still waiting: nothing was sent');
    assert.equal(reply(q), 0, 'the right was kept');
    const rep = await a.result();
    assert.equal(rep.r, 0);
    assert.equal(rep.msg.type, 5);
    const y = rep.msg.flags;
    assert.ok(y > 0, 'the caller finds its new handle in flags');
    const seen = await a.info(y);
    assert.deepEqual([seen.r, seen.info.id, seen.info.rights], [0, qi.id, RIGHTS_ALL]);
    // The caller can use it: a send on q from the agent.
    assert.equal((await a.syscall(S.SYS_IPC_SEND, y, 0, 0, { at: 0, fresh: { type: 6 } })).r, 0);
    const onQ = tryRecv(t, q);
    assert.deepEqual([onQ.m.senderLo, onQ.m.type], [a.pid, 6]);
    await a.exitWith(0);
  });
});

test('handle transfer in a call: the server receives the caller\'s handle', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const { p } = servicePort(t);
    const c = await a.connect('/abi/svc');
    const k = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    const kid = (await a.info(k)).info.id;
    assert.equal((await a.syscall(S.SYS_IPC_CALL, c, 0, 0, { at: 0, fresh: { flags: c } })).r, -E.EPERM, 'a connect handle cannot be passed on');
    await a.callBlocked(c, { type: 1, flags: k }, info(t, p).id);
    const got = tryRecv(t, p);
    assert.equal(got.r, 0);
    assert.ok(got.m.flags > 0);
    assert.equal(info(t, got.m.flags).id, kid);
    assert.equal(send(t, got.m.flags, { type: 77 }), 0);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 512, { senderLo: got.m.senderLo, senderHi: got.m.senderHi })), 0);
    assert.equal((await a.result()).r, 0);
    const onK = await a.syscall(S.SYS_IPC_TRY_RECV, k, 0, 0, { at: 0 });
    assert.deepEqual([onK.r, onK.msg.type, onK.msg.senderLo], [0, 77, t.pid]);
    await a.exitWith(0);
  });
});

test('IPC_REPLY with a handle is -ENOSPC when the caller\'s table is full: nothing is sent and the right is kept', T, async () => {
  await withKernel(
    async (kernel) => {
      const t = kernel.task;
      const a = await Agent.spawn(kernel); // init: control port; agent: its control connect handle
      const { p } = servicePort(t); // init's table is now full
      const c = await a.connect('/abi/svc'); // and so is the agent's
      assert.ok(c > 0);
      await a.callBlocked(c, { type: 1 }, info(t, p).id);
      const got = tryRecv(t, p);
      const reply = (flags: number) => t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 512, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, type: 5, flags }));
      assert.equal(reply(p), -E.ENOSPC);
      assert.equal(taskInfo(kernel, a.pid)!.blockedOn?.event, 'reply', 'the caller is still waiting');
      assert.equal(reply(0), 0, 'the right was kept');
      const rep = await a.result();
      assert.deepEqual([rep.r, rep.msg.type, rep.msg.flags], [0, 5, 0]);
      await a.exitWith(0);
    },
    { maxHandles: 2 },
  );
});

test('a plain send dropped by a dying port leaves no stale reply for its sender\'s next call', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel); // client
    const b = await Agent.spawn(kernel); // a server that dies
    const h = (await b.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await b.bind(h, '/abi/dies'), 0);
    const dead = await a.connect('/abi/dies');
    assert.equal((await a.syscall(S.SYS_IPC_SEND, dead, 0, 0, { at: 0, fresh: { type: 1 } })).r, 0);
    await b.terminate();
    assert.equal((await a.syscall(S.SYS_IPC_SEND, dead, 0, 0, { at: 0, fresh: { type: 1 } })).r, -E.EPIPE, 'the sender learns it from its send');

    const { p } = servicePort(t);
    const c = await a.connect('/abi/svc');
    await a.callBlocked(c, { type: 2, p0: 20 }, info(t, p).id);
    const got = tryRecv(t, p);
    assert.equal(got.m.p0, 20);
    assert.equal(t.syscall(S.SYS_IPC_REPLY, writeMsg(t.memory, 512, { senderLo: got.m.senderLo, senderHi: got.m.senderHi, type: 3, p0: 21 })), 0);
    const rep = await a.result();
    assert.deepEqual([rep.r, rep.msg.senderLo, rep.msg.type, rep.msg.p0], [0, t.pid, 3, 21]);
    await a.exitWith(0);
  });
});
