#!/usr/bin/env node
// Generates, from the syscall table (src/syscalls/table.ts, compiled: run
// `npm run build` first) and the constants of src/core:
// - the syscall tables and the errno values of README.md and docs/README.md,
//   between their `<!-- syscalls:...:begin -->` / `<!-- errno:...:begin -->`
//   and `:end -->` markers;
// - the C header include/kipc.h.
// `node scripts/gen-syscalls.mjs` (npm run gen:syscalls) writes them;
// `--check` only reports the files that are out of date and exits 1 if any
// is. test/syscalls/generated.test.ts calls generate() the same way.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The compiled modules the outputs are made from. */
async function load(root) {
  const dist = (path) => import(pathToFileURL(join(root, 'dist/src', path)).href);
  const [table, numbers, errno, errors, layout, handleOps, pipe] = await Promise.all([
    dist('syscalls/table.js'),
    dist('syscalls/numbers.js'),
    dist('core/errno.js'),
    dist('api/errors.js'),
    dist('core/layout.js'),
    dist('ops/handle-ops.js'),
    dist('objects/keyboard-pipe/keyboard-pipe.js'),
  ]);
  return { table, numbers, errno, errors, layout, handleOps, pipe };
}

const PERSONALITIES = ['strat9', 'rou2exos', 'page'];

/** The syscalls of one personality, in table order, with their names. */
function syscallsOf(table, personality) {
  return Object.entries(table.SYSCALLS)
    .filter(([, s]) => s.personality === personality)
    .map(([name, s]) => ({ name, ...s }));
}

/** rou2exOS numbers are written in hex, as rou2exOS does. */
function nrText(s) {
  return s.personality === 'rou2exos' ? `0x${s.nr.toString(16).padStart(2, '0')}` : String(s.nr);
}

/** One argument: `name`, `?` when optional, `(0)` when reserved; `note` in parentheses with `withNotes`. */
function argText(a, withNotes) {
  let text = a.name + (a.optional ? '?' : '');
  if (a.kind === 'reserved') text += ' (0)';
  if (withNotes && a.note !== undefined) text += ` (${a.note})`;
  return text;
}

function row(cells) {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
}

function markdownTable(header, rows) {
  return [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');
}

/** The syscall index tables: `readme` for README.md, else docs/README.md. */
function syscallTable(m, personality, readme) {
  const names = m.errno.ERRNO_NAMES;
  const rows = syscallsOf(m.table, personality).map((s) => {
    const link = `[${s.name}](${readme ? 'docs/' : ''}syscalls/${s.name.toLowerCase()}.md)`;
    const args = s.args.map((a) => argText(a, !readme)).join(', ');
    return readme
      ? [nrText(s), link, args, s.returns, s.errnos.map((e) => names[e]).join(' ')]
      : [nrText(s), link, args, s.brief, s.needs];
  });
  return markdownTable(readme ? ['nr', 'name', 'args', 'returns', 'errors'] : ['nr', 'name', 'arguments', 'returns', 'needs'], rows);
}

/** Words wrapped at 75 columns. */
function wrap(text) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 75) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

function errnoEntries(m) {
  return Object.entries(m.errno.ERRNO_NAMES).map(([value, name]) => ({ value: Number(value), name }));
}

function errnoParagraph(m) {
  return wrap(`**Errno values**: ${errnoEntries(m).map((e) => `${e.name} ${e.value}`).join(', ')}.`);
}

function errnoTable(m) {
  const rows = errnoEntries(m).map((e) => {
    const meaning = m.table.ERRNO_MEANINGS[e.value];
    if (meaning === undefined) throw new Error(`no meaning for ${e.name} in ERRNO_MEANINGS (src/syscalls/table.ts)`);
    return [e.name, String(e.value), meaning, `\`${m.errors.errorFor(e.value, 'gen').name}\``];
  });
  return markdownTable(['errno', 'value', 'meaning', 'class'], rows);
}

