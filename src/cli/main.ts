#!/usr/bin/env node
/**
 * The `kipc` command: the demo, the benchmarks, and a live view of a
 * running kernel's tasks and objects (`kipc demo --watch`, or `kipc top
 * NAME` for a named kernel of another process).
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_OPTIONS, runDemo, type DemoOptions } from './demo.js';
import { runTop } from './top.js';
import { KipcError } from '../api/errors.js';
import { ProcessesUnavailableError } from '../backend/native.js';

const USAGE = `kipc: microkernel-style IPC for JavaScript

usage:
  kipc demo [options]    start a kernel, an echo server at /srv/echo and clients
                         calling it; terminate a server mid-call to show EPIPE
    --watch              show a live table of tasks and objects while it runs
    --quiet              print only the summary
    --clients N          echo clients (default ${DEFAULT_DEMO_OPTIONS.clients})
    --calls N            calls per client (default ${DEFAULT_DEMO_OPTIONS.calls})
    --stalled N          callers of the server that is terminated (default ${DEFAULT_DEMO_OPTIONS.stalled})
  kipc top NAME [options]
                         a live view of the kernel named NAME (Kernel.create({ name })),
                         joined from this process: tasks with their OS pids, states and
                         what each waits for, objects and queue depths (Linux)
    --once               print one view and leave
    --interval MS        refresh period (default 500)
  kipc bench [args]      run the benchmarks (arguments are passed on; in a clone of kipc only)
  kipc help              this text
  kipc --version         the package version
`;

/** The package root: dist/src/cli/main.js is three levels below it. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function version(): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

class UsageError extends Error {}

function parseDemo(args: string[]): Partial<DemoOptions> {
  const options: Partial<DemoOptions> = {};
  const count = (name: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} needs an integer from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '--watch':
      case '-w':
        options.watch = true;
        break;
      case '--quiet':
      case '-q':
        options.quiet = true;
        break;
      case '--clients':
        options.clients = count(flag, value(), 1, 32);
        break;
      case '--calls':
        options.calls = count(flag, value(), 10, 10_000_000);
        break;
      case '--stalled':
        options.stalled = count(flag, value(), 1, 32);
        break;
      default:
        throw new UsageError(`unknown demo option: ${arg}`);
    }
  }
  return options;
}

function top(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { once: { type: 'boolean' }, interval: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('top needs the name of a kernel');
  const intervalMs = values.interval === undefined ? 500 : Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 50 || intervalMs > 60_000) throw new UsageError('--interval needs milliseconds from 50 to 60000');
  return runTop(positionals[0]!, { once: values.once === true, intervalMs }).catch((error: unknown) => {
    // No such kernel, no permission, a bad name, no native part: a sentence, not a stack.
    if (error instanceof KipcError || error instanceof ProcessesUnavailableError || error instanceof TypeError) {
      process.stderr.write(`kipc top: ${error.message}\n`);
      return 1;
    }
    throw error;
  });
}

function bench(args: string[]): number {
  const script = `${ROOT}dist/bench/main.js`;
  if (!existsSync(script)) {
    process.stderr.write(`kipc bench: ${script} is missing; the benchmarks ship with the source tree. Run \`npm run build\` in a clone of kipc.\n`);
    return 1;
  }
  const result = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return runDemo(parseDemo(rest));
    case 'bench':
      return bench(rest);
    case 'top':
      return top(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

// `kipc demo | head` closes our stdout early: stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`kipc: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`kipc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
