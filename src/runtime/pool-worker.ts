/**
 * The module every Pool worker runs (src/runtime/pool.ts): it imports the
 * user's module and serves its default export (or its `run` export) as
 * the method `run` on the pool's port, which it was given at spawn
 * (`task.handles[0]`), one call at a time; cancels of aborted requests
 * reach it on a port of its own (`task.handles[1]`). The function gets the value and
 * a CallContext ({ signal, sender }); what it returns or throws goes back
 * to `pool.run()`.
 */
import { attach } from './attach.js';
import { exposeOn } from '../api/expose.js';

const task = attach();
const { module } = task.data as { module: string };
const imported = (await import(module)) as { default?: unknown; run?: unknown };
const run = typeof imported.default === 'function' ? imported.default : imported.run;
if (typeof run !== 'function') throw new TypeError(`kipc Pool: ${module} exports no function (a default export, or one named run)`);
const service = exposeOn(task.port(task.handles[0]!), { run }, { concurrency: 1, cancelPort: task.port(task.handles[1]!) });
await service.closed;
