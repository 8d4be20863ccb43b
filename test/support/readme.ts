/**
 * README.md's code blocks, for the tests that run them (package/readme.test.ts,
 * package/runtimes.test.ts): finding the js and ts blocks and the
 * `<!-- readme-test: ... -->` comment before each, reading a block's
 * `// <file>  ->  <command>  ->  <output>` header, and writing a block as
 * a file to run (a ts block compiled).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface Block {
  line: number;
  lang: 'js' | 'ts';
  code: string;
  directive: string | undefined;
}

export function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(js|ts)\s*$/.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.startsWith('```')) i = lines.indexOf('```', i + 1); // another language: skip it whole
      continue;
    }
    const end = lines.indexOf('```', i + 1);
    const before = lines[i - 1] ?? '';
    const directive = /^<!-- readme-test: (.*) -->$/.exec(before)?.[1];
    blocks.push({ line: i + 1, lang: open[1] as 'js' | 'ts', code: lines.slice(i + 1, end).join('\n'), directive });
    i = end;
  }
  return blocks;
}

/** `// file  ->  command  ->  output` or `// file` (also `// file: command`) on a block's first line. */
export function headerOf(block: Block): { file: string; output?: string } | undefined {
  const first = block.code.split('\n')[0]!;
  const match = /^\/\/ ([\w.-]+\.(?:mjs|js|ts))(?::.*|\s+->\s+.*?(?:\s+->\s+(.*))?)?$/.exec(first);
  if (!match) return undefined;
  return { file: match[1]!, output: match[2] };
}

export function compile(code: string): string {
  return ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

/** Writes `code` as `name` in `dir` (a .ts file as the .js or .mjs it compiles to); returns the path to run. */
export function write(dir: string, name: string, code: string): string {
  const target = name.endsWith('.ts') ? name.replace(/\.ts$/, '.mjs') : name;
  const js = name.endsWith('.ts') ? compile(code) : code;
  // A compiled math.ts is run as math.js in the README: both names work.
  writeFileSync(join(dir, target), js);
  if (target !== name && name.endsWith('.ts')) writeFileSync(join(dir, name.replace(/\.ts$/, '.js')), js);
  return join(dir, target);
}

