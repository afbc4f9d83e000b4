// The soundness contract of requiredLiteral (packages/core/src/compile/regex-literal.ts),
// shared by its unit tests and the SigmaHQ test: every string RE2 matches must contain the
// literal, both case-folded.
import RE2 from 're2';
import { expect } from 'vitest';
import { foldCase } from '../../packages/core/src/compile/fold-case.js';
import { requiredLiteral } from '../../packages/core/src/compile/regex-literal.js';

/** The pattern compiled by RE2 (as the engine compiles it), or undefined when RE2 rejects it. */
export function compile(source: string, flags: string): RE2 | undefined {
  try {
    return new RE2(source, flags);
  } catch {
    return undefined;
  }
}

/** The contract: every string RE2 matches contains the literal, both case-folded. */
export function expectSound(source: string, flags: string, re: RE2, candidates: Iterable<string>): number {
  const literal = requiredLiteral(source, flags);
  if (literal === null) return 0;
  const folded = foldCase(literal);
  let matched = 0;
  for (const text of candidates) {
    if (!re.test(text)) continue;
    matched++;
    if (!foldCase(text).includes(folded)) {
      expect.fail(`/${source}/${flags} matches ${JSON.stringify(text)}, which lacks ${JSON.stringify(literal)}`);
    }
  }
  return matched;
}
