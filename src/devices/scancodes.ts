/**
 * Terminal input to PS/2 scan code set 1, as a US keyboard would produce it.
 * Each key typed becomes its make code and its break code (make | 0x80);
 * extended keys (arrows, Home, End, Insert, Delete, Page Up/Down) carry the
 * 0xE0 prefix on both. A character that needs a modifier is wrapped in the
 * modifier's make and break: 'A' is Left Shift (0x2A), 'a' (0x1E, 0x9E),
 * Left Shift released (0xAA).
 *
 * ```ts
 * const translator = new ScancodeTranslator();
 * stdin.on('data', (bytes) => {
 *   keyboard.push(translator.translate(bytes));
 *   // A lone ESC stays pending: it may start an arrow key's sequence.
 *   if (translator.hasPending) setTimeout(() => keyboard.push(translator.flush()), LONE_ESCAPE_TIMEOUT_MS);
 * });
 * ```
 *
 * What the translator reads (a tty in raw mode): printable ASCII; \r and \n
 * (Enter); 0x7f and 0x08 (Backspace); \t (Tab); other control bytes as
 * Ctrl + their key (0x01 is Ctrl+a, 0x00 Ctrl+Space, 0x1c Ctrl+\\, 0x1d
 * Ctrl+], 0x1e Ctrl+6, 0x1f Ctrl+-); ESC then a character as Alt + that
 * character; CSI sequences `ESC [ A`..`D`, `H`, `F`, `Z` (Shift+Tab), `P`..`S`
 * and `ESC [ n ~` (Home 1/7, Insert 2, Delete 3, End 4/8, Page Up 5, Page
 * Down 6, F1–F12 as xterm and rxvt send them), with an xterm modifier
 * parameter (`ESC [ 1 ; 5 A` is Ctrl+Up); SS3 sequences `ESC O A`..`D`, `H`,
 * `F`, `P`..`S`, `M`; the Linux console's `ESC [ [ A`..`E` (F1–F5).
 * Anything else (non-ASCII characters, unknown sequences) produces nothing
 * and is counted in `unmapped`.
 */

/** Prefix byte of an extended key's make and break codes. */
export const EXTENDED_PREFIX = 0xe0;
/** Prefix byte of the Pause key's sequence. */
const PAUSE_PREFIX = 0xe1;
const PAUSE_SEQUENCE_BYTES = 6;
/** Set in a make code to make its break code. */
export const BREAK_BIT = 0x80;
/** How long a caller should wait after a read that left a sequence pending before calling flush(). */
export const LONE_ESCAPE_TIMEOUT_MS = 50;
/** Longest escape sequence buffered; a longer one is dropped as unknown. */
const MAX_SEQUENCE_BYTES = 16;

const ESC = 0x1b;
const CSI_INTRODUCER = 0x5b; // '['
const SS3_INTRODUCER = 0x4f; // 'O'
const PARAMETER_SEPARATOR = 0x3b; // ';'

/** A physical key: its set-1 make code, and whether it is an E0-prefixed extended key. */
interface Key {
  code: number;
  extended: boolean;
}

