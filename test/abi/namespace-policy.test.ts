/**
 * Namespace policies (docs/namespace.md): a task spawned with
 * `namespace: { bind, connect }` binds and connects only within its
 * prefixes and resolves only to bindings within its connect prefixes; a
 * task spawned without one is unrestricted; invalid policies throw before
 * any change; the policy goes with the task's slot; a task may narrow its
 * own policy, never widen it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errno as E, sys, Message, PermissionError, NotFoundError, type Kernel } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { Agent, bind, connect, createPort, info } from '../support/abi.js';
import { taskInfo } from '../support/blocked.js';

const T = { timeout: 30_000 };
const STATS = 99;

function names(kernel: Kernel): string[] {
  return kernel.snapshot().names.map((n) => n.path).sort();
}

test('the bank: a squatter bound at "/" never captures a confined client\'s call to an unbound /srv/bank; the real bank then serves it', T, async () => {
  await withKernel(async (kernel) => {
    const squatter = kernel.spawn(fixture('abi/fixtures/namespace-squatter'), { data: { statsType: STATS } });
    await waitFor(() => names(kernel).includes('/'), 'the squatter to bind /');
    const init = kernel.task;
    // An unrestricted task is captured, exactly as before policies existed.
    const open = init.connect('/srv/bank');
    assert.equal(open.call(Message.of(1, 'unrestricted')).text(), 'squatted');
    open.close();

    const report = init.createPort();
    report.bind('/srv/test/report');
    const client = kernel.spawn(fixture('abi/fixtures/namespace-bank-client'), { namespace: { connect: ['/srv/'] } });
    assert.deepEqual(taskInfo(kernel, client.pid)?.namespace, { bind: [], connect: ['/srv'] }, 'the snapshot shows the policy');
    const before = await report.receiveAsync({ timeout: 10_000 });
    assert.equal(before.text(), 'ENOENT', 'connect to the unbound /srv/bank is ENOENT for the confined client');

    const bank = init.createPort();
    bank.bind('/srv/bank');
    init.reply(before);
    const call = await bank.receiveAsync({ timeout: 10_000 });
    assert.equal(call.sender, client.pid);
    assert.equal(call.text(), 'password=hunter2');
    init.reply(withSender(call, Message.of(1, 'balance 42')));
    const after = await report.receiveAsync({ timeout: 10_000 });
    assert.equal(after.text(), 'bank said balance 42');
    init.reply(after);
    assert.equal((await client.exited).code, 0);

    const stats = init.connect('/squatter/stats').call(Message.of(STATS));
    assert.equal(stats.getU32(0), 1, 'the squatter captured only the unrestricted call, never the confined client\'s');
    await squatter.terminate();
  });
});

/** `answer` addressed to the call `request` (its sender and token). */
function withSender(request: Message, answer: Message): Message {
  answer.bytes.set(request.bytes.subarray(0, 8), 0);
  return answer;
}

