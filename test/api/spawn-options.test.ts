/**
 * What a spawn passes through to the task's thread or process (execArgv,
 * env, resourceLimits, handles installed before it runs), with both task
 * hosts; careless values refused
 * before a slot is taken; and a task that dies of an uncaught error while
 * nobody looks at its `exited` is reported on the kernel's 'error' event
 * (a process warning without a listener), never silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { attach, Kernel, QuotaExceededError, TaskCrashedError, type SpawnOptions } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import { withKernel } from '../support/kernel.js';
import { waitFor, within } from '../support/wait.js';

const REPORT = fixture('api/fixtures/spawn-report');
const CRASH = fixture('scenarios/fixtures/process-crash');
const HANDLES = fixture('api/fixtures/spawn-handles');
const HOSTS = [
  { host: 'a worker thread', kernel: {}, spawn: {} },
  { host: 'a process', kernel: { processes: true }, spawn: { process: true } },
] as const;

/** Tasks not exited (init among them). */
function liveTasks(kernel: Kernel): number {
  return kernel.snapshot().tasks.filter((t) => t.state !== 'exited' && t.state !== 'exiting').length;
}

/** Spawns the report fixture with `options` and returns what it reported. */
async function report(kernel: Kernel, options: SpawnOptions): Promise<string> {
  const port = kernel.task.createPort();
  port.bind('/test/spawn');
  try {
    const task = kernel.spawn(REPORT, options);
    const call = await port.receiveAsync({ timeout: 60_000 });
    kernel.task.reply(call);
    assert.equal((await within(task.exited, 60_000, 'the task to exit')).code, 0);
    return call.text();
  } finally {
    port.close();
  }
}