// One row per key: make code, name, character typed alone, character typed with Shift.
const MAIN_KEYS: readonly (readonly [number, string, string?, string?])[] = [
  [0x01, 'Escape'],
  [0x02, '1', '1', '!'],
  [0x03, '2', '2', '@'],
  [0x04, '3', '3', '#'],
  [0x05, '4', '4', '$'],
  [0x06, '5', '5', '%'],
  [0x07, '6', '6', '^'],
  [0x08, '7', '7', '&'],
  [0x09, '8', '8', '*'],
  [0x0a, '9', '9', '('],
  [0x0b, '0', '0', ')'],
  [0x0c, '-', '-', '_'],
  [0x0d, '=', '=', '+'],
  [0x0e, 'Backspace'],
  [0x0f, 'Tab', '\t'],
  ...[...'qwertyuiop'].map((c, i) => [0x10 + i, c, c, c.toUpperCase()] as const),
  [0x1a, '[', '[', '{'],
  [0x1b, ']', ']', '}'],
  [0x1c, 'Enter'],
  [0x1d, 'Ctrl'],
  ...[...'asdfghjkl'].map((c, i) => [0x1e + i, c, c, c.toUpperCase()] as const),
  [0x27, ';', ';', ':'],
  [0x28, "'", "'", '"'],
  [0x29, '`', '`', '~'],
  [0x2a, 'Shift'],
  [0x2b, '\\', '\\', '|'],
  ...[...'zxcvbnm'].map((c, i) => [0x2c + i, c, c, c.toUpperCase()] as const),
  [0x33, ',', ',', '<'],
  [0x34, '.', '.', '>'],
  [0x35, '/', '/', '?'],
  [0x36, 'RightShift'],
  [0x37, 'Keypad*'],
  [0x38, 'Alt'],
  [0x39, 'Space', ' '],
  [0x3a, 'CapsLock'],
  ...Array.from({ length: 10 }, (_, i) => [0x3b + i, `F${i + 1}`] as const),
  [0x45, 'NumLock'],
  [0x46, 'ScrollLock'],
  [0x47, 'Keypad7'],
  [0x48, 'Keypad8'],
  [0x49, 'Keypad9'],
  [0x4a, 'Keypad-'],
  [0x4b, 'Keypad4'],
  [0x4c, 'Keypad5'],
  [0x4d, 'Keypad6'],
  [0x4e, 'Keypad+'],
  [0x4f, 'Keypad1'],
  [0x50, 'Keypad2'],
  [0x51, 'Keypad3'],
  [0x52, 'Keypad0'],
  [0x53, 'Keypad.'],
  [0x57, 'F11'],
  [0x58, 'F12'],
];

const EXTENDED_KEYS: readonly (readonly [number, string])[] = [
  [0x1c, 'KeypadEnter'],
  [0x1d, 'RightCtrl'],
  [0x35, 'Keypad/'],
  [0x38, 'RightAlt'],
  [0x47, 'Home'],
  [0x48, 'Up'],
  [0x49, 'PageUp'],
  [0x4b, 'Left'],
  [0x4d, 'Right'],
  [0x4f, 'End'],
  [0x50, 'Down'],
  [0x51, 'PageDown'],
  [0x52, 'Insert'],
  [0x53, 'Delete'],
];

const MAIN_KEY_NAMES = new Map(MAIN_KEYS.map(([code, name]) => [code, name]));
const EXTENDED_KEY_NAMES = new Map(EXTENDED_KEYS.map(([code, name]) => [code, name]));
const KEYS_BY_NAME = new Map<string, Key>([
  ...MAIN_KEYS.map(([code, name]) => [name, { code, extended: false }] as const),
  ...EXTENDED_KEYS.map(([code, name]) => [name, { code, extended: true }] as const),
]);

/** The character each printable ASCII character is typed with: its key, and whether Shift is held. */
const CHARACTER_KEYS = new Map<string, { key: Key; shift: boolean }>();
for (const [code, , plain, shifted] of MAIN_KEYS) {
  if (plain !== undefined) CHARACTER_KEYS.set(plain, { key: { code, extended: false }, shift: false });
  if (shifted !== undefined) CHARACTER_KEYS.set(shifted, { key: { code, extended: false }, shift: true });
}

function key(name: string): Key {
  const k = KEYS_BY_NAME.get(name);
  if (!k) throw new Error(`scancodes: no key named ${name}`);
  return k;
}

const KEY_ENTER = key('Enter');
const KEY_TAB = key('Tab');
const KEY_BACKSPACE = key('Backspace');
const KEY_ESCAPE = key('Escape');
const KEY_SPACE = key('Space');
const KEY_CTRL = key('Ctrl');
const KEY_SHIFT = key('Shift');
const KEY_ALT = key('Alt');

/** Modifier keys held around a key, as xterm's modifier parameter encodes them (parameter = 1 + bits). */
const MODIFIER_SHIFT = 1;
const MODIFIER_ALT = 2;
const MODIFIER_CTRL = 4;

/** Control bytes whose key is not a letter: byte → key typed with Ctrl. */
const CONTROL_SYMBOL_KEYS = new Map<number, Key>([
  [0x00, KEY_SPACE],
  [0x1c, key('\\')],
  [0x1d, key(']')],
  [0x1e, key('6')],
  [0x1f, key('-')],
]);

