// Conformance: the SigmaHQ corpus loads as pySigma loads it (sigma-semantics.md: all 3,780
// rules load there; only rules-placeholder needs placeholder values to convert).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorRecord } from '@siemlite/core';
import { loadBuiltinPipeline, loadRules } from '@siemlite/rules';
import { hasShared, SHARED_DIR } from '../support/shared.js';

const ACTIVE = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir'];
const run = hasShared('SigmaHQ load conformance');

function expectLocated(errors: readonly ErrorRecord[]): void {
  for (const e of errors) {
    expect(e.location, `${e.code}: ${e.message}`).not.toBeNull();
    expect(e.location?.line).toBeGreaterThanOrEqual(1);
    expect(e.location?.column).toBeGreaterThanOrEqual(1);
    // Clear messages, never a stack trace.
    expect(e.message).not.toMatch(/\n\s+at /);
  }
}

describe.runIf(run)('SigmaHQ corpus', () => {
  const { pipeline } = loadBuiltinPipeline('windows');
  const pipelines = pipeline === null ? [] : [pipeline];

  it('loads at least 99.5% of the active rule files with no error, every error located', () => {
    // As `siemlite validate` does: placeholder values are deployment configuration.
    const set = loadRules(
      ACTIVE.map((d) => resolve(SHARED_DIR, 'sigma', d)),
      { pipelines, placeholderFallback: 'wildcard' },
    );
    const ok = set.files - set.filesWithErrors;
    const share = ok / set.files;
    console.info(`SigmaHQ active rules: ${set.files} files, ${ok} clean (${(share * 100).toFixed(2)}%), ${set.rules.length} rules, ${set.errors.length} errors`);
    for (const e of set.errors) console.info(`  ${e.location?.file}:${e.location?.line}:${e.location?.column}: ${e.code}: ${e.message}`);
    expect(set.files).toBeGreaterThan(3700);
    expect(share).toBeGreaterThanOrEqual(0.995);
    expectLocated(set.errors);
    expectLocated(set.warnings);
  });

  it('without placeholder values, only rules that use expand placeholders fail, each located', () => {
    const set = loadRules(
      ACTIVE.map((d) => resolve(SHARED_DIR, 'sigma', d)),
      { pipelines },
    );
    expect(set.errors.length).toBeGreaterThan(0);
    for (const e of set.errors) expect(e.code).toBe('unknown-placeholder');
    expectLocated(set.errors);
  });

  it('loads deprecated and unsupported rules or rejects them with a located reason', () => {
    const set = loadRules(
      ['deprecated', 'unsupported'].map((d) => resolve(SHARED_DIR, 'sigma', d)),
      { pipelines },
    );
    console.info(`deprecated+unsupported: ${set.files} files, ${set.files - set.filesWithErrors} clean, ${set.errors.length} errors`);
    expect(set.files).toBeGreaterThan(250);
    expectLocated(set.errors);
  });
});
