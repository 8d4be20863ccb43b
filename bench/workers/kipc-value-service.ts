/**
 * kipc service task of the value benchmarks: exposes at `data.path`
 * `echo(value)` (the value back) and `add(a, b)`, until `stop()`.
 */
import { attach } from '../../src/index.js';

const task = attach<{ path: string }>();
const service = task.expose(task.data.path, {
  echo: (value: unknown) => value,
  add: (a: number, b: number) => a + b,
  stop() {
    setTimeout(() => service.close(), 1);
    return true;
  },
});
await service.closed;