/** Final byte of `ESC [ ... final` or `ESC O final` → key. */
const CURSOR_FINALS = new Map<string, Key>([
  ['A', key('Up')],
  ['B', key('Down')],
  ['C', key('Right')],
  ['D', key('Left')],
  ['H', key('Home')],
  ['F', key('End')],
  ['P', key('F1')],
  ['Q', key('F2')],
  ['R', key('F3')],
  ['S', key('F4')],
]);

/** `ESC [ n ~` → key, for xterm, rxvt and the Linux console. */
const TILDE_KEYS = new Map<number, Key>([
  [1, key('Home')],
  [2, key('Insert')],
  [3, key('Delete')],
  [4, key('End')],
  [5, key('PageUp')],
  [6, key('PageDown')],
  [7, key('Home')],
  [8, key('End')],
  [11, key('F1')],
  [12, key('F2')],
  [13, key('F3')],
  [14, key('F4')],
  [15, key('F5')],
  [17, key('F6')],
  [18, key('F7')],
  [19, key('F8')],
  [20, key('F9')],
  [21, key('F10')],
  [23, key('F11')],
  [24, key('F12')],
]);

/** The Linux console's `ESC [ [ A`..`E`. */
const LINUX_CONSOLE_FUNCTION_KEYS = new Map<string, Key>([
  ['A', key('F1')],
  ['B', key('F2')],
  ['C', key('F3')],
  ['D', key('F4')],
  ['E', key('F5')],
]);

function press(k: Key, out: number[]): void {
  if (k.extended) out.push(EXTENDED_PREFIX);
  out.push(k.code);
}

function release(k: Key, out: number[]): void {
  if (k.extended) out.push(EXTENDED_PREFIX);
  out.push(k.code | BREAK_BIT);
}

/** Press and release `k`, inside the make and break codes of the modifiers in `modifiers` (MODIFIER_* bits). */
function tap(k: Key, modifiers: number, out: number[]): void {
  const held: Key[] = [];
  if (modifiers & MODIFIER_CTRL) held.push(KEY_CTRL);
  if (modifiers & MODIFIER_ALT) held.push(KEY_ALT);
  if (modifiers & MODIFIER_SHIFT) held.push(KEY_SHIFT);
  for (const m of held) press(m, out);
  press(k, out);
  release(k, out);
  for (const m of held.reverse()) release(m, out);
}

const isCsiParameterOrIntermediate = (b: number): boolean => b >= 0x20 && b <= 0x3f;
const isCsiFinal = (b: number): boolean => b >= 0x40 && b <= 0x7e;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** Bytes that follow a UTF-8 lead byte, or -1 if `b` cannot start a character. */
function utf8ContinuationCount(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 1;
  if (b >= 0xe0 && b <= 0xef) return 2;
  if (b >= 0xf0 && b <= 0xf4) return 3;
  return -1;
}

/**
 * Turns terminal input into set-1 scan codes, one read at a time. Escape
 * sequences and UTF-8 characters split across reads are completed by the
 * next read. An ESC that ends a read stays pending (`hasPending`): it is
 * either the Escape key or the start of a sequence whose rest is on its
 * way. Call flush() once no more input came for LONE_ESCAPE_TIMEOUT_MS.
 */
export class ScancodeTranslator {
  /** Characters and sequences that produced no scan codes (non-ASCII characters, unknown escape sequences). */
  unmapped = 0;
  /** The bytes of an escape sequence not yet complete, from its ESC. */
  private sequence: number[] = [];
  /** Continuation bytes still expected of a skipped UTF-8 character. */
  private utf8Remaining = 0;

  /** Whether an escape sequence (or a lone ESC) is waiting for more input or a flush(). */
  get hasPending(): boolean {
    return this.sequence.length > 0;
  }

  /** Scan codes (make and break) for `input`: raw bytes as read, or text (encoded as UTF-8). */
  translate(input: Uint8Array | string): number[] {
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    const out: number[] = [];
    for (const b of bytes) this.feed(b, out);
    return out;
  }

