/**
 * Raw keyboard bytes from a terminal: puts a tty input stream in raw mode
 * (no line editing, no echo, no signals from Ctrl+C: it arrives as byte
 * 0x03), hands every chunk it reads to a callback, and restores the mode on
 * close. Feed the bytes to a ScancodeTranslator to get PS/2 scan codes.
 *
 * ```ts
 * const keys = openTerminalKeys(process.stdin, (bytes) => {
 *   if (bytes.includes(0x03)) keys.close(); // Ctrl+C
 * });
 * ```
 */

export interface TerminalKeysOptions {
  /** Throw instead of reading a stream that is not a terminal (a pipe, a file). Default false: such input is read as it is. */
  requireTty?: boolean;
}

export interface TerminalKeys {
  /** Whether the stream was put in raw mode (false for a pipe or a file). */
  readonly raw: boolean;
  /** Stops reading: removes the listener, restores the tty's previous mode, pauses the stream. Idempotent. */
  close(): void;
}

/**
 * Starts reading `input`, in raw mode when it is a tty, calling `onBytes`
 * with each chunk. Throws an Error when `requireTty` is set and `input` is
 * not a tty.
 */
export function openTerminalKeys(
  input: NodeJS.ReadStream = process.stdin,
  onBytes: (bytes: Uint8Array) => void,
  options: TerminalKeysOptions = {},
): TerminalKeys {
  const isTty = input.isTTY === true;
  if (options.requireTty && !isTty) {
    throw new Error('openTerminalKeys: input is not a terminal (raw keyboard input needs a tty; is stdin redirected?)');
  }
  const wasRaw = isTty && input.isRaw;
  if (isTty) input.setRawMode(true);
  const onData = (chunk: Buffer | string): void => {
    onBytes(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };
  input.on('data', onData);
  input.resume();
  let open = true;
  return {
    raw: isTty,
    close(): void {
      if (!open) return;
      open = false;
      input.off('data', onData);
      if (isTty) input.setRawMode(wasRaw);
      input.pause();
    },
  };
}