/** The generated blocks of each markdown file, by marker key. */
function markdownBlocks(m) {
  return {
    'README.md': {
      'syscalls:strat9': syscallTable(m, 'strat9', true),
      'syscalls:rou2exos': syscallTable(m, 'rou2exos', true),
      'syscalls:page': syscallTable(m, 'page', true),
      'errno:values': errnoParagraph(m),
    },
    'docs/README.md': {
      'syscalls:strat9': syscallTable(m, 'strat9', false),
      'syscalls:rou2exos': syscallTable(m, 'rou2exos', false),
      'syscalls:page': syscallTable(m, 'page', false),
      'errno:table': errnoTable(m),
    },
  };
}

const GENERATED = 'generated from src/syscalls/table.ts by `npm run gen:syscalls`';

/** `text` with each block between its markers replaced. */
function replaceBlocks(path, text, blocks) {
  let out = text;
  for (const [key, body] of Object.entries(blocks)) {
    const re = new RegExp(`<!-- ${key}:begin[^>]*-->\\n[\\s\\S]*?<!-- ${key}:end -->`);
    if (!re.test(out)) throw new Error(`${path}: no <!-- ${key}:begin --> ... <!-- ${key}:end --> markers`);
    out = out.replace(re, () => `<!-- ${key}:begin: ${GENERATED} -->\n${body}\n<!-- ${key}:end -->`);
  }
  return out;
}

function define(name, value, comment) {
  const line = `#define ${name} ${value}`;
  return comment === undefined ? line : `${line.padEnd(44)} /* ${comment} */`;
}

/** `#define KIPC_<to><name>` as `source[<from><name>]`, for each name. */
function defines(source, from, to, names) {
  return names.map((name) => {
    const value = source[`${from}${name}`];
    if (typeof value !== 'number') throw new Error(`no constant ${from}${name}`);
    return define(`KIPC_${to}${name}`, value);
  });
}

function hex(n) {
  return `0x${n.toString(16)}`;
}