test('a confined task binds only within its bind prefixes (EPERM elsewhere, "/" included) and within them as usual', T, async () => {
  await withKernel(async (kernel) => {
    const a = await Agent.spawn(kernel, { namespace: { bind: ['/srv/myapp'] } });
    const p = (await a.syscall(sys.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(p, '/'), -E.EPERM, 'the root');
    assert.equal(await a.bind(p, '/srv'), -E.EPERM, 'a parent of the prefix');
    assert.equal(await a.bind(p, '/srv/other'), -E.EPERM, 'a sibling');
    assert.equal(await a.bind(p, '/srv/myappx'), -E.EPERM, 'not on a "/" boundary');
    assert.equal(await a.bind(p, 'srv/myapp'), -E.EINVAL, 'a malformed path is still EINVAL');
    assert.equal(await a.bind(p, '/srv/myapp'), 0, 'the prefix itself');
    assert.equal(await a.bind(p, '/srv/myapp/'), -E.EEXIST, 'a trailing "/" is stripped before the policy applies');
    assert.equal(await a.bind(p, '/srv/myapp/admin'), 0, 'below the prefix');
    const init = kernel.task;
    const taken = createPort(init);
    assert.equal(bind(init, taken, '/srv/taken'), 0);
    assert.equal(await a.bind(p, '/srv/taken'), -E.EPERM, 'EPERM before EEXIST: nothing is learnt of names outside the policy');
    assert.deepEqual(names(kernel).filter((n) => n.startsWith('/srv')), ['/srv/myapp', '/srv/myapp/admin', '/srv/taken']);
    await a.exitWith(0);
  });
});

test('prefix boundaries: /srv/fs allows /srv/fs and /srv/fs/a, never /srv/fsx; connect outside the prefixes is EPERM', T, async () => {
  await withKernel(async (kernel) => {
    const init = kernel.task;
    const fs = createPort(init);
    const fsx = createPort(init);
    const root = createPort(init);
    assert.equal(bind(init, fs, '/srv/fs'), 0);
    assert.equal(bind(init, fsx, '/srv/fsx'), 0);
    assert.equal(bind(init, root, '/'), 0);
    const a = await Agent.spawn(kernel, { namespace: { bind: ['/srv/fs'], connect: ['/srv/fs'] } });
    const objectOf = async (h: number) => (await a.info(h)).info.id;
    assert.equal(await objectOf(await a.connect('/srv/fs')), info(init, fs).id);
    assert.equal(await objectOf(await a.connect('/srv/fs/a/b')), info(init, fs).id);
    assert.equal(await objectOf(await a.connect('/srv/fs/')), info(init, fs).id);
    assert.equal(await a.connect('/srv/fsx'), -E.EPERM);
    assert.equal(await a.connect('/srv/fsx/a'), -E.EPERM);
    assert.equal(await a.connect('/srv'), -E.EPERM);
    assert.equal(await a.connect('/'), -E.EPERM);
    const p = (await a.syscall(sys.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(p, '/srv/fsx/mine'), -E.EPERM);
    assert.equal(await a.bind(p, '/srv/fs/mine'), 0);
    await a.exitWith(0);
  });
});

test('a confined connect resolves only among bindings within its connect prefixes: the longer visible one wins, an outside "/" never', T, async () => {
  await withKernel(async (kernel) => {
    const init = kernel.task;
    const root = createPort(init);
    const srv = createPort(init);
    assert.equal(bind(init, root, '/'), 0);
    const a = await Agent.spawn(kernel, { namespace: { connect: ['/srv/bank', '/srv/shop'] } });
    assert.equal(await a.connect('/srv/bank'), -E.ENOENT, 'only "/" covers it, and "/" lies outside the policy');
    assert.equal(bind(init, srv, '/srv'), 0);
    assert.equal(await a.connect('/srv/bank/x'), -E.ENOENT, '"/srv" covers it but lies outside /srv/bank');
    const bank = createPort(init);
    assert.equal(bind(init, bank, '/srv/bank'), 0);
    assert.equal((await a.info(await a.connect('/srv/bank/x'))).info.id, info(init, bank).id);
    assert.equal(await a.connect('/srv/shopping'), -E.EPERM);
    await a.exitWith(0);
  });
});

test('an unrestricted task (no namespace option) binds "/" and connects anywhere as before; the snapshot shows no policy', T, async () => {
  await withKernel(async (kernel) => {
    const a = await Agent.spawn(kernel);
    assert.equal(taskInfo(kernel, a.pid)?.namespace, undefined);
    const p = (await a.syscall(sys.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(p, '/'), 0);
    assert.equal(await a.bind(p, '/anything/at/all'), 0);
    assert.equal((await a.info(await a.connect('/srv/bank'))).info.id, (await a.info(p)).info.id);
    await a.exitWith(0);
  });
});

test('a policy allowing "/" allows everything, and one listing a prefix for both kinds shows it in both lists', T, async () => {
  await withKernel(async (kernel) => {
    const a = await Agent.spawn(kernel, { namespace: { bind: ['/'], connect: ['/', '/srv/'] } });
    const policy = taskInfo(kernel, a.pid)?.namespace;
    assert.deepEqual(policy?.bind, ['/']);
    assert.deepEqual(policy?.connect.slice(0, 2), ['/', '/srv'], '"/" is one entry of both kinds; then /srv (then the agent\'s control path)');
    const p = (await a.syscall(sys.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(p, '/'), 0);
    assert.equal((await a.info(await a.connect('/srv/anything'))).info.id, (await a.info(p)).info.id);
    await a.exitWith(0);
  });
});

test('Kernel.spawn: an invalid namespace throws a sentence before any change (no slot claimed, kernel.check() clean)', T, async () => {
  await withKernel((kernel) => {
    const url = fixture('abi/fixtures/namespace-squatter');
    const before = JSON.stringify(kernel.snapshot().tasks);
    const invalid: [unknown, RegExp][] = [
      ['/srv', /namespace must be an object/],
      [null, /namespace must be an object/],
      [{ bind: '/srv' }, /namespace\.bind must be an array/],
      [{ connect: [42] }, /namespace\.connect holds number 42/],
      [{ bind: ['srv/x'] }, /prefix 'srv\/x' must start with '\/'/],
      [{ bind: [''] }, /must start with '\/'/],
      [{ connect: ['/' + 'x'.repeat(32)] }, /at most 32 bytes/],
      [{ bind: Array.from({ length: 9 }, (_, i) => `/p/${i}`) }, /at most 8 distinct prefixes/],
      [{ binds: ['/srv'] }, /unknown key 'binds'/],
    ];
    for (const [namespace, message] of invalid) {
      assert.throws(() => kernel.spawn(url, { namespace } as never), message, JSON.stringify(namespace));
    }
    assert.equal(JSON.stringify(kernel.snapshot().tasks), before, 'no task slot was claimed');
    assert.deepEqual(kernel.check(), []);
  }, { maxPathBytes: 32 });
});

test('the policy goes with the task: a reaped slot has none, and the next task in it is unrestricted', T, async () => {
  await withKernel(async (kernel) => {
    const confined = await Agent.spawn(kernel, { namespace: { bind: [] } });
    assert.deepEqual(taskInfo(kernel, confined.pid)?.namespace?.bind, []);
    await confined.exitWith(0);
    assert.deepEqual(kernel.check(), []);
    const next = await Agent.spawn(kernel);
    assert.equal((next.pid - 1) & 0xfff, (confined.pid - 1) & 0xfff, 'the same slot was reused');
    assert.equal(taskInfo(kernel, next.pid)?.namespace, undefined);
    const p = (await next.syscall(sys.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await next.bind(p, '/'), 0);
    await next.exitWith(0);
  }, { maxTasks: 3 });
});

test('restrictNamespace narrows a policy, never widens it; typed errors name the policy', T, async () => {
  await withKernel((kernel) => {
    const init = kernel.task;
    const port = init.createPort();
    init.restrictNamespace({ bind: ['/srv/app'], connect: ['/srv/'] });
    assert.deepEqual(taskInfo(kernel, init.pid)?.namespace, { bind: ['/srv/app'], connect: ['/srv'] });
    assert.throws(() => port.bind('/'), (e: unknown) => e instanceof PermissionError && /namespace policy does not let it bind '\/'.*allowed bind prefixes: \/srv\/app/.test(e.message));
    assert.throws(() => init.connect('/etc'), (e: unknown) => e instanceof PermissionError && /does not let it connect '\/etc'/.test(e.message));
    assert.throws(() => init.connect('/srv/none'), NotFoundError);
    port.bind('/srv/app/one');
    assert.throws(() => init.restrictNamespace({ bind: ['/srv'] }), PermissionError, 'a wider bind prefix');
    assert.throws(() => init.restrictNamespace({ bind: ['/srv/app'], connect: ['/'] }), PermissionError, 'a wider connect prefix');
    assert.throws(() => init.restrictNamespace({ connect: ['/srv/app/x'], bind: ['/srv/app'] , extra: 1 } as never), TypeError);
    assert.deepEqual(taskInfo(kernel, init.pid)?.namespace, { bind: ['/srv/app'], connect: ['/srv'] }, 'nothing changed');
    init.restrictNamespace({ bind: ['/srv/app/two'], connect: ['/srv/app'] });
    assert.throws(() => port.bind('/srv/app/three'), PermissionError);
    port.bind('/srv/app/two');
    assert.equal(init.connect('/srv/app/two/x').info().objectId, port.info().objectId);
    assert.deepEqual(kernel.check(), []);
  });
});
