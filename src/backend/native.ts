/**
 * The native half of the process backend (native/kipc_process.cc): loaded
 * on first use, from a prebuilt binary for this platform and Node ABI
 * (prebuilds/) or a local build (build/Release, `npx node-gyp rebuild`).
 * Without it, thread kernels work as ever and every process feature throws
 * {@link ProcessesUnavailableError}, saying what is missing.
 */
import { createRequire } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';

/** What the addon exports. Words are Int32Arrays over a SharedArrayBuffer from {@link NativeProcess.mapShared}. */
export interface NativeProcess {
  /** Creates (`create`: exactly `bytes` bytes, permission bits `mode`; EEXIST if taken) or opens the shared-memory object `name`, mapped. */
  mapShared(name: string, bytes: number, create: boolean, mode: number): SharedArrayBuffer;
  /** Removes the object's name (mappings stay); whether it existed. */
  unlinkShared(name: string): boolean;
  /** The OS futex: sleeps while words[index] === value; 0 woken or changed, 1 timed out. */
  wait(words: Int32Array, index: number, value: number, timeoutMs: number): number;
  /** Tells the addon this thread's worker_threads.threadId (once, at load), for {@link interruptThread}. */
  identify(threadId: number): void;
  /** Wakes thread `threadId` of this process out of its {@link wait}, and makes its later waits return at once (it is being terminated). Whether it is known. */
  interruptThread(threadId: number): boolean;
  /** The same for every thread of this process (it is exiting). */
  interruptProcess(): void;
  /** Wakes up to `count` sleepers of words[index] in any process; how many. */
  wake(words: Int32Array, index: number, count: number): number;
  /** {@link wait} on a thread of the addon; the promise keeps the event loop alive. */
  waitAsync(words: Int32Array, index: number, value: number, timeoutMs: number): Promise<number>;
  /** Settles when process `pid` exits (a pidfd, any process); throws (code ESRCH) if there is none. */
  watchProcess(pid: number): Promise<number>;
  /**
   * When process `pid` exits, a thread of the addon sets words[flagIndex]
   * to 1 and makes every wait of this process on the words' memory return
   * at once (within 100 ms). Does not keep the event loop alive.
   */
  watchOwner(words: Int32Array, flagIndex: number, pid: number): Promise<number>;
  /** Whether a process `pid` exists. */
  processAlive(pid: number): boolean;
}

/** A process feature was used where the native part of kipc is not available; the message says why and what to do. */
export class ProcessesUnavailableError extends Error {
  override readonly name = 'ProcessesUnavailableError';
}

let loaded: NativeProcess | undefined;
let failure: string | undefined;

/** The package's root directory (this file is dist/src/backend/native.js). */
const PACKAGE_ROOT = new URL('../../../', import.meta.url);

/**
 * The addon. Throws ProcessesUnavailableError on a platform other than
 * Linux, or when neither a prebuilt binary for this Node ABI nor a local
 * build exists (the message says how to build one).
 */
export function nativeProcess(operation: string): NativeProcess {
  if (loaded !== undefined) return loaded;
  if (failure === undefined) {
    if (process.platform !== 'linux') {
      failure = `kipc's process features need Linux (futexes on shared memory, pidfds); this is ${process.platform}. Tasks as worker threads work everywhere.`;
    } else {
      try {
        const require = createRequire(import.meta.url);
        const load = require('node-gyp-build') as (dir: string) => NativeProcess;
        const addon = load(decodeURIComponent(PACKAGE_ROOT.pathname));
        addon.identify(threadId);
        // A thread asleep in the OS futex cannot be stopped by V8: when the
        // process exits (and so terminates its workers), wake them all.
        if (isMainThread) process.once('exit', () => addon.interruptProcess());
        loaded = addon;
        return loaded;
      } catch (error) {
        failure =
          `kipc's native part is not built for this Node (${process.version}, ABI ${process.versions.modules}, ${process.platform}-${process.arch}): ` +
          `${error instanceof Error ? error.message.split('\n')[0] : String(error)}. ` +
          'Build it with a C++ compiler and python3 installed: `npx node-gyp rebuild` in the kipc package directory. Tasks as worker threads need none of it.';
      }
    }
  }
  throw new ProcessesUnavailableError(`${operation}: ${failure}`);
}
