/**
 * Terminal bytes to PS/2 set-1 scan codes: known make/break codes for
 * letters, digits, US punctuation (with Left Shift around shifted
 * characters), Ctrl+letter, Enter, Backspace, Tab, Space, Escape, arrows,
 * editing keys and F1–F12 from their xterm / rxvt / Linux console
 * sequences, xterm modifier parameters, Alt via an ESC prefix, sequences
 * and UTF-8 characters split across reads, flush() of a lone ESC,
 * unmapped input counted, and the decoder's key names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScancodeTranslator,
  decodeScancodeEvents,
  decodeScancodes,
  keyNameOf,
  scancodesFor,
} from '../../src/devices/scancodes.js';

const LSHIFT = 0x2a;
const LSHIFT_BREAK = 0xaa;
const CTRL = 0x1d;
const CTRL_BREAK = 0x9d;
const ALT = 0x38;
const ALT_BREAK = 0xb8;

const tap = (make: number): number[] => [make, make | 0x80];
const tapExtended = (make: number): number[] => [0xe0, make, 0xe0, make | 0x80];
const shifted = (make: number): number[] => [LSHIFT, ...tap(make), LSHIFT_BREAK];
const ctrl = (codes: number[]): number[] => [CTRL, ...codes, CTRL_BREAK];

test('letters: lower case alone, upper case inside Left Shift', () => {
  assert.deepEqual(scancodesFor('a'), [0x1e, 0x9e]);
  assert.deepEqual(scancodesFor('A'), [0x2a, 0x1e, 0x9e, 0xaa]);
  assert.deepEqual(scancodesFor('q'), tap(0x10));
  assert.deepEqual(scancodesFor('p'), tap(0x19));
  assert.deepEqual(scancodesFor('l'), tap(0x26));
  assert.deepEqual(scancodesFor('z'), tap(0x2c));
  assert.deepEqual(scancodesFor('M'), shifted(0x32));
  assert.deepEqual(scancodesFor('hi'), [...tap(0x23), ...tap(0x17)]);
});

test('digits and US punctuation, shifted and not', () => {
  const expected: [string, number[]][] = [
    ['1', tap(0x02)], ['9', tap(0x0a)], ['0', tap(0x0b)],
    ['!', shifted(0x02)], ['@', shifted(0x03)], ['#', shifted(0x04)], ['$', shifted(0x05)], ['%', shifted(0x06)],
    ['^', shifted(0x07)], ['&', shifted(0x08)], ['*', shifted(0x09)], ['(', shifted(0x0a)], [')', shifted(0x0b)],
    ['-', tap(0x0c)], ['_', shifted(0x0c)], ['=', tap(0x0d)], ['+', shifted(0x0d)],
    ['[', tap(0x1a)], ['{', shifted(0x1a)], [']', tap(0x1b)], ['}', shifted(0x1b)],
    [';', tap(0x27)], [':', shifted(0x27)], ["'", tap(0x28)], ['"', shifted(0x28)],
    ['`', tap(0x29)], ['~', shifted(0x29)], ['\\', tap(0x2b)], ['|', shifted(0x2b)],
    [',', tap(0x33)], ['<', shifted(0x33)], ['.', tap(0x34)], ['>', shifted(0x34)], ['/', tap(0x35)], ['?', shifted(0x35)],
    [' ', tap(0x39)],
  ];
  for (const [text, codes] of expected) assert.deepEqual(scancodesFor(text), codes, JSON.stringify(text));
});

test('Enter, Backspace, Tab, Ctrl+letter and other control bytes', () => {
  assert.deepEqual(scancodesFor('\r'), [0x1c, 0x9c]);
  assert.deepEqual(scancodesFor('\n'), [0x1c, 0x9c]);
  assert.deepEqual(scancodesFor('\x7f'), [0x0e, 0x8e]);
  assert.deepEqual(scancodesFor('\b'), [0x0e, 0x8e]);
  assert.deepEqual(scancodesFor('\t'), [0x0f, 0x8f]);
  assert.deepEqual(scancodesFor('\x03'), [0x1d, 0x2e, 0xae, 0x9d], 'Ctrl+C');
  assert.deepEqual(scancodesFor('\x01'), ctrl(tap(0x1e)), 'Ctrl+A');
  assert.deepEqual(scancodesFor('\x1a'), ctrl(tap(0x2c)), 'Ctrl+Z');
  assert.deepEqual(scancodesFor('\x00'), ctrl(tap(0x39)), 'Ctrl+Space');
  assert.deepEqual(scancodesFor('\x1c'), ctrl(tap(0x2b)), 'Ctrl+\\');
  assert.deepEqual(scancodesFor('\x1f'), ctrl(tap(0x0c)), 'Ctrl+-');
});

test('arrows from CSI and SS3, E0-prefixed make and break', () => {
  assert.deepEqual(scancodesFor('\x1b[A'), [0xe0, 0x48, 0xe0, 0xc8], 'Up');
  assert.deepEqual(scancodesFor('\x1bOA'), [0xe0, 0x48, 0xe0, 0xc8], 'Up (application mode)');
  assert.deepEqual(scancodesFor('\x1b[B'), tapExtended(0x50), 'Down');
  assert.deepEqual(scancodesFor('\x1b[C'), tapExtended(0x4d), 'Right');
  assert.deepEqual(scancodesFor('\x1bOD'), tapExtended(0x4b), 'Left');
});

test('editing keys from their usual sequences', () => {
  const expected: [string, number][] = [
    ['\x1b[H', 0x47], ['\x1bOH', 0x47], ['\x1b[1~', 0x47], ['\x1b[7~', 0x47],
    ['\x1b[F', 0x4f], ['\x1bOF', 0x4f], ['\x1b[4~', 0x4f], ['\x1b[8~', 0x4f],
    ['\x1b[2~', 0x52], ['\x1b[3~', 0x53], ['\x1b[5~', 0x49], ['\x1b[6~', 0x51],
  ];
  for (const [sequence, make] of expected) assert.deepEqual(scancodesFor(sequence), tapExtended(make), JSON.stringify(sequence));
});

test('F1–F12 from xterm, rxvt and Linux console sequences', () => {
  const expected: [string, number][] = [
    ['\x1bOP', 0x3b], ['\x1bOQ', 0x3c], ['\x1bOR', 0x3d], ['\x1bOS', 0x3e],
    ['\x1b[11~', 0x3b], ['\x1b[12~', 0x3c], ['\x1b[13~', 0x3d], ['\x1b[14~', 0x3e],
    ['\x1b[15~', 0x3f], ['\x1b[17~', 0x40], ['\x1b[18~', 0x41], ['\x1b[19~', 0x42],
    ['\x1b[20~', 0x43], ['\x1b[21~', 0x44], ['\x1b[23~', 0x57], ['\x1b[24~', 0x58],
    ['\x1b[[A', 0x3b], ['\x1b[[E', 0x3f],
  ];
  for (const [sequence, make] of expected) assert.deepEqual(scancodesFor(sequence), tap(make), JSON.stringify(sequence));
});

test('xterm modifier parameters, Shift+Tab, Alt via ESC prefix, keypad Enter', () => {
  assert.deepEqual(scancodesFor('\x1b[1;5A'), ctrl(tapExtended(0x48)), 'Ctrl+Up');
  assert.deepEqual(scancodesFor('\x1b[1;2D'), [LSHIFT, ...tapExtended(0x4b), LSHIFT_BREAK], 'Shift+Left');
  assert.deepEqual(scancodesFor('\x1b[3;3~'), [ALT, ...tapExtended(0x53), ALT_BREAK], 'Alt+Delete');
  assert.deepEqual(scancodesFor('\x1b[1;6P'), [CTRL, LSHIFT, ...tap(0x3b), LSHIFT_BREAK, CTRL_BREAK], 'Ctrl+Shift+F1');
  assert.deepEqual(scancodesFor('\x1b[Z'), shifted(0x0f), 'Shift+Tab');
  assert.deepEqual(scancodesFor('\x1bx'), [ALT, ...tap(0x2d), ALT_BREAK], 'Alt+x');
  assert.deepEqual(scancodesFor('\x1bX'), [ALT, ...shifted(0x2d), ALT_BREAK], 'Alt+Shift+x');
  assert.deepEqual(scancodesFor('\x1b\x7f'), [ALT, ...tap(0x0e), ALT_BREAK], 'Alt+Backspace');
  assert.deepEqual(scancodesFor('\x1bOM'), tap(0x1c), 'keypad Enter in application mode');
});

test('a lone ESC waits for flush(); ESC ESC is Escape then a new sequence', () => {
  const t = new ScancodeTranslator();
  assert.deepEqual(t.translate('\x1b'), []);
  assert.equal(t.hasPending, true);
  assert.deepEqual(t.flush(), [0x01, 0x81]);
  assert.equal(t.hasPending, false);
  assert.deepEqual(t.flush(), [], 'nothing pending');
  assert.deepEqual(t.translate('\x1b\x1b[A'), [...tap(0x01), ...tapExtended(0x48)]);
  assert.deepEqual(scancodesFor('ab\x1b'), [...tap(0x1e), ...tap(0x30), ...tap(0x01)], 'scancodesFor flushes');
  assert.deepEqual(t.translate('\x1b['), []);
  assert.deepEqual(t.flush(), [ALT, ...tap(0x1a), ALT_BREAK], 'ESC [ alone is Alt+[');
});

test('escape sequences split across reads are completed by the next read', () => {
  const t = new ScancodeTranslator();
  assert.deepEqual(t.translate('x\x1b'), tap(0x2d));
  assert.deepEqual(t.translate('['), []);
  assert.deepEqual(t.translate('A'), [0xe0, 0x48, 0xe0, 0xc8]);
  const bytes = new TextEncoder().encode('\x1b[1;5C\x1b[24~\x1bOB');
  const expected = [...ctrl(tapExtended(0x4d)), ...tap(0x58), ...tapExtended(0x50)];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const split = new ScancodeTranslator();
    const got = [...split.translate(bytes.subarray(0, cut)), ...split.translate(bytes.subarray(cut))];
    assert.deepEqual(got, expected, `split at ${cut}`);
  }
  const oneByOne = new ScancodeTranslator();
  assert.deepEqual(Array.from(bytes).flatMap((b) => oneByOne.translate(Uint8Array.of(b))), expected, 'one byte per read');
  assert.equal(oneByOne.unmapped, 0);
});

test('non-ASCII characters and unknown sequences are skipped and counted', () => {
  const t = new ScancodeTranslator();
  assert.deepEqual(t.translate('é€😀a'), tap(0x1e));
  assert.equal(t.unmapped, 3);
  const euro = new TextEncoder().encode('€b');
  assert.deepEqual(t.translate(euro.subarray(0, 1)), []);
  assert.deepEqual(t.translate(euro.subarray(1, 2)), []);
  assert.deepEqual(t.translate(euro.subarray(2)), tap(0x30), 'a UTF-8 character split across reads is skipped whole');
  assert.equal(t.unmapped, 4);
  assert.deepEqual(t.translate('\x1b[99~c'), tap(0x2e), 'unknown key number');
  assert.deepEqual(t.translate('\x1b[?1;2cd'), tap(0x20), 'a private-parameter report is not a key');
  assert.deepEqual(t.translate('\x1bOzd'), tap(0x20), 'unknown SS3 final');
  assert.equal(t.unmapped, 7);
  assert.deepEqual(t.translate('\x1b[1\x7f'), tap(0x0e), 'a sequence cut by a control byte is dropped; the byte is read afresh');
  assert.equal(t.unmapped, 8);
});

test('every printable ASCII character: balanced make/break, decodes back to its key', () => {
  for (let c = 0x20; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    const codes = scancodesFor(ch);
    const events = decodeScancodeEvents(codes);
    const held: string[] = [];
    for (const e of events) {
      if (e.pressed) held.push(e.key);
      else assert.equal(held.pop(), e.key, `${JSON.stringify(ch)}: releases in reverse order of presses`);
    }
    assert.equal(held.length, 0, `${JSON.stringify(ch)}: everything released`);
    const names = decodeScancodes(codes);
    const key = names[names.length - 1]!;
    const isShifted = names.length === 2;
    if (isShifted) assert.equal(names[0], 'Shift');
    if (/[a-z]/i.test(ch)) assert.equal(key, ch.toLowerCase());
    if (ch === ' ') assert.equal(key, 'Space');
    assert.equal(isShifted, /[A-Z~!@#$%^&*()_+{}|:"<>?]/.test(ch), `${JSON.stringify(ch)} shifted`);
  }
});

test('decoder and key names', () => {
  assert.deepEqual(decodeScancodes(scancodesFor('Hi!\r')), ['Shift', 'h', 'i', 'Shift', '1', 'Enter']);
  assert.deepEqual(decodeScancodeEvents([0xe0, 0x48, 0xe0, 0xc8]), [
    { key: 'Up', pressed: true },
    { key: 'Up', pressed: false },
  ]);
  assert.deepEqual(decodeScancodes(scancodesFor('\x03\x1b[6~\x1b[24~')), ['Ctrl', 'c', 'PageDown', 'F12']);
  assert.deepEqual(decodeScancodes([0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x1e]), ['Pause', 'a']);
  assert.deepEqual(decodeScancodes([0x7e, 0xe0, 0x01, 0xe0]), ['unknown 0x7e', 'unknown E0 0x01', 'unknown E0']);
  assert.equal(keyNameOf(0x1e), 'a');
  assert.equal(keyNameOf(0x9e), 'a', 'a break code names its key');
  assert.equal(keyNameOf(0x48, true), 'Up');
  assert.equal(keyNameOf(0x48), 'Keypad8');
  assert.equal(keyNameOf(0x1c), 'Enter');
  assert.equal(keyNameOf(0x1d, true), 'RightCtrl');
  assert.equal(keyNameOf(0x01), 'Escape');
  assert.equal(keyNameOf(0x58), 'F12');
  assert.equal(keyNameOf(0x7f), undefined);
});
