import { describe, expect, it } from 'vitest';
import { conditionGrammar } from '../../src/condition/grammar.js';

// The grammar's own Chevrotain (grammar.ts loads the bundled build): GAST nodes are matched by class.
const { parser: conditionParser, chevrotain: { generateCstDts } } = conditionGrammar();

const HEADER = [
  '// Generated from the grammar in parser.ts by test/condition/cst-dts.test.ts; do not edit.',
  '// After a grammar change: npx vitest run --root packages/rules test/condition -u',
  '',
  '',
].join('\n');

describe('condition CST types', () => {
  it('cst.d.ts matches the grammar (regenerate with -u after a grammar change)', async () => {
    const dts = generateCstDts(conditionParser.getGAstProductions());
    await expect(HEADER + dts).toMatchFileSnapshot('../../src/condition/cst.d.ts');
  });
});