/** include/kipc.h. */
function header(m) {
  const L = m.layout;
  const out = [];
  const section = (title, lines) => out.push('', `/* ${title} */`, ...lines);
  out.push(
    '/*',
    ' * kipc.h: the kipc syscall ABI for C programs (e.g. compiled to wasm and run',
    ' * by a task with task.useMemory(memory)): syscall numbers, errnos, the',
    ' * 64-byte message and the constants of its fields and of the syscalls.',
    ' * A syscall returns a value >= 0, or -errno; pointers are byte offsets into',
    " * the task's user memory; every value is little-endian.",
    ' *',
    ` * Generated from src/syscalls/table.ts and src/core by scripts/gen-syscalls.mjs`,
    ' * (`npm run gen:syscalls`): do not edit.',
    ' */',
    '#ifndef KIPC_H',
    '#define KIPC_H',
    '',
    '#include <stddef.h>',
    '#include <stdint.h>',
  );
  section('Personalities, chosen at spawn.', [
    define('KIPC_PERSONALITY_STRAT9', m.numbers.PERSONALITY_STRAT9),
    define('KIPC_PERSONALITY_ROU2EXOS', m.numbers.PERSONALITY_ROU2EXOS),
  ]);
  const titles = {
    strat9: 'Syscalls of the Strat9 personality (the default): arguments in order, ? optional.',
    rou2exos: 'Syscalls of the rou2exOS personality.',
    page: 'Page IPC syscalls, spoken by tasks of every personality.',
  };
  for (const p of PERSONALITIES) {
    section(
      titles[p],
      syscallsOf(m.table, p).map((s) => define(`KIPC_SYS_${s.name}`, p === 'rou2exos' ? nrText(s) : s.nr, `(${s.args.map((a) => argText(a, false)).join(', ')})`)),
    );
  }
  section(
    'Errno values: a failed syscall returns -errno.',
    errnoEntries(m).map((e) => define(`KIPC_${e.name}`, e.value)),
  );
  section('Handle rights.', [...defines(L, 'RIGHT_', 'RIGHT_', ['READ', 'WRITE', 'EXECUTE', 'GRANT', 'REVOKE']), define('KIPC_RIGHTS_ALL', L.RIGHTS_ALL)]);
  section('HANDLE_WAIT events.', defines(L, 'EVENT_', 'EVENT_', ['READABLE', 'WRITABLE']));
  section("Object types (HANDLE_INFO's type).", defines(L, 'OBJ_', 'OBJ_', ['PORT', 'CHANNEL', 'RING', 'SEMAPHORE', 'MAILBOX']));
  section('The message of IPC_SEND, IPC_RECV, IPC_CALL, IPC_REPLY and the channel syscalls.', [
    define('KIPC_MESSAGE_BYTES', L.MESSAGE_BYTES),
    define('KIPC_MSG_PAYLOAD_BYTES', L.MSG_PAYLOAD_BYTES),
    define('KIPC_MSG_TYPE_REPLY', hex(L.MSG_TYPE_REPLY), 'a reply carrying a status; the errno as u32 at payload[0..4]'),
    define('KIPC_MSG_TYPE_BOOTSTRAP', hex(L.MSG_TYPE_BOOTSTRAP)),
    '',
    'struct kipc_message {',
    '  uint64_t sender;   /* set by the kernel: pid in the low word, call token in the high word */',
    '  uint32_t msg_type;',
    '  uint32_t flags;    /* a handle to transfer (needs grant), or 0 */',
    `  uint8_t payload[${L.MSG_PAYLOAD_BYTES}];`,
    '};',
    `_Static_assert(sizeof(struct kipc_message) == ${L.MESSAGE_BYTES}, "the message is ${L.MESSAGE_BYTES} bytes");`,
    `_Static_assert(offsetof(struct kipc_message, sender) == ${L.MSG_SENDER}, "sender");`,
    `_Static_assert(offsetof(struct kipc_message, msg_type) == ${L.MSG_TYPE}, "msg_type");`,
    `_Static_assert(offsetof(struct kipc_message, flags) == ${L.MSG_FLAGS}, "flags");`,
    `_Static_assert(offsetof(struct kipc_message, payload) == ${L.MSG_PAYLOAD}, "payload");`,
  ]);
  section('What HANDLE_INFO writes at out_ptr.', [
    'struct kipc_handle_info {',
    '  uint32_t type;     /* KIPC_OBJ_* */',
    '  uint32_t rights;   /* KIPC_RIGHT_* */',
    '  uint64_t object_id;',
    '};',
    `_Static_assert(sizeof(struct kipc_handle_info) == ${m.handleOps.HANDLE_INFO_BYTES}, "the handle info is ${m.handleOps.HANDLE_INFO_BYTES} bytes");`,
  ]);
  section(
    'PAGE_SEND flags: KEEP the sender keeps its access (share), RECEIVER_WRITES receivers may write, DUPLICATE each receiver gets a copy; the target in bits 3-4.',
    defines(L, 'SEND_', 'PAGE_SEND_', ['KEEP', 'RECEIVER_WRITES', 'DUPLICATE', 'TARGET_SHIFT', 'TARGET_PID', 'TARGET_SELF', 'TARGET_ALL', 'TARGET_OTHERS']),
  );
  section("PIPE's op.", defines(m.pipe, 'PIPE_', 'PIPE_', ['SUBSCRIBE', 'UNSUBSCRIBE', 'READ']));
  out.push('', '#endif /* KIPC_H */', '');
  return out.join('\n');
}

/**
 * Every generated file as it should be: path (relative to `root`) → text.
 * README.md and docs/README.md are read from `root` and their marked
 * blocks replaced.
 */
export async function generate(root = ROOT) {
  const m = await load(root);
  const files = new Map();
  for (const [path, blocks] of Object.entries(markdownBlocks(m))) {
    files.set(path, replaceBlocks(path, readFileSync(join(root, path), 'utf8'), blocks));
  }
  files.set('include/kipc.h', header(m));
  return files;
}

/** A file's text, or undefined when there is none. */
function readIfAny(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The generated files whose text on disk differs. */
export async function outOfDate(root = ROOT) {
  const stale = [];
  for (const [path, text] of await generate(root)) if (readIfAny(join(root, path)) !== text) stale.push(path);
  return stale;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  if (process.argv.includes('--check')) {
    const stale = await outOfDate();
    for (const path of stale) console.error(`${path} is out of date: run npm run gen:syscalls`);
    process.exit(stale.length === 0 ? 0 : 1);
  }
  for (const [path, text] of await generate()) {
    const file = join(ROOT, path);
    if (readIfAny(file) === text) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${path}`);
  }
}