  /**
   * Ends a pending sequence as keys typed on their own: a lone ESC is the
   * Escape key, ESC [ is Alt+[, ESC O is Alt+Shift+o. A longer incomplete
   * sequence is dropped and counted in `unmapped`. Returns [] when nothing
   * was pending.
   */
  flush(): number[] {
    const pending = this.sequence;
    this.sequence = [];
    const out: number[] = [];
    if (pending.length === 1) tap(KEY_ESCAPE, 0, out);
    else if (pending.length === 2) this.typeByte(pending[1]!, MODIFIER_ALT, out);
    else if (pending.length > 2) this.unmapped++;
    return out;
  }

  private feed(b: number, out: number[]): void {
    if (this.utf8Remaining > 0) {
      if (b >= 0x80 && b <= 0xbf) {
        this.utf8Remaining--;
        return;
      }
      this.utf8Remaining = 0; // a malformed character: read `b` afresh
    }
    if (this.sequence.length > 0) {
      this.continueSequence(b, out);
      return;
    }
    if (b === ESC) {
      this.sequence.push(b);
      return;
    }
    if (b < 0x80) {
      this.typeByte(b, 0, out);
      return;
    }
    this.unmapped++;
    this.utf8Remaining = Math.max(0, utf8ContinuationCount(b));
  }

  /** Adds `b` to the pending sequence and, if that completes it, types it. */
  private continueSequence(b: number, out: number[]): void {
    const seq = this.sequence;
    if (seq.length === 1) {
      if (b === CSI_INTRODUCER || b === SS3_INTRODUCER) {
        seq.push(b);
        return;
      }
      this.sequence = [];
      if (b === ESC) {
        // ESC ESC: the first was the Escape key; the second may start a sequence.
        tap(KEY_ESCAPE, 0, out);
        this.sequence = [ESC];
      } else if (b < 0x80) {
        this.typeByte(b, MODIFIER_ALT, out);
      } else {
        tap(KEY_ESCAPE, 0, out);
        this.feed(b, out);
      }
      return;
    }
    const introducer = seq[1];
    const body = seq.length - 2;
    const isLinuxConsoleKey = introducer === CSI_INTRODUCER && body >= 1 && seq[2] === CSI_INTRODUCER;
    if (isLinuxConsoleKey) {
      this.sequence = [];
      this.typeKey(LINUX_CONSOLE_FUNCTION_KEYS.get(String.fromCharCode(b)), 0, out);
      return;
    }
    const accepts =
      introducer === CSI_INTRODUCER
        ? isCsiParameterOrIntermediate(b) || (body === 0 && b === CSI_INTRODUCER)
        : isDigit(b) || b === PARAMETER_SEPARATOR;
    if (accepts) {
      if (seq.length < MAX_SEQUENCE_BYTES) {
        seq.push(b);
      } else {
        this.sequence = []; // too long to be a key: drop it
        this.unmapped++;
      }
      return;
    }
    this.sequence = [];
    if (isCsiFinal(b)) {
      this.finishSequence(introducer!, seq.slice(2), b, out);
    } else {
      // Cut off by a byte no sequence contains: drop it, read `b` afresh.
      this.unmapped++;
      this.feed(b, out);
    }
  }

  /** Types the key of a complete `ESC [ params final` or `ESC O params final`. */
  private finishSequence(introducer: number, parameterBytes: number[], final: number, out: number[]): void {
    const text = String.fromCharCode(...parameterBytes);
    if (!/^[0-9;]*$/.test(text)) {
      this.unmapped++; // private parameters or intermediates: not a key
      return;
    }
    const parameters = text === '' ? [] : text.split(';').map((p) => (p === '' ? 1 : Number(p)));
    const finalChar = String.fromCharCode(final);
    if (introducer === SS3_INTRODUCER) {
      const modifiers = this.modifiersOf(parameters[0]);
      if (finalChar === 'M') this.typeKey(KEY_ENTER, modifiers, out);
      else this.typeKey(CURSOR_FINALS.get(finalChar), modifiers, out);
      return;
    }
    const modifiers = this.modifiersOf(parameters[1]);
    if (finalChar === '~') this.typeKey(TILDE_KEYS.get(parameters[0] ?? 0), modifiers, out);
    else if (finalChar === 'Z') this.typeKey(KEY_TAB, MODIFIER_SHIFT | modifiers, out);
    else this.typeKey(CURSOR_FINALS.get(finalChar), modifiers, out);
  }

