/**
 * KeyboardDevice: a kernel's keyboard, reading a terminal. In raw mode it
 * turns every key into PS/2 scan code set 1 make and break codes
 * (scancodes.ts) and delivers them to every subscriber of the keyboard pipe
 * (keyboard-pipe.ts); in 'raw-bytes' mode it delivers the terminal's bytes
 * as they are. Runs on the thread that attached it.
 *
 * ```ts
 * const keyboard = kernel.attachKeyboard();          // process.stdin
 * // ... subscribers read scancodes ...
 * keyboard.detach();
 * ```
 */
import type { TaskContext } from '../core/context.js';
import { K_ATTACHED } from '../core/layout.js';
import { deliverScancodes } from '../objects/keyboard-pipe/keyboard-pipe.js';
import { BusyError } from '../api/errors.js';
import { EBUSY } from '../core/errno.js';
import { LONE_ESCAPE_TIMEOUT_MS, ScancodeTranslator } from './scancodes.js';
import { openTerminalKeys, type TerminalKeys } from './terminal-keys.js';

export interface KeyboardOptions {
  /** The terminal to read (default process.stdin). A stream that is not a tty is read as it is. */
  input?: NodeJS.ReadStream;
  /** 'scancodes' (default): PS/2 set-1 make and break codes; 'raw-bytes': the terminal's bytes unchanged. */
  mode?: 'scancodes' | 'raw-bytes';
  /** Called with each chunk read, before delivery (e.g. to stop on Ctrl+C, byte 0x03). */
  onInput?: (bytes: Uint8Array) => void;
}

export class KeyboardDevice {
  private readonly translator = new ScancodeTranslator();
  private readonly terminal: TerminalKeys;
  private escapeTimer: ReturnType<typeof setTimeout> | undefined;
  private attached = true;
  /** Scan code bytes (or raw bytes) delivered to the pipe. */
  delivered = 0;

  private constructor(
    private readonly ctx: TaskContext,
    private readonly options: KeyboardOptions,
  ) {
    this.terminal = openTerminalKeys(options.input ?? process.stdin, (bytes) => this.onBytes(bytes));
  }

  /** Attaches the keyboard of the kernel `ctx` belongs to. Throws BusyError when one is attached already. */
  static attach(ctx: TaskContext, options: KeyboardOptions = {}): KeyboardDevice {
    const w = ctx.r.w;
    const at = ctx.r.pipes + K_ATTACHED;
    if (Atomics.compareExchange(w, at, 0, 1) !== 0) throw new BusyError(EBUSY, 'attachKeyboard: the kernel has a keyboard attached already (EBUSY)');
    try {
      return new KeyboardDevice(ctx, options);
    } catch (error) {
      Atomics.store(w, at, 0);
      throw error;
    }
  }

  /** Characters and escape sequences that have no key (not delivered). */
  get unmapped(): number {
    return this.translator.unmapped;
  }

  /** Whether the terminal was put in raw mode (false when the input is not a tty). */
  get raw(): boolean {
    return this.terminal.raw;
  }

  /** Delivers scan code bytes to the subscribers as if typed (for injecting keys by hand). */
  deliver(codes: Uint8Array | readonly number[]): void {
    const bytes = codes instanceof Uint8Array ? codes : Uint8Array.from(codes);
    if (bytes.length === 0) return;
    deliverScancodes(this.ctx, bytes);
    this.delivered += bytes.length;
  }

  /** Stops reading the terminal (restoring its mode). Idempotent. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    clearTimeout(this.escapeTimer);
    this.terminal.close();
    Atomics.store(this.ctx.r.w, this.ctx.r.pipes + K_ATTACHED, 0);
  }

  private onBytes(bytes: Uint8Array): void {
    this.options.onInput?.(bytes);
    if (!this.attached) return;
    if (this.options.mode === 'raw-bytes') {
      this.deliver(bytes);
      return;
    }
    clearTimeout(this.escapeTimer);
    this.deliver(this.translator.translate(bytes));
    // An ESC at the end of a read is the Escape key unless the rest of a sequence follows soon.
    if (this.translator.hasPending) this.escapeTimer = setTimeout(() => this.deliver(this.translator.flush()), LONE_ESCAPE_TIMEOUT_MS);
  }
}
