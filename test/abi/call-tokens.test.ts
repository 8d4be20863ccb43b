/**
 * Call tokens name one call for 2^32 calls of its caller: a server that
 * keeps a request and replies with it later is refused (EPERM), however
 * many calls came in between (with 15-bit generations per call slot, such a
 * stale reply was accepted at calls #32,767 and #65,534 and answered a newer
 * call); and a caller's token sequence crosses 2^32 without ever using 0 and
 * without losing its calls in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message, PermissionError, type Kernel } from '../../src/index.js';
import * as L from '../../src/core/layout.js';
import { withKernel } from '../support/kernel.js';

/** One call from init to its own port, answered by init: resolves to the reply, after `beforeReply` saw the request. */
async function selfCall(kernel: Kernel, port: ReturnType<Kernel['task']['createPort']>, n: number, beforeReply?: (request: Message) => void): Promise<Message> {
  const reply = port.callAsync(Message.of(1).setU32(0, n));
  const request = port.receive();
  beforeReply?.(request);
  request.setU32(4, n * 3);
  assert.equal(kernel.task.reply(request), true);
  return reply;
}

test('a reply with a request kept from an earlier call is EPERM through 70,000 later calls of the same caller', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort();
    let kept: Message | undefined;
    await selfCall(kernel, port, 0, (request) => (kept = new Message().copyFrom(request)));
    const stale = kept!;
    for (let n = 1; n <= 70_000; n++) {
      const reply = await selfCall(kernel, port, n, () => {
        assert.throws(() => kernel.task.reply(stale), PermissionError, `call #${n}: the stale reply must be refused`);
      });
      if (reply.getU32(0) !== n || reply.getU32(4) !== n * 3) assert.fail(`call #${n} got the answer to another call`);
    }
  });
});

test("a caller's tokens cross 2^32: never 0, each reply reaches its own call, and calls in flight across the wrap keep theirs", async () => {
  await withKernel(async (kernel) => {
    const r = kernel.task.ctx.r;
    const port = kernel.task.createPort({ capacity: 64 });
    // Eight calls before the wrap, sixteen after it.
    r.w[r.task(0) + L.T_CALL_SEQ] = 0xfffffff8 | 0;
    const before = Array.from({ length: 4 }, (_, n) => port.callAsync(Message.of(1).setU32(0, 100 + n)));
    const tokens: number[] = [];
    const requests: Message[] = [];
    for (let n = 0; n < 4; n++) requests.push(port.receive());
    for (let n = 0; n < 20; n++) {
      const reply = await selfCall(kernel, port, n, (request) => tokens.push(request.callToken));
      assert.equal(reply.getU32(4), n * 3);
    }
    assert.ok(!tokens.includes(0), 'token 0 (no call) is never used');
    assert.ok(tokens.some((t) => t > 0xfffffff0) && tokens.some((t) => t < 0x10), 'the tokens crossed 2^32');
    // The calls made before the wrap are still answered, each its own.
    for (const request of requests) {
      request.setU32(4, request.getU32(0) + 1);
      assert.equal(kernel.task.reply(request), true);
    }
    const replies = await Promise.all(before);
    assert.deepEqual(replies.map((m) => m.getU32(4)), [101, 102, 103, 104]);
    // And their requests, replied to once already, are refused now.
    assert.throws(() => kernel.task.reply(requests[0]!), PermissionError);
  });
});

test('a caller with every call slot but one held keeps calling: a table entry left naming a reused slot does not block a token', async () => {
  await withKernel(async (kernel) => {
    const port = kernel.task.createPort({ capacity: 16 });
    // Seven calls received and held; the eighth slot goes round and round.
    const pending = Array.from({ length: 7 }, (_, n) => port.callAsync(Message.of(1).setU32(0, n)));
    const held = pending.map(() => port.receive());
    for (let n = 0; n < 200; n++) {
      const reply = await selfCall(kernel, port, n);
      assert.equal(reply.getU32(4), n * 3);
    }
    for (const request of held) kernel.task.reply(request);
    await Promise.all(pending);
  }, { maxCalls: 8 });
});
