/**
 * The entry point of a task that is a process (./process-host.ts): reads
 * the boot record, spawn data and module URL from file descriptor 3 (until
 * the parent closes its side), leaves them where attach() finds them, and
 * imports the task's module. An uncaught error is written back on the same
 * descriptor (its stack, for `exited.error`) and ends the process with code 1.
 */
import { readSync, writeSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { BOOT_FD, PROCESS_TASK_BOOT } from './process-host.js';
import type { TaskBootData } from './task-host.js';
import { fromProcessData } from './process-data.js';

/** Everything the parent wrote before closing its side of the socket. */
function readBoot(): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(BOOT_FD, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw error;
    }
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
}

const { url, boot, data } = deserialize(readBoot()) as { url: string } & TaskBootData;
(globalThis as Record<symbol, TaskBootData>)[PROCESS_TASK_BOOT] = { boot, data: fromProcessData(data) };

process.on('uncaughtException', (error) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    writeSync(BOOT_FD, text);
  } catch {
    // The parent is gone: nobody to tell.
  }
  process.stderr.write(`${text}\n`);
  process.exit(1);
});

await import(url);
