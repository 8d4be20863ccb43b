/**
 * kipc: microkernel-style IPC for JavaScript.
 */
export { Kernel } from './runtime/kernel.js';
export type { KernelOptions, KernelLimits, SpawnOptions, TaskHandle, TaskExit } from './runtime/kernel.js';
export { attach } from './runtime/attach.js';
export { Task } from './runtime/task.js';
export type { PortOptions } from './runtime/task.js';
export { Port, Handle } from './api/port.js';
export type { WaitOptions, AsyncWaitOptions, EventWaitOptions, ReceiveOptions, AsyncReceiveOptions, HandleInfo } from './api/port.js';
export { Message } from './api/message.js';
export * from './api/errors.js';
export type { KernelSnapshot, KernelUsage, KernelStats, TaskInfo, ObjectInfo, TaskState, ObjectTypeName } from './runtime/snapshot.js';
export * as errno from './kernel/errno.js';
export * as sys from './abi/numbers.js';
export {
  RIGHT_READ,
  RIGHT_WRITE,
  RIGHT_EXECUTE,
  RIGHT_GRANT,
  RIGHT_REVOKE,
  RIGHTS_ALL,
  EVENT_READABLE,
  EVENT_WRITABLE,
  MESSAGE_BYTES,
  MSG_TYPE_REPLY,
  MSG_TYPE_BOOTSTRAP,
  OBJ_PORT,
  OBJ_CHANNEL,
  OBJ_RING,
  OBJ_SEMAPHORE,
} from './kernel/layout.js';
