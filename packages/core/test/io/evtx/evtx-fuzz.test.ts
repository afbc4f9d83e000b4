// Damaged EVTX files: thousands of copies of real files (SigmaHQ regression_data and
// multi-chunk EVTX-ATTACK-SAMPLES), damaged with a seeded RNG: truncated at random, bytes
// flipped, checksums broken, chunks duplicated or zeroed. The reader must never throw or
// hang (each case runs inside the test timeout), must report the damage, and must still
// return the records the damage did not touch.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../../test/support/random.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE, readEvtxBuffer } from '../../../src/io/evtx/index.js';
import type { EvtxDamage } from '../../../src/io/evtx/index.js';
import { sharedPath } from '../../event/shared-corpus.js';

interface Seen {
  chunk: number;
  offset: number;
  size: number;
  json: string;
}

function read(bytes: Uint8Array): { records: Seen[]; damage: EvtxDamage[] } {
  const records: Seen[] = [];
  const damage: EvtxDamage[] = [];
  for (const item of readEvtxBuffer(bytes)) {
    if (item.kind === 'record') records.push({ chunk: item.chunk, offset: item.record.offset, size: item.record.size, json: JSON.stringify(item.record.value) });
    else damage.push(item.damage);
  }
  return { records, damage };
}

function key(r: Seen): string {
  return `${r.chunk}:${r.offset}:${r.json}`;
}

