// requiredLiteral (core/compile/regex-literal.ts) over real rules: every regex of every
// active SigmaHQ rule, as the loader lowers it, against the strings of the regression
// events. Here rather than in packages/core/test because it needs the rule loader.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Node, RegexValue } from '@siemlite/core';
import { loadRules } from '@siemlite/rules';
import { requiredLiteral } from '../../packages/core/src/compile/regex-literal.js';
import { hasShared, SHARED_DIR } from '../support/shared.js';
import { compile, expectSound } from '../support/regex-literal-soundness.js';

describe('requiredLiteral on SigmaHQ', () => {
  it('is sound on every SigmaHQ regex against the strings of the regression events', () => {
    if (!hasShared('requiredLiteral over SigmaHQ regexes')) return;
    const sigma = join(SHARED_DIR, 'sigma');
    const regexes = sigmaRegexes(sigma);
    const strings = regressionStrings(join(sigma, 'regression_data'));
    let withLiteral = 0;
    let matched = 0;
    for (const { source, flags } of regexes.values()) {
      if (requiredLiteral(source, flags) !== null) withLiteral++;
      const re = compile(source, flags);
      if (re === undefined) continue;
      matched += expectSound(source, flags, re, strings);
    }
    const share = ((100 * withLiteral) / regexes.size).toFixed(0);
    console.log(
      `requiredLiteral: ${withLiteral} of ${regexes.size} distinct SigmaHQ regexes (${share}%) have a literal; ` +
        `${matched} matches among ${strings.length} regression strings checked`,
    );
    expect(regexes.size).toBeGreaterThan(100);
    expect(withLiteral / regexes.size).toBeGreaterThan(0.5);
  });
});

// ---------------------------------------------------------------------------------------
// SigmaHQ data.

/** Distinct regexes of every active SigmaHQ rule, as the loader lowers them. */
function sigmaRegexes(sigma: string): Map<string, RegexValue> {
  // Only files that mention `|re` are loaded: the rest have no regex and loading is slow.
  const files: string[] = [];
  for (const dir of readdirSync(sigma).filter((d) => d.startsWith('rules'))) {
    for (const file of listFiles(join(sigma, dir), '.yml')) {
      if (readFileSync(file, 'utf8').includes('|re')) files.push(file);
    }
  }
  const regexes = new Map<string, RegexValue>();
  const walk = (node: Node): void => {
    if (node.kind === 'And' || node.kind === 'Or') node.children.forEach(walk);
    else if (node.kind === 'Not') walk(node.child);
    else if ((node.kind === 'Match' || node.kind === 'Keyword') && node.value.kind === 'Regex') {
      regexes.set(`${node.value.flags}/${node.value.source}`, node.value);
    }
  };
  for (const rule of loadRules(files, { placeholderFallback: 'wildcard' }).rules) walk(rule.condition);
  return regexes;
}

/** Every distinct JSON string (keys and values) in the regression events. */
function regressionStrings(dir: string): string[] {
  const strings = new Set<string>();
  // Some files hold several pretty-printed objects one after another: take the string
  // literals from the text rather than parsing whole documents.
  const literal = /"(?:[^"\\]|\\.)*"/g;
  for (const file of listFiles(dir, '.json')) {
    for (const m of readFileSync(file, 'utf8').matchAll(literal)) strings.add(JSON.parse(m[0]) as string);
  }
  return [...strings];
}

function listFiles(dir: string, ext: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, ext, out);
    else if (entry.name.endsWith(ext)) out.push(path);
  }
  return out;
}
