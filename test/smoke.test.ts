import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../src/index.js';
import { fixture } from './support/fixtures.js';
import { waitFor } from './support/wait.js';
import { withKernel } from './support/kernel.js';

test('a call from init to an echo server task is answered', async () => {
  await withKernel(async (kernel) => {
    const server = kernel.spawn(fixture('scenarios/fixtures/echo-server'));
    await waitFor(() => kernel.snapshot().names.some((n) => n.path === '/srv/echo'), 'the echo server to bind');
    const port = kernel.task.connect('/srv/echo');
    const reply = port.call(Message.of(1).setU32(0, 41));
    assert.equal(reply.getU32(0), 42);
    assert.equal(reply.sender, server.pid);
    port.send(Message.of(99));
    assert.equal((await server.exited).code, 0);
  });
});