for (const { host, kernel: kernelOptions, spawn } of HOSTS) {
  test(`execArgv and env reach ${host}; without them it has neither`, { timeout: 120_000 }, async () => {
    await withKernel(async (kernel) => {
      assert.equal(await report(kernel, { ...spawn, execArgv: ['--no-deprecation'], env: { ...process.env, KIPC_SPAWN_ENV: 'here' } as Record<string, string> }), '1here');
      assert.equal(await report(kernel, { ...spawn }), '0-');
    }, kernelOptions);
  });

  test(`handles given at spawn are in ${host}'s table before it runs; careless handles are refused, and a refused grant reaps the slot`, { timeout: 120_000 }, async () => {
    await withKernel(async (kernel) => {
      const init = kernel.task;
      const baseline = kernel.usage();
      const inbox = init.createPort();
      const other = init.createChannel();
      const child = kernel.spawn(HANDLES, { ...spawn, handles: [inbox, other.sender] });
      const m = await inbox.receiveAsync({ timeout: 60_000 });
      assert.equal(m.type, 5);
      assert.equal(m.sender, child.pid, 'sent by the child through the handle it was given');
      assert.equal(m.getU32(0), 2, 'both handles, in order');
      assert.equal((await within(child.exited, 60_000, 'the child to exit')).code, 0);

      const elsewhere = Kernel.create();
      try {
        for (const handles of ['x', [inbox, 7], [elsewhere.task.createPort()]]) {
          assert.throws(() => kernel.spawn(HANDLES, { ...spawn, handles: handles as never }), /handles must be an array of init's handles/);
        }
      } finally {
        await elsewhere.close();
      }
      assert.throws(() => kernel.spawn(HANDLES, { ...spawn, handles: [inbox], acceptGrants: false }), /which acceptGrants: false refuses/);
      assert.throws(() => kernel.spawn(HANDLES, { ...spawn, handles: [inbox, other.sender], quotas: { receivedHandles: 1 } }), QuotaExceededError);
      inbox.close();
      other.sender.close();
      other.receiver.close();
      await waitFor(() => JSON.stringify(kernel.usage()) === JSON.stringify(baseline) && liveTasks(kernel) === 1, 'the refused spawn to be reaped');
    }, kernelOptions);
  });

  test(`${host} given handles and terminated at once, or still starting when the kernel closes: the handles are released, nothing hangs`, { timeout: 120_000 }, async () => {
    await withKernel(async (kernel) => {
      const baseline = kernel.usage();
      const inbox = kernel.task.createPort();
      for (let i = 0; i < 5; i++) {
        const child = kernel.spawn(HANDLES, { ...spawn, handles: [inbox] });
        await within(child.terminate(), 60_000, `child ${i} to be reaped`);
      }
      inbox.close();
      await waitFor(() => JSON.stringify(kernel.usage()) === JSON.stringify(baseline) && liveTasks(kernel) === 1, 'the terminated children to be reaped with their handles');
    }, kernelOptions);
    const closing = Kernel.create(kernelOptions);
    closing.spawn(HANDLES, { ...spawn, handles: [closing.task.createPort(), closing.task.createChannel().sender] });
    await within(closing.close(), 60_000, 'the kernel to close with a child still starting');
  });

  test(`resourceLimits bound the heap of ${host}: past it the task dies and is cleaned up`, { timeout: 120_000 }, async () => {
    await withKernel(async (kernel) => {
      const baseline = kernel.usage();
      const task = kernel.spawn(REPORT, { ...spawn, data: { hog: true }, resourceLimits: { maxOldGenerationSizeMb: 24 } });
      const exit = await within(task.exited, 90_000, 'the hog to die');
      assert.notEqual(exit.code, 0, `it died (${exit.code}, ${exit.error?.split('\n')[0]})`);
      assert.deepEqual(kernel.usage(), baseline);
    }, kernelOptions);
  });

  test(`careless spawn options for ${host} are refused before a slot is taken`, async () => {
    await withKernel(async (kernel) => {
      const baseline = kernel.usage();
      const bad: [SpawnOptions, RegExp, ErrorConstructor][] = [
        [{ execArgv: '--no-deprecation' as never }, /execArgv must be an array of strings/, TypeError],
        [{ execArgv: [1] as never }, /execArgv must be an array of strings/, TypeError],
        [{ env: { N: 1 } as never }, /env must be an object whose values are strings/, TypeError],
        [{ env: 'A=1' as never }, /env must be an object/, TypeError],
        [{ resourceLimits: { heap: 5 } as never }, /resourceLimits has no 'heap'/, TypeError],
        [{ resourceLimits: { maxOldGenerationSizeMb: -1 } }, /must be a positive number/, TypeError],
        [{ resourceLimits: { stackSizeMb: 2 ** 21 } }, /at most/, RangeError],
      ];
      if ('process' in spawn) {
        bad.push([{ resourceLimits: { codeRangeSizeMb: 8 } }, /worker threads only/, TypeError]);
        bad.push([{ resourceLimits: { stackSizeMb: 16 } }, /of a process is at most 7/, RangeError]);
      }
      for (const [options, message, type] of bad) assert.throws(() => kernel.spawn(REPORT, { ...spawn, ...options }), (e: unknown) => e instanceof type && message.test((e as Error).message), message.source);
      assert.deepEqual(kernel.usage(), baseline);
      assert.equal(liveTasks(kernel), 1, 'no task slot was taken');
    }, kernelOptions);
  });

  test(`${host} dying of an uncaught error while nobody looks at exited: the kernel's 'error' event says so; once exited is awaited, before or soon after, it does not`, { timeout: 120_000 }, async () => {
    await withKernel(async (kernel) => {
      const reported = once(kernel, 'error') as Promise<[TaskCrashedError]>;
      const unwatched = kernel.spawn(CRASH, { ...spawn });
      const [error] = await within(reported, 60_000, 'the crash to be reported');
      assert.ok(error instanceof TaskCrashedError);
      assert.equal(error.pid, unwatched.pid);
      assert.equal(error.code, 1);
      assert.match(error.taskStack, new RegExp(`process task ${unwatched.pid} fails on purpose`));
      assert.match(error.message, /nobody awaited its exited/);

      let more = 0;
      kernel.on('error', () => more++);
      const watched = kernel.spawn(CRASH, { ...spawn });
      const exit = await within(watched.exited, 60_000, 'the watched task to exit');
      assert.match(exit.error ?? '', /fails on purpose/);
      // Looked at only after the task is gone (as a program that awaits it after other work): within the grace, not reported either.
      const late = kernel.spawn(CRASH, { ...spawn });
      await waitFor(() => liveTasks(kernel) === 1, 'the late-watched task to be reaped');
      assert.match((await late.exited).error ?? '', /fails on purpose/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(more, 0, 'a crash someone awaited, before or after it happened, is not reported');
    }, kernelOptions);
  });
}

test('without an error listener, an unwatched crash is a process warning (KipcWarning), not an exception', { timeout: 60_000 }, async () => {
  await withKernel(async (kernel) => {
    const warned = new Promise<Error>((resolve) => {
      const listener = (warning: Error): void => {
        if (warning.name !== 'KipcWarning') return;
        process.off('warning', listener);
        resolve(warning);
      };
      process.on('warning', listener);
    });
    const task = kernel.spawn(CRASH);
    const warning = await within(warned, 30_000, 'the warning');
    assert.match(warning.message, new RegExp(`task ${task.pid} .*died of an uncaught error`));
  });
});

test('data is typed through a generic on both sides: kernel.spawn<D>() checks what is given, attach<D>() types task.data (a type error here fails the build)', () => {
  interface Job {
    id: number;
    tags: string[];
  }
  const typedSpawn = (kernel: Kernel): void => {
    kernel.spawn<Job>('file:///job.js', { data: { id: 1, tags: ['a'] } });
    // @ts-expect-error a string id is not a Job
    kernel.spawn<Job>('file:///job.js', { data: { id: '1', tags: [] } });
  };
  const typedAttach = (attachTask: typeof attach): number => {
    const task = attachTask<Job>();
    const tags: string[] = task.data.tags;
    // @ts-expect-error data.id is a number
    const wrong: string = task.data.id;
    return tags.length + wrong.length;
  };
  assert.equal(typeof typedSpawn, 'function');
  assert.equal(typeof typedAttach, 'function');
});
