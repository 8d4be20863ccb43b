/**
 * Port.serve() and `for await` close the handles requests carry unless the
 * handler takes them (Message.takeHandle), so no client can fill a
 * server's handle table; serve({ acceptHandles: false }) refuses them. A
 * client fixture floods the server with more handle-carrying requests than
 * the server's handle table holds (maxHandles 16).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message, OBJ_SEMAPHORE, type Kernel, type Port } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { within } from '../support/wait.js';
import { withKernel } from '../support/kernel.js';
import { taskInfo } from '../support/blocked.js';
import { FLOOD } from './fixtures/serve-handle-layout.js';

const T = { timeout: 60_000 };
const MAX_HANDLES = 16;
const FLOOD_SIZE = 4 * MAX_HANDLES;

interface Report {
  answered: number;
  refused: number;
  other: number;
  plainServed: number;
}

function reportOf(m: Message): Report {
  return { answered: m.getU32(0), refused: m.getU32(4), other: m.getU32(8), plainServed: m.getU32(12) };
}

/** A plain answer (type 2) to the call `request`. */
function answerTo(request: Message): Message {
  const answer = Message.of(2);
  answer.bytes.set(request.bytes.subarray(0, 8), 0);
  return answer;
}

function handlesOfInit(kernel: Kernel): number {
  return taskInfo(kernel, kernel.task.pid)!.handles;
}

/** A port of init's bound at `path`, and init's handle count with it. */
function servicePort(kernel: Kernel, path: string): { port: Port; baseline: number } {
  const port = kernel.task.createPort();
  port.bind(path);
  return { port, baseline: handlesOfInit(kernel) };
}

test('serve(): a flood of handle-carrying calls beyond the handle table is all served; untaken handles are closed, a taken one stays open', T, async () => {
  await withKernel(
    async (kernel) => {
      const { port, baseline } = servicePort(kernel, '/srv/sink');
      let kept = 0;
      let report: Report | undefined;
      let peak = 0;
      const stop = new AbortController();
      const serving = port.serve(
        (request) => {
          peak = Math.max(peak, handlesOfInit(kernel));
          if (request.type === FLOOD.report) {
            report = reportOf(request);
            stop.abort();
            return;
          }
          if (request.type === FLOOD.call && kept === 0) kept = request.takeHandle();
          return Message.of(2);
        },
        { signal: stop.signal },
      );
      const client = kernel.spawn(fixture('api/fixtures/serve-handle-flooder'), { data: { path: '/srv/sink', sends: FLOOD_SIZE, calls: FLOOD_SIZE } });
      await within(Promise.race([serving, client.exited.then(() => serving)]), 30_000, 'the server to serve the whole flood');
      assert.deepEqual(report, { answered: FLOOD_SIZE, refused: 0, other: 0, plainServed: 1 });
      assert.equal((await client.exited).code, 0);
      assert.ok(peak <= baseline + 2, `the server held at most its taken handle and the one in hand (peak ${peak}, baseline ${baseline})`);
      assert.equal(handlesOfInit(kernel), baseline + 1, 'only the taken handle is left');
      const taken = kernel.task.semaphore(kept);
      taken.release();
      assert.equal(taken.tryAcquire(), true, 'the taken handle still works after its sender exited');
      taken.close();
    },
    { maxHandles: MAX_HANDLES },
  );
});

test('for await: handles of messages the body did not take are closed when the loop moves on or ends', T, async () => {
  await withKernel(
    async (kernel) => {
      const { port, baseline } = servicePort(kernel, '/srv/sink');
      const client = kernel.spawn(fixture('api/fixtures/serve-handle-flooder'), { data: { path: '/srv/sink', sends: FLOOD_SIZE, calls: FLOOD_SIZE } });
      let kept = 0;
      let report: Report | undefined;
      let peak = 0;
      const loop = (async () => {
        for await (const request of port) {
          peak = Math.max(peak, handlesOfInit(kernel));
          if (request.type === FLOOD.report) {
            report = reportOf(request);
            kernel.task.reply(request);
            break;
          }
          if (request.type === FLOOD.send && kept === 0) kept = request.takeHandle();
          if (request.callToken !== 0) kernel.task.reply(answerTo(request));
        }
      })();
      await within(loop, 30_000, 'the loop to receive the whole flood');
      assert.deepEqual(report, { answered: FLOOD_SIZE, refused: 0, other: 0, plainServed: 1 });
      assert.equal((await client.exited).code, 0);
      assert.ok(peak <= baseline + 2, `peak ${peak}, baseline ${baseline}`);
      assert.equal(handlesOfInit(kernel), baseline + 1, 'only the taken handle is left');
      assert.equal(kernel.task.semaphore(kept).info().type, OBJ_SEMAPHORE, 'the taken handle is still open');
    },
    { maxHandles: MAX_HANDLES },
  );
});

test('serve({ acceptHandles: false }): calls carrying a handle get EPERM and their handle is closed; one-way messages lose theirs; plain calls are served', T, async () => {
  await withKernel(
    async (kernel) => {
      const { port, baseline } = servicePort(kernel, '/srv/strict');
      let report: Report | undefined;
      let handled = 0;
      let oneWayFlags = 0;
      const stop = new AbortController();
      const serving = port.serve(
        (request) => {
          if (request.type === FLOOD.report) {
            report = reportOf(request);
            stop.abort();
            return;
          }
          if (request.type === FLOOD.send) oneWayFlags |= request.flags;
          handled++;
          return Message.of(2);
        },
        { signal: stop.signal, acceptHandles: false },
      );
      const client = kernel.spawn(fixture('api/fixtures/serve-handle-flooder'), { data: { path: '/srv/strict', sends: FLOOD_SIZE, calls: FLOOD_SIZE } });
      await within(serving, 30_000, 'the server to answer the whole flood');
      assert.deepEqual(report, { answered: 0, refused: FLOOD_SIZE, other: 0, plainServed: 1 });
      assert.equal(handled, FLOOD_SIZE + 1, 'the handler saw the one-way messages and the plain call, never a refused call');
      assert.equal(oneWayFlags, 0, 'one-way messages reach the handler without their handle');
      assert.equal((await client.exited).code, 0);
      assert.equal(handlesOfInit(kernel), baseline);
    },
    { maxHandles: MAX_HANDLES },
  );
});
