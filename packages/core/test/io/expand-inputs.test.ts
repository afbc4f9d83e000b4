import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/io/expand-inputs.js';
import { makeTempDir, readAll } from './read-all.js';

const temp = makeTempDir('expand-inputs');
const root = join(temp.dir, 'logs');
afterAll(temp.remove);

beforeAll(() => {
  const files = [
    'a.json',
    'b.jsonl.gz',
    'B.NDJSON',
    'c.log',
    'notes.txt',
    'archive.json.bak',
    '.hidden.json',
    '.git/config.json',
    'sub/x.json',
    'sub/deeper/y.jsonl',
    'sub/deeper/z.txt',
    'a-sibling/w.ndjson.gz',
    'empty/.keep',
  ];
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '{"a":1}\n');
  }
  // Symlinked folders are not walked (a link up the tree would loop); symlinked files are read.
  symlinkSync(root, join(root, 'sub', 'loop'));
  writeFileSync(join(temp.dir, 'outside.json'), '{"a":1}\n');
  symlinkSync(join(temp.dir, 'outside.json'), join(root, 'sub', 'outside-link.json'));
});

const rel = (files: readonly string[]): string[] => files.map((f) => (f === '-' ? f : relative(root, f).split(sep).join('/')));

describe('expandInputs', () => {
  it('walks a folder recursively in code-unit order, keeping log extensions (also .gz) and skipping hidden names', async () => {
    const { files, errors } = await expandInputs([root]);
    expect(errors).toEqual([]);
    expect(rel(files)).toEqual([
      'B.NDJSON',
      'a-sibling/w.ndjson.gz',
      'a.json',
      'b.jsonl.gz',
      'c.log',
      'sub/deeper/y.jsonl',
      'sub/outside-link.json',
      'sub/x.json',
    ]);
  });

  it('keeps the spelling of the folder input in the paths it finds', async () => {
    const { files } = await expandInputs([`${join(temp.dir, 'logs', 'sub')}${sep}`]);
    expect(files).toContain(`${join(temp.dir, 'logs', 'sub')}${sep}x.json`);
  });

  it('takes an explicitly named file whatever its extension', async () => {
    const { files, errors } = await expandInputs([join(root, 'notes.txt')]);
    expect(errors).toEqual([]);
    expect(rel(files)).toEqual(['notes.txt']);
  });

  it('expands * and ? within a segment, files of any extension, no hidden names', async () => {
    const { files, errors } = await expandInputs([join(root, '*.json*'), join(root, '?.log'), join(root, '*.txt')]);
    expect(errors).toEqual([]);
    expect(rel(files)).toEqual(['a.json', 'archive.json.bak', 'b.jsonl.gz', 'c.log', 'notes.txt']);
  });

  it('expands ** to zero or more folders, sorted like a folder walk', async () => {
    const { files } = await expandInputs([join(root, '**', '*.json')]);
    expect(rel(files)).toEqual(['a.json', 'sub/outside-link.json', 'sub/x.json']);
    const all = await expandInputs([join(root, 'sub', '**')]);
    expect(rel(all.files)).toEqual(['sub/deeper/y.jsonl', 'sub/deeper/z.txt', 'sub/outside-link.json', 'sub/x.json']);
  });

  it('matches hidden names only when the pattern segment starts with a dot', async () => {
    const { files } = await expandInputs([join(root, '.*.json')]);
    expect(rel(files)).toEqual(['.hidden.json']);
  });

  it('expands a relative glob against the working folder', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { files } = await expandInputs(['sub/?.json']);
      expect(files).toEqual([`sub${sep}x.json`]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports a missing path, a glob without matches and a folder without logs, and keeps the rest', async () => {
    const missing = join(root, 'nope.json');
    const pattern = join(root, 'nothing-*', '*.json');
    const empty = join(root, 'empty');
    const { files, errors } = await expandInputs([missing, join(root, 'a.json'), pattern, empty]);
    expect(rel(files)).toEqual(['a.json']);
    expect(errors).toEqual([
      { path: missing, record: 0, line: 0, code: 'io', message: 'no such file or directory' },
      { path: pattern, record: 0, line: 0, code: 'io', message: 'no files match this pattern' },
      expect.objectContaining({ path: empty, code: 'io', message: expect.stringMatching(/^folder holds no \.json/) }),
    ]);
  });

  it('lists a file reached twice once, at its first place, and keeps stdin', async () => {
    const { files } = await expandInputs([join(root, 'sub', 'x.json'), '-', join(root, 'sub'), join(root, '**', 'x.json'), '-']);
    expect(rel(files)).toEqual(['sub/x.json', '-', 'sub/deeper/y.jsonl', 'sub/outside-link.json']);
  });

  it('feeds readRecords: io errors first, then records of every file in order', async () => {
    const { records, bad } = await readAll([join(root, 'missing'), join(root, 'sub')]);
    expect(bad.map((b) => b.code)).toEqual(['io']);
    expect(rel(records.map((r) => r.path))).toEqual(['sub/deeper/y.jsonl', 'sub/outside-link.json', 'sub/x.json']);
  });
});