function listEvtx(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.evtx')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

describe('EVTX reader on damaged files', () => {
  const regression = sharedPath('sigma/regression_data', 'EVTX fuzz test');
  const attack = sharedPath('datasets/evtx_attack_samples_evtx', 'EVTX fuzz test (multi-chunk files)');

  it.skipIf(regression === undefined || attack === undefined)('thousands of damaged copies: no throw, damage reported, undamaged records kept', () => {
    const rng = new Rng(0xe7f1);
    const small = listEvtx(regression as string).slice(0, 60);
    const multi = listEvtx(attack as string)
      .map((path) => ({ path, size: readFileSync(path).length }))
      .filter((f) => f.size > FILE_HEADER_SIZE + CHUNK_SIZE && f.size < 1_200_000)
      .slice(0, 8)
      .map((f) => f.path);
    expect(multi.length).toBeGreaterThan(3);
    const sources = [...small, ...multi].map((path) => {
      const bytes = new Uint8Array(readFileSync(path));
      const clean = read(bytes);
      expect(clean.damage, path).toEqual([]);
      const live = [...new Set(clean.records.map((r) => r.chunk))];
      return { path, bytes, clean, live };
    });

    const counts = { truncated: 0, flipped: 0, checksum: 0, duplicated: 0, zeroed: 0 };
    for (let round = 0; round < 2500; round++) {
      const { path, bytes, clean, live } = rng.pick(sources);
      const chunks = Math.ceil((bytes.length - FILE_HEADER_SIZE) / CHUNK_SIZE);
      const kind = rng.int(5);
      const where = `${path} (round ${round}, kind ${kind})`;
      if (kind === 0) {
        // Truncated at random: every record wholly before the cut is still returned.
        const cut = rng.int(bytes.length);
        const { records, damage } = read(bytes.subarray(0, cut));
        const got = new Set(records.map(key));
        const before = clean.records.filter((r) => FILE_HEADER_SIZE + r.chunk * CHUNK_SIZE + r.offset + r.size <= cut);
        for (const r of before) expect(got.has(key(r)), where).toBe(true);
        if (before.length < clean.records.length) expect(damage.length, where).toBeGreaterThan(0);
        counts.truncated++;
      } else if (kind === 1) {
        // Bytes flipped inside one chunk's checked area: reported; the other chunks are untouched.
        const chunk = rng.pick(live);
        const copy = bytes.slice();
        const start = FILE_HEADER_SIZE + chunk * CHUNK_SIZE;
        const used = new DataView(copy.buffer).getUint32(start + 48, true);
        const flips = 1 + rng.int(8);
        for (let i = 0; i < flips; i++) copy[start + rng.int(used)] ^= 1 + rng.int(255);
        const { records, damage } = read(copy);
        expect(damage.some((d) => d.chunk === chunk), where).toBe(true);
        const got = new Set(records.map(key));
        for (const r of clean.records) if (r.chunk !== chunk) expect(got.has(key(r)), where).toBe(true);
        counts.flipped++;
      } else if (kind === 2) {
        // A header or records checksum broken: reported, and every record is still read.
        const copy = bytes.slice();
        const chunk = rng.pick(live);
        const field = FILE_HEADER_SIZE + chunk * CHUNK_SIZE + (rng.chance(0.5) ? 124 : 52);
        copy[field] ^= 0xff;
        const { records, damage } = read(copy);
        expect(damage.filter((d) => d.chunk === chunk).map((d) => d.message).join(), where).toMatch(/checksum mismatch/);
        expect(records.map(key), where).toEqual(clean.records.map(key));
        counts.checksum++;
      } else if (kind === 3) {
        // A chunk duplicated at the end (a dirty copy beyond the header's count): read twice.
        const chunk = rng.pick(live);
        const start = FILE_HEADER_SIZE + chunk * CHUNK_SIZE;
        const body = bytes.subarray(start, Math.min(start + CHUNK_SIZE, bytes.length));
        const padded = new Uint8Array(FILE_HEADER_SIZE + chunks * CHUNK_SIZE + body.length);
        padded.set(bytes);
        padded.set(body, FILE_HEADER_SIZE + chunks * CHUNK_SIZE);
        const { records, damage } = read(padded);
        expect(damage, where).toEqual([]);
        const dup = clean.records.filter((r) => r.chunk === chunk).length;
        expect(records.length, where).toBe(clean.records.length + dup);
        counts.duplicated++;
      } else {
        // A chunk zeroed: reported (the header counts it); all other chunks' records kept.
        const chunk = rng.pick(live);
        const copy = bytes.slice();
        copy.fill(0, FILE_HEADER_SIZE + chunk * CHUNK_SIZE, Math.min(FILE_HEADER_SIZE + (chunk + 1) * CHUNK_SIZE, copy.length));
        const { records, damage } = read(copy);
        expect(damage.some((d) => d.chunk === chunk), where).toBe(true);
        expect(records.map(key), where).toEqual(clean.records.filter((r) => r.chunk !== chunk).map(key));
        counts.zeroed++;
      }
    }
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(300);
  }, 60_000);

  it('a self-referencing template definition ends in a record report, not endless recursion', () => {
    // A chunk whose one record is a template instance pointing at itself as its definition.
    const chunk = new Uint8Array(CHUNK_SIZE);
    chunk.set([0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]);
    const view = new DataView(chunk.buffer);
    const rec = 512;
    const size = 24 + 20 + 4;
    view.setUint32(48, rec + size, true);
    view.setUint32(rec, 0x2a2a, true);
    view.setUint32(rec + 4, size, true);
    view.setBigUint64(rec + 8, 7n, true);
    const def = 2048;
    chunk.set([0x0c, 0x01], rec + 24); // template instance ...
    view.setUint32(rec + 24 + 6, def, true); // ... whose definition is at `def`
    view.setUint32(def + 20, 16, true); // the definition's data: 16 bytes ...
    chunk.set([0x0c, 0x01], def + 24); // ... holding an instance of itself
    view.setUint32(def + 24 + 6, def, true);
    view.setUint32(rec + size - 4, size, true);
    const file = new Uint8Array(FILE_HEADER_SIZE + CHUNK_SIZE);
    file.set(chunk, FILE_HEADER_SIZE);
    const { records, damage } = read(file);
    expect(records).toEqual([]);
    expect(damage.map((d) => d.message).join('\n')).toMatch(/record skipped: template at offset 2048 contains itself/);
    expect(damage.find((d) => d.recordId === 7)).toBeDefined();
  });
});