  /** MODIFIER_* bits of an xterm modifier parameter (1 + bits; absent = none). */
  private modifiersOf(parameter: number | undefined): number {
    if (parameter === undefined || parameter < 1) return 0;
    return (parameter - 1) & (MODIFIER_SHIFT | MODIFIER_ALT | MODIFIER_CTRL);
  }

  private typeKey(k: Key | undefined, modifiers: number, out: number[]): void {
    if (k) tap(k, modifiers, out);
    else this.unmapped++;
  }

  /** Types one ASCII byte (not a sequence) with `modifiers` held. */
  private typeByte(b: number, modifiers: number, out: number[]): void {
    if (b === 0x0d || b === 0x0a) return tap(KEY_ENTER, modifiers, out);
    if (b === 0x09) return tap(KEY_TAB, modifiers, out);
    if (b === 0x08 || b === 0x7f) return tap(KEY_BACKSPACE, modifiers, out);
    if (b === ESC) return tap(KEY_ESCAPE, modifiers, out);
    if (b >= 0x01 && b <= 0x1a) return tap(key(String.fromCharCode(b + 0x60)), modifiers | MODIFIER_CTRL, out);
    const symbol = CONTROL_SYMBOL_KEYS.get(b);
    if (symbol) return tap(symbol, modifiers | MODIFIER_CTRL, out);
    const typed = CHARACTER_KEYS.get(String.fromCharCode(b));
    if (typed) return tap(typed.key, modifiers | (typed.shift ? MODIFIER_SHIFT : 0), out);
    this.unmapped++;
  }
}

/** The scan codes of typing `text` (a complete input: a trailing ESC is the Escape key). */
export function scancodesFor(text: string): number[] {
  const translator = new ScancodeTranslator();
  return [...translator.translate(text), ...translator.flush()];
}

/**
 * The name of the key with make code `code` ('a', 'Shift', 'Enter', 'F1';
 * with `extended`, 'Up', 'Delete', 'RightCtrl', ...). A break code names
 * the same key. Undefined for a code no key has.
 */
export function keyNameOf(code: number, extended = false): string | undefined {
  const make = code & ~BREAK_BIT;
  return (extended ? EXTENDED_KEY_NAMES : MAIN_KEY_NAMES).get(make);
}

/** One key event in a scan code stream. */
export interface KeyEvent {
  /** keyNameOf the key; `unknown 0x..` (or `unknown E0 0x..`) for a code no key has. */
  key: string;
  /** Make code (true) or break code (false). */
  pressed: boolean;
}

/**
 * Decodes a stream of set-1 scan codes into key events: E0-prefixed codes
 * are extended keys, E1 starts the six-byte Pause sequence (one press). A
 * trailing lone prefix is reported as `unknown E0` / `unknown E1`.
 */
export function decodeScancodeEvents(codes: ArrayLike<number>): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (let i = 0; i < codes.length; i++) {
    const b = codes[i]!;
    if (b === PAUSE_PREFIX) {
      if (i + PAUSE_SEQUENCE_BYTES <= codes.length) events.push({ key: 'Pause', pressed: true });
      else events.push({ key: 'unknown E1', pressed: true });
      i += PAUSE_SEQUENCE_BYTES - 1;
      continue;
    }
    const extended = b === EXTENDED_PREFIX;
    if (extended && i + 1 >= codes.length) {
      events.push({ key: 'unknown E0', pressed: true });
      break;
    }
    const code = extended ? codes[++i]! : b;
    const name = keyNameOf(code, extended);
    const hex = `0x${(code & ~BREAK_BIT).toString(16).padStart(2, '0')}`;
    events.push({ key: name ?? `unknown ${extended ? 'E0 ' : ''}${hex}`, pressed: (code & BREAK_BIT) === 0 });
  }
  return events;
}

/** The names of the keys pressed in a stream of set-1 scan codes, in order (breaks left out): `[0x2a, 0x1e, 0x9e, 0xaa]` is `['Shift', 'a']`. */
export function decodeScancodes(codes: ArrayLike<number>): string[] {
  return decodeScancodeEvents(codes)
    .filter((e) => e.pressed)
    .map((e) => e.key);
}
