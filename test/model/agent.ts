/**
 * The test side of a model agent (fixtures/syscall-agent.ts): a real
 * worker-thread task that issues one numbered syscall per command, against
 * its own user memory, and reports the return value and a window of that
 * memory. Built on the shared AgentClient (command/reply matching over a
 * BroadcastChannel, timeouts, death), so the agent touches the kernel under
 * test only through the syscalls the program gives it.
 */
import type { BroadcastChannel } from 'node:worker_threads';
import type { Kernel, TaskHandle } from '../../src/index.js';
import { fixture } from '../support/fixtures.js';
import type { Quotas } from '../../src/core/quota.js';
import { AgentClient, type Pending } from '../support/agent.js';

/** Bytes to put into the agent's memory before its syscall. */
export interface MemoryWrite {
  at: number;
  bytes: Uint8Array;
}

/** What a model agent is asked to do. */
export type ModelAgentCommand =
  | {
      op: 'sys';
      nr: number;
      /** Passed exactly as given (as many as there are; non-numbers included). */
      args: unknown[];
      writes: MemoryWrite[];
      /** The memory to copy back after the syscall, if any. */
      window?: { at: number; length: number };
    }
  | { op: 'exit'; code: number };

/** A syscall's return value and the memory window after it. */
export interface SyscallOutcome {
  r: number;
  window: Uint8Array | null;
}

/** How long a syscall may stay blocked before its command gives up (a whole program's run). */
const BLOCKING_COMMAND_MS = 15 * 60_000;

/** Quotas at least as large as every kernel-wide table, so that no quota refuses what the model allows. */
function unlimitedQuotas(kernel: Kernel): Partial<Quotas> {
  const maxHandles = kernel.task.ctx.r.maxHandles;
  const whole = 0x7fffffff;
  return { handles: maxHandles, receivedHandles: maxHandles, objects: whole, messageSlots: whole, pages: whole, names: whole, calls: whole, deliveries: whole };
}

export class ModelAgent extends AgentClient<ModelAgentCommand> {
  static async spawn(kernel: Kernel, personality: 'strat9' | 'rou2exos' = 'strat9'): Promise<ModelAgent> {
    return AgentClient.open<ModelAgent, number>(
      'model agent',
      // The model has no per-task quotas: every agent may use every table whole (grants included).
      (channel) => kernel.spawn(fixture('model/fixtures/syscall-agent'), { data: { channel }, personality, quotas: unlimitedQuotas(kernel) }),
      (channel, handle, pid) => {
        if (pid !== handle.pid) throw new Error(`model agent says pid ${pid}, spawn said ${handle.pid}`);
        return new ModelAgent(channel, handle, pid);
      },
    );
  }

  /** Starts syscall `nr` in the agent; the result settles when the agent's syscall returns. */
  startSyscall(nr: number, args: unknown[], writes: MemoryWrite[], window?: { at: number; length: number }): Pending<SyscallOutcome> {
    return this.start<SyscallOutcome>({ op: 'sys', nr, args, writes, ...(window ? { window } : {}) }, BLOCKING_COMMAND_MS);
  }
}
