/**
 * The namespace through the numbered ABI: IPC_BIND_PORT (205),
 * IPC_UNBIND_PORT (206), IPC_CONNECT (208). Path rules, longest prefix on a
 * '/' boundary, send-only connect handles, who may unbind, and bindings that
 * go with their port or their binder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sys as S, errno as E, OBJ_PORT, RIGHT_WRITE, EVENT_WRITABLE } from '../../src/index.js';
import { withKernel } from '../support/kernel.js';
import { Agent, bind, connect, createPort, info, send, tryRecv, unbind, writePath } from '../support/abi.js';

const T = { timeout: 20_000 };

function names(kernel: { snapshot(): { names: { path: string }[] } }): string[] {
  return kernel.snapshot().names.map((n) => n.path).sort();
}

test('IPC_BIND_PORT binds a port at a path; the snapshot shows the name, its port and its binder', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const mem = t.memory;
    const len = writePath(mem, 7, '/srv/a');
    assert.equal(t.syscall(S.SYS_IPC_BIND_PORT, p, 7, len), 0);
    const n = kernel.snapshot().names;
    assert.deepEqual(n, [{ path: '/srv/a', objectId: info(t, p).id, binder: t.pid }]);
    assert.equal(kernel.usage().bindings, 1);
    // Only the given length counts: trailing bytes in memory are not part of the path.
    writePath(mem, 100, '/srv/bXYZ');
    assert.equal(t.syscall(S.SYS_IPC_BIND_PORT, p, 100, 6), 0);
    assert.deepEqual(names(kernel), ['/srv/a', '/srv/b']);
    assert.equal(bind(t, p, '/'), 0, 'the root is a path too');
  });
});

test('IPC_BIND_PORT: a path must start with "/" (EINVAL) and fit the path limit; a trailing "/" is stripped', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const p = createPort(t);
      for (const bad of ['srv/a', 'srv', ' /srv', 'a/', '.', '\0/srv']) assert.equal(bind(t, p, bad), -E.EINVAL, JSON.stringify(bad));
      assert.equal(bind(t, p, '/' + 'x'.repeat(32)), -E.EINVAL, 'longer than maxPathBytes (32)');
      assert.equal(bind(t, p, '/' + 'x'.repeat(31)), 0, 'exactly maxPathBytes');
      assert.equal(bind(t, p, '/' + 'y'.repeat(31) + '/'), 0, 'fits once its trailing "/" is stripped');
      assert.equal(kernel.usage().bindings, 2);

      assert.equal(bind(t, p, '/srv/b/'), 0);
      assert.ok(names(kernel).includes('/srv/b'), `stored without the slash: ${names(kernel)}`);
      assert.equal(bind(t, p, '/srv/b'), -E.EEXIST, 'the same name');
      assert.equal(bind(t, p, '/srv/b//'), -E.EEXIST, 'every trailing slash is stripped');
      const c = connect(t, '/srv/b/');
      assert.ok(c > 0);
      assert.equal(info(t, c).id, info(t, p).id);
      assert.equal(unbind(t, '/srv/b/'), 0, 'unbind strips it too');
      assert.equal(connect(t, '/srv/b'), -E.ENOENT);
    },
    { maxPathBytes: 32 },
  );
});

test('IPC_BIND_PORT: -EEXIST when the path is bound (by any port, any task); the first binding is kept', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    const q = createPort(t);
    assert.equal(bind(t, p, '/srv/x'), 0);
    assert.equal(bind(t, p, '/srv/x'), -E.EEXIST);
    assert.equal(bind(t, q, '/srv/x'), -E.EEXIST);
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/srv/x'), -E.EEXIST);
    assert.equal(info(t, connect(t, '/srv/x')).id, info(t, p).id);
    assert.equal(bind(t, q, '/srv/x/y'), 0, 'a longer path is another name');
    await a.exitWith(0);
  });
});

test('IPC_BIND_PORT needs read, write and grant: a connect handle is -EPERM; a granted handle with every right may bind', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/srv/p'), 0);
    const c = connect(t, '/srv/p');
    assert.equal(bind(t, c, '/srv/alias'), -E.EPERM);
    assert.equal(connect(t, '/srv/alias'), -E.ENOENT);
    const a = await Agent.spawn(kernel);
    const ac = await a.connect('/srv/p');
    assert.equal(await a.bind(ac, '/srv/alias'), -E.EPERM);
    const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
    assert.equal(await a.bind(g, '/srv/alias'), 0);
    assert.deepEqual(
      kernel.snapshot().names.filter((n) => n.path === '/srv/alias').map((n) => [n.binder, n.objectId]),
      [[a.pid, info(t, p).id]],
    );
    await a.exitWith(0);
  });
});

test('IPC_BIND_PORT is -ENOSPC when the namespace is full', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      const p = createPort(t);
      assert.equal(bind(t, p, '/n/1'), 0);
      assert.equal(bind(t, p, '/n/2'), 0);
      assert.equal(bind(t, p, '/n/3'), -E.ENOSPC);
      assert.equal(bind(t, p, '/n/1'), -E.EEXIST, 'an existing name is still EEXIST');
      assert.equal(unbind(t, '/n/1'), 0);
      assert.equal(bind(t, p, '/n/3'), 0);
    },
    { namespaceEntries: 2 },
  );
});

test('IPC_CONNECT resolves the longest bound prefix on a "/" boundary', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const fs = createPort(t);
    const srv = createPort(t);
    const root = createPort(t);
    const id = (h: number) => info(t, h).id;
    const resolve = (path: string): number | string => {
      const c = connect(t, path);
      if (c < 0) return c;
      const r = id(c);
      assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
      return r === id(fs) ? 'fs' : r === id(srv) ? 'srv' : r === id(root) ? 'root' : `object ${r}`;
    };
    assert.equal(bind(t, fs, '/srv/fs'), 0);
    assert.equal(resolve('/srv/fs'), 'fs');
    assert.equal(resolve('/srv/fs/'), 'fs');
    assert.equal(resolve('/srv/fs/a'), 'fs');
    assert.equal(resolve('/srv/fs/a/b/c'), 'fs');
    assert.equal(resolve('/srv/fs//a'), 'fs');
    assert.equal(resolve('/srv/fsx'), -E.ENOENT, 'not on a "/" boundary');
    assert.equal(resolve('/srv/fs.x'), -E.ENOENT);
    assert.equal(resolve('/srv/f'), -E.ENOENT);
    assert.equal(resolve('/srv'), -E.ENOENT, 'a shorter path is not covered');
    assert.equal(resolve('/SRV/fs'), -E.ENOENT, 'paths are case-sensitive bytes');
    assert.equal(resolve('/other'), -E.ENOENT);

    assert.equal(bind(t, srv, '/srv'), 0);
    assert.equal(resolve('/srv/fsx'), 'srv');
    assert.equal(resolve('/srv/fs/a'), 'fs', 'the longest prefix wins');
    assert.equal(resolve('/srv'), 'srv');
    assert.equal(resolve('/srvx'), -E.ENOENT);

    assert.equal(bind(t, root, '/'), 0);
    assert.equal(resolve('/srvx'), 'root', '"/" covers every path');
    assert.equal(resolve('/'), 'root');
    assert.equal(resolve('/srv/fs/z'), 'fs');

    assert.equal(resolve('srv/fs'), -E.EINVAL, 'a path must start with "/"');
    assert.equal(unbind(t, '/srv/fs'), 0);
    assert.equal(resolve('/srv/fs/a'), 'srv');
  });
});

test('IPC_CONNECT returns a send-only handle: write right only, so it can send and wait for room but nothing else', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const p = createPort(t);
    assert.equal(bind(t, p, '/srv/wo'), 0);
    const c = connect(t, '/srv/wo');
    assert.ok(c > 0 && c !== p);
    assert.deepEqual(info(t, c), { type: OBJ_PORT, rights: RIGHT_WRITE, id: info(t, p).id });
    assert.equal(send(t, c, { type: 1 }), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_WAIT, c, 0), EVENT_WRITABLE);
    assert.equal(t.syscall(S.SYS_IPC_TRY_RECV, c, 0), -E.EPERM, 'a client cannot steal the server\'s messages');
    assert.equal(t.syscall(S.SYS_IPC_RECV, c, 0), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_DUPLICATE, c), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_GRANT, c, t.pid), -E.EPERM);
    assert.equal(t.syscall(S.SYS_HANDLE_REVOKE, c), -E.EPERM);
    assert.equal(bind(t, c, '/srv/wo2'), -E.EPERM);
    assert.equal(tryRecv(t, p).m.type, 1);
    const c2 = connect(t, '/srv/wo');
    assert.ok(c2 > 0 && c2 !== c, 'every connect makes a new handle');
  });
});

test('IPC_CONNECT is -ENOENT when nothing matches, and -ENOSPC when the caller\'s table is full', T, async () => {
  await withKernel(
    (kernel) => {
      const t = kernel.task;
      assert.equal(connect(t, '/nothing'), -E.ENOENT);
      assert.equal(connect(t, '/'), -E.ENOENT);
      const p = createPort(t);
      assert.equal(bind(t, p, '/srv/full'), 0);
      const c = connect(t, '/srv/full');
      assert.ok(c > 0);
      assert.equal(connect(t, '/srv/full'), -E.ENOSPC);
      assert.equal(connect(t, '/nothing'), -E.ENOENT, 'resolution comes first');
    },
    { maxHandles: 2 },
  );
});

test('IPC_UNBIND_PORT removes the name, not the port; -ENOENT when that exact path is not bound', T, async () => {
  await withKernel((kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const p = createPort(t);
    assert.equal(bind(t, p, '/srv/fs'), 0);
    const c = connect(t, '/srv/fs');
    assert.equal(unbind(t, '/srv'), -E.ENOENT, 'a prefix of a bound path');
    assert.equal(unbind(t, '/srv/fs/a'), -E.ENOENT, 'a path the binding covers');
    assert.equal(unbind(t, '/srv/fsx'), -E.ENOENT);
    assert.equal(unbind(t, '/never'), -E.ENOENT);
    assert.equal(unbind(t, 'srv/fs'), -E.EINVAL);
    assert.deepEqual(names(kernel), ['/srv/fs']);

    assert.equal(unbind(t, '/srv/fs'), 0);
    assert.deepEqual(names(kernel), []);
    assert.equal(unbind(t, '/srv/fs'), -E.ENOENT, 'a second unbind');
    assert.equal(connect(t, '/srv/fs'), -E.ENOENT);
    assert.equal(send(t, c, { type: 2 }), 0, 'the port lives on');
    assert.equal(tryRecv(t, p).m.type, 2);
    assert.equal(bind(t, p, '/srv/fs'), 0, 'and can be bound again');
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, c), 0);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base, 'closing the port removed its name');
  });
});

test('IPC_UNBIND_PORT of another task\'s binding (to its own port) is -EPERM and the binding stays; the port\'s owner may remove names others made', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const a = await Agent.spawn(kernel);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/srv/theirs'), 0);
    assert.equal(unbind(t, '/srv/theirs'), -E.EPERM);
    assert.ok(names(kernel).includes('/srv/theirs'));
    assert.ok(connect(t, '/srv/theirs') > 0);
    const len = await a.write(Agent.PATH_AT, '/srv/theirs');
    assert.equal((await a.syscall(S.SYS_IPC_UNBIND_PORT, Agent.PATH_AT, len)).r, 0, 'its binder may');

    // A name another task made for a port init owns.
    const p = createPort(t);
    const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
    assert.equal(await a.bind(g, '/srv/mine'), 0);
    assert.equal(unbind(t, '/srv/mine'), 0);
    assert.ok(!names(kernel).includes('/srv/mine'));
    await a.exitWith(0);
  });
});

test('bindings go with their binder: when the binding task exits its names are removed, even for a port that lives on', T, async () => {
  await withKernel(async (kernel) => {
    const t = kernel.task;
    const base = kernel.usage();
    const p = createPort(t);
    assert.equal(bind(t, p, '/srv/kept'), 0);
    const a = await Agent.spawn(kernel);
    const g = t.syscall(S.SYS_HANDLE_GRANT, p, a.pid);
    assert.equal(await a.bind(g, '/srv/by-agent'), 0);
    const h = (await a.syscall(S.SYS_IPC_CREATE_PORT, 0)).r;
    assert.equal(await a.bind(h, '/srv/agent-port'), 0);
    assert.deepEqual(names(kernel).filter((n) => n.startsWith('/srv')), ['/srv/agent-port', '/srv/by-agent', '/srv/kept']);
    await a.exitWith(0);
    assert.deepEqual(names(kernel), ['/srv/kept']);
    assert.equal(connect(t, '/srv/by-agent'), -E.ENOENT);
    assert.equal(connect(t, '/srv/agent-port'), -E.ENOENT);
    assert.equal(t.syscall(S.SYS_HANDLE_CLOSE, p), 0);
    assert.deepEqual(kernel.usage(), base);
  });
});
