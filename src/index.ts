/**
 * kipc: microkernel-style IPC for JavaScript.
 */
export { Kernel } from './runtime/kernel.js';
export type { KernelOptions, KernelLimits, SpawnOptions, TaskHandle, TaskExit } from './runtime/kernel.js';
export { attach } from './runtime/attach.js';
export { Task } from './runtime/task.js';
export type { PortOptions } from './runtime/task.js';
export { registerBackend } from './backend/registry.js';
export { threadBackend } from './backend/thread.js';
export { processBackend } from './backend/process.js';
export { join, type JoinOptions } from './runtime/join.js';
export { ProcessesUnavailableError } from './backend/native.js';
export type { AllocateOptions, Backend, SharedMemory, WaitResult } from './backend/backend.js';
export type { Quotas, QuotaName, TaskQuotas } from './core/quota.js';
export type { NamespacePolicy } from './objects/namespace/policy.js';
export { Handle } from './api/handle.js';
export type { WaitOptions, AsyncWaitOptions, EventWaitOptions, HandleInfo } from './api/handle.js';
export { Port } from './api/port.js';
export type { ReceiveOptions, AsyncReceiveOptions, ValueOptions, AsyncValueOptions, ServeOptions } from './api/port.js';
export { RemoteError } from './api/remote-error.js';
export { closeRemote } from './api/wrap.js';
export { Pool } from './runtime/pool.js';
export type { PoolOptions, PoolStats, RunOptions, LatencySummary } from './runtime/pool.js';
export type { Remote, RemoteSync, WrapOptions, AsyncWrapOptions } from './api/wrap.js';
export type { CallContext, ExposeOptions, Exposed } from './api/expose.js';
export type { ThrownRecord } from './api/remote-error.js';
export { Message } from './api/message.js';
export { ChannelSender, ChannelReceiver } from './api/channel.js';
export type { ChannelEnds, ChannelOptions, BytesChannelOptions, ValueChannelOptions, ChannelReceiveOptions, AsyncChannelReceiveOptions } from './api/channel.js';
export { structuredCodec, jsonCodecOf, msgpackCodecOf, CodecMismatchError } from './api/codec.js';
export type { Codec, CodecOption } from './api/codec.js';
export { Semaphore, SemaphoreGuard } from './api/semaphore.js';
export { Ring } from './api/ring.js';
export { waitAny, waitAnyAsync } from './api/wait.js';
export type { WaitTarget, ReadyEntry } from './api/wait.js';
export type { RingWriteOptions, AsyncRingWriteOptions } from './api/ring.js';
export { Mailbox, Mail, MAILBOX_CAPACITY, MAILBOX_MESSAGE_BYTES } from './api/mailbox.js';
export { Network } from './api/network.js';
export { Keyboard, KeyboardSubscription } from './api/keyboard.js';
export { Pages, PageDelivery, sendFlags } from './api/pages.js';
export type { PageTarget, PageSendOptions, PageSendResult, PageHandler } from './api/pages.js';
export { NetworkInterface } from './devices/network-interface.js';
export { KeyboardDevice } from './devices/keyboard-device.js';
export type { KeyboardOptions } from './devices/keyboard-device.js';
export type { FrameLink } from './devices/frame-link.js';
export { MAX_FRAME_BYTES } from './devices/frame-link.js';
export * from './api/errors.js';
export type {
  KernelSnapshot,
  KernelUsage,
  KernelStats,
  TaskInfo,
  ObjectInfo,
  TaskState,
  ObjectTypeName,
  PersonalityName,
  NetworkInfo,
  KeyboardInfo,
} from './runtime/snapshot.js';
export * as errno from './core/errno.js';
export * as sys from './syscalls/numbers.js';
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
  MSG_TYPE_VALUE,
  MSG_TYPE_VALUE_MASK,
  VALUE_CODEC_SHIFT,
  VALUE_INLINE_LENGTH,
  VALUE_THROWN,
  VALUE_OUT_OF_LINE,
  OBJ_PORT,
  OBJ_CHANNEL,
  OBJ_RING,
  OBJ_SEMAPHORE,
  OBJ_MAILBOX,
  OBJ_BUFFER,
  PAGE_BYTES,
  MAX_SEND_PAGES,
} from './core/layout.js';
