// requiredLiteral is a prefilter, so one wrong literal silently drops alerts: besides the
// rule-by-rule cases, every test here checks soundness against RE2 itself — any string
// RE2 matches must contain the literal, case-folded — on generated regexes and on token
// soup (the SigmaHQ regexes: test/engine/regex-literal-sigmahq.test.ts).
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { foldCase } from '../../src/compile/fold-case.js';
import { requiredLiteral } from '../../src/compile/regex-literal.js';
import { mulberry32 } from '../../../../test/support/random.js';
import { compile, expectSound } from '../../../../test/support/regex-literal-soundness.js';


describe('requiredLiteral', () => {
  // [pattern, literal or null]; String.raw keeps the regex text as written in a rule.
  const CASES: [string, string | null][] = [
    // The examples of the brief.
    [String.raw`\\cmd\.exe\s+/c`, '\\cmd.exe'],
    ['abcde?f', 'abcd'],
    ['abc?d', null], // `ab` and `d` are too short
    ['foo|bar', null],
    ['(evil|bad)payload', 'payload'],
    ['a{0,3}bcdef', 'bcdef'],
    [String.raw`[a-z]+\.ps1`, '.ps1'],
    ['(?i)invoke-mimikatz', 'invoke-mimikatz'],
    // Too short, empty, longest wins, the first of equals.
    ['ab', null],
    ['', null],
    ['abc.defg', 'defg'],
    ['abc.def', 'abc'],
    // Escaped punctuation is the character; C escapes are control characters.
    [String.raw`C:\\Windows\\Temp\\`, 'C:\\Windows\\Temp\\'],
    [String.raw`a\/b\-c\(d\$e\ f\_g\{h\}`, 'a/b-c(d$e f_g{h}'],
    [String.raw`abc\tdef\n`, 'abc\tdef\n'],
    [String.raw`ab\acd\f\v\r`, 'ab\x07cd\f\v\r'],
    // Class escapes and assertions end the run.
    [String.raw`abcd\dxyz`, 'abcd'],
    [String.raw`ab\wcdefg\Sxy`, 'cdefg'],
    [String.raw`\bword\b`, 'word'],
    [String.raw`\Aabc\Bdefg\z`, 'defg'],
    [String.raw`abc\Cdefg`, 'defg'],
    // Codes end the run, and consume exactly what RE2 reads.
    [String.raw`abc\x41defg`, 'defg'],
    [String.raw`\x414243`, '4243'],
    [String.raw`abc\x{41}defg`, 'defg'],
    [String.raw`\0123abc`, '3abc'],
    [String.raw`\101bcd`, 'bcd'],
    [String.raw`\pLxyz`, 'xyz'],
    [String.raw`\PNxyz`, 'xyz'],
    [String.raw`\p{Greek}xyz`, 'xyz'],
    [String.raw`\u0041bcd`, 'bcd'],
    [String.raw`\u41bcdef`, 'def'],
    [String.raw`\u{41}bcd`, 'bcd'],
    [String.raw`\cAbcd`, 'bcd'],
    // Quoted text ends the run (node-re2 rewrites `/` in it); empty quotes are no operand.
    [String.raw`\Qa.b\Ecdef`, 'cdef'],
    [String.raw`\Qabcdefgh\Exyz`, 'xyz'],
    [String.raw`abcd\Q\E*`, 'abc'],
    [String.raw`\Q\\Eabc`, 'abc'],
    // `.`, `^`, `$` and classes end the run.
    ['^abcd$', 'abcd'],
    ['[]a]bcde', 'bcde'],
    ['[^]a]bcde', 'bcde'],
    [String.raw`[\]abc]defg`, 'defg'],
    ['[[:alpha:]]]xyz', ']xyz'],
    ['[a[:digit:]b]wxyz', 'wxyz'],
    ['[(|)]abc', 'abc'],
    // Groups: skipped as a whole, contributing their own literal when they must match once.
    ['(abc)defg', 'defg'],
    ['(?:abcdef)gh', 'abcdef'],
    ['(?P<name>abcdef)x', 'abcdef'],
    ['(?<name>abcdef)x', 'abcdef'],
    ['(?i:abcdef)', 'abcdef'],
    ['(abcdef)+', 'abcdef'],
    ['(abcdef){2}', 'abcdef'],
    ['(abcdef)?xy', null],
    ['(abcdef)*', null],
    ['(abcdef){0,2}xyz', 'xyz'],
    ['(abc|def)', null],
    ['(a(b|c)defgh)', 'defgh'],
    [String.raw`(a[)]bcdef\)gh)`, 'bcdef)gh'],
    ['x(ab)(cd)y', null], // not concatenated
    // Inline flags end the run; a quantifier after them applies to what came before.
    ['(?i)abc(?-i)defg', 'defg'],
    ['abcd(?i)*', 'abc'],
    ['abcd(?s)+', 'abcd'],
    // Quantifiers.
    ['abc*def', 'def'],
    ['abcd+ef', 'abcd'],
    ['ab+cdef', 'bcdef'],
    ['abcd??', 'abc'],
    ['abcd*?ef', 'abc'],
    ['abcd+?', 'abcd'],
    ['abcx{3}yz', 'abcxxxyz'],
    ['abcd{2}?', 'abcdd'],
    ['abcx{2,}yz', 'abcxx'],
    ['abcx{1,3}yz', 'abcx'],
    ['abx{0}cdef', 'cdef'],
    ['abcd{0,}', 'abc'],
    ['ab{40}c', 'a' + 'b'.repeat(16)],
    // A `{` that is no repetition is a literal for RE2; we only end the run.
    ['abc{def', 'abc'],
    ['ab{,3}cdef', ',3}cdef'],
    // Non-ASCII characters are ordinary; lengths count code points.
    ['café-crème', 'café-crème'],
    ['ab😀', 'ab😀'],
    ['x😀+yz', '😀yz'],
    // Characters RE2 and foldCase disagree on are never part of a literal.
    ['abΐcdef', 'cdef'],
    ['abc\uFFFDdefg', 'defg'],
    // Malformed or unsupported: no literal.
    ['(abcdef', null],
    ['abcdef)', null],
    ['[abcdef', null],
    ['abcdef\\', null],
    ['+abcdef', null],
    ['{2}abcdef', null],
    ['(?=abc)abcdef', null],
    ['(?<!abc)abcdef', null],
    ['(?#comment)abcdef', null],
    ['(?P=name)abcdef', null],
    [String.raw`(a)\1abcdef`, null],
    [String.raw`\yabcdef`, null],
    [String.raw`\éabcdef`, null],
    [String.raw`\p{Greek`, null],
    ['abcdef{3,2}', null],
  ];

  it.each(CASES)('literal of /%s/ is %j', (source, expected) => {
    expect(requiredLiteral(source, '')).toBe(expected);
    expect(requiredLiteral(source, 'ims')).toBe(expected);
  });

  it('agrees with RE2 on the unit cases RE2 accepts', () => {
    // The literal, and the pattern's own text, must pass the contract when RE2 matches them.
    for (const [source] of CASES) {
      const re = compile(source, '');
      if (re === undefined) continue;
      const literal = requiredLiteral(source, '') ?? '';
      expectSound(source, '', re, [literal, source, source.replace(/\\/g, ''), literal.slice(1)]);
    }
  });

  it('is sound on generated regexes and strings built to match them', () => {
    const rng = mulberry32(0x5ee0);
    let withLiteral = 0;
    let matched = 0;
    for (let n = 0; n < 4000; n++) {
      const gen = new RegexGenerator(rng);
      const node = gen.pattern();
      const flags = pick(rng, ['', 'i', 'm', 's', 'ims']);
      const re = compile(node.src, flags);
      if (re === undefined) continue;
      const candidates = candidateStrings(rng, node);
      if (requiredLiteral(node.src, flags) !== null) withLiteral++;
      matched += expectSound(node.src, flags, re, candidates);
    }
    // The generator must exercise the contract, not pass it vacuously.
    expect(withLiteral).toBeGreaterThan(1000);
    expect(matched).toBeGreaterThan(10_000);
  });

  it('is sound on random token soup, and never throws', () => {
    const rng = mulberry32(0x50a9);
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      const tokens = Array.from({ length: 1 + Math.floor(rng() * 12) }, () => pick(rng, SOUP));
      const source = tokens.join('');
      const flags = pick(rng, ['', 'i']);
      expect(() => requiredLiteral(source, flags)).not.toThrow();
      const re = compile(source, flags);
      if (re === undefined) continue;
      valid++;
      const chars = Array.from(source);
      const candidates: string[] = [];
      for (let k = 0; k < 12; k++) {
        let text = '';
        for (let m = Math.floor(rng() * 10); m > 0; m--) text += rng() < 0.7 ? pick(rng, chars) : pick(rng, LETTERS);
        candidates.push(text, source.replace(/\\(.)/g, '$1'), text.toUpperCase());
      }
      expectSound(source, flags, re, candidates);
    }
    expect(valid).toBeGreaterThan(2000);
  });

  it('never uses a character whose RE2 case variants foldCase keeps apart', () => {
    // Every cased code point, and every one RE2 matches case-insensitively with it.
    const cased: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (ch.toLowerCase() !== ch || ch.toUpperCase() !== ch || foldCase(ch) !== ch) cased.push(ch);
    }
    const all = cased.join('');
    for (const ch of cased) {
      const variants = all.match(new RE2(`\\x{${(ch.codePointAt(0) as number).toString(16)}}`, 'gi')) ?? [];
      const source = `abc${ch}def`;
      const re = new RE2(source, 'i');
      expectSound(source, 'i', re, variants.map((v) => `abc${v}def`));
    }
  });

});

// ---------------------------------------------------------------------------------------
// Seeded generation.

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

// Letters with case variants RE2 folds together (Kelvin sign, long s, final sigma, ...).
const CASE_ORBITS: readonly string[][] = [
  ['a', 'A'],
  ['b', 'B'],
  ['k', 'K', '\u212a'],
  ['s', 'S', '\u017f'],
  ['é', 'É'],
  ['ß', '\u1e9e'],
  ['σ', 'ς', 'Σ'],
  ['\u0390', '\u1fd3'],
  ['😀'],
  ['x', 'X'],
  ['0'],
];
const LETTERS: readonly string[] = CASE_ORBITS.flat();
// Punctuation written escaped, and punctuation that is literal as it stands.
const ESCAPED_PUNCT = ['.', '\\', '/', '-', '_', ' ', '(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '^', '$'];
const PLAIN_PUNCT = ['-', '_', ' ', '/', ':', '<', '>', '=', '!', '"', '}', ']', ',', '\\/'];

/** A generated regex: its text, and a sampler of strings meant to match it. */
interface Gen {
  readonly src: string;
  readonly sample: (rng: Rng) => string;
  /** Literal text the pattern is built from, for candidates that recombine it. */
  readonly pieces: readonly string[];
}

const fixed = (src: string, ...texts: string[]): Gen => ({ src, sample: (rng) => pick(rng, texts), pieces: texts });

// One-character operands other than literals: [pattern, strings it matches].
const CLASS_ATOMS: readonly Gen[] = [
  fixed('.', 'q', '.', '\n'),
  fixed('[abc]', 'a', 'c'),
  fixed('[^a]', 'b', 'k'),
  fixed('[]a]', ']', 'a'),
  fixed('[^]a]', 'b', '^'),
  fixed('[[:alpha:]]', 'a', 'Z'),
  fixed('[a-c]', 'b'),
  fixed(String.raw`[\]a]`, ']'),
  fixed('[(|)]', '(', '|'),
  fixed(String.raw`[\d.]`, '5', '.'),
  fixed(String.raw`\d`, '7'),
  fixed(String.raw`\w`, 'w'),
  fixed(String.raw`\s`, ' '),
  fixed(String.raw`\D`, 'x'),
  fixed(String.raw`\W`, '-'),
  fixed(String.raw`\S`, 'q'),
  fixed(String.raw`\pL`, 'x'),
  fixed(String.raw`\PL`, '1'),
  fixed(String.raw`\p{Greek}`, 'σ'),
  fixed(String.raw`\x61`, 'a'),
  fixed(String.raw`\x{62}`, 'b'),
  fixed(String.raw`\141`, 'a'),
  fixed(String.raw`\0`, '\0'),
  fixed(String.raw`\u0063`, 'c'),
  fixed(String.raw`\u{64}`, 'd'),
  fixed(String.raw`\cA`, '\x01'),
  fixed(String.raw`\C`, 'c'),
  fixed(String.raw`\t`, '\t'),
  fixed(String.raw`\n`, '\n'),
  fixed(String.raw`\Qa.b\E`, 'a.b'),
  fixed(String.raw`\Qx/y\E`, 'x/y', 'x\\/y'),
  fixed(String.raw`\Q\\E`, '\\'),
  fixed('{', '{'),
  fixed('{,2}', '{,2}'),
];
// Operands that match no text, and pieces that are no operand at all.
const EMPTY_ATOMS: readonly Gen[] = ['^', '$', '\\b', '\\B', '\\A', '\\z', '(?i)', '(?s)', '(?-i)', '(?i-s)', '\\Q\\E'].map(
  (src) => fixed(src, ''),
);
const QUANTIFIERS: readonly [string, number, number][] = [
  ['*', 0, 3],
  ['+', 1, 3],
  ['?', 0, 1],
  ['{0}', 0, 0],
  ['{1}', 1, 1],
  ['{2}', 2, 2],
  ['{0,2}', 0, 2],
  ['{1,3}', 1, 3],
  ['{2,}', 2, 4],
  ['{0,}', 0, 2],
];

class RegexGenerator {
  private names = 0;

  constructor(private readonly rng: Rng) {}

  pattern(): Gen {
    return this.rng() < 0.1 ? this.alternation(2) : this.sequence(2);
  }

  private alternation(depth: number): Gen {
    const alts = Array.from({ length: 2 + Math.floor(this.rng() * 2) }, () => this.sequence(depth));
    return {
      src: alts.map((a) => a.src).join('|'),
      sample: (rng) => pick(rng, alts).sample(rng),
      pieces: alts.flatMap((a) => a.pieces),
    };
  }

  private sequence(depth: number): Gen {
    const items = Array.from({ length: 1 + Math.floor(this.rng() * 7) }, () => this.quantified(depth));
    return {
      src: items.map((i) => i.src).join(''),
      sample: (rng) => items.map((i) => i.sample(rng)).join(''),
      pieces: items.flatMap((i) => i.pieces),
    };
  }

  private quantified(depth: number): Gen {
    const atom = this.atom(depth);
    if (this.rng() > 0.3) return atom;
    const [q, min, max] = pick(this.rng, QUANTIFIERS);
    const lazy = this.rng() < 0.3 ? '?' : '';
    return {
      src: atom.src + q + lazy,
      sample: (rng) => {
        let text = '';
        for (let k = min + Math.floor(rng() * (max - min + 1)); k > 0; k--) text += atom.sample(rng);
        return text;
      },
      pieces: atom.pieces,
    };
  }

  private atom(depth: number): Gen {
    const r = this.rng();
    if (r < 0.45) {
      // A letter; samples may use any of its case variants (they matter under `i`).
      const orbit = pick(this.rng, CASE_ORBITS);
      const ch = orbit[0] as string;
      return { src: ch, sample: (rng) => (rng() < 0.7 ? ch : pick(rng, orbit)), pieces: [ch] };
    }
    if (r < 0.55) {
      const p = pick(this.rng, ESCAPED_PUNCT);
      return fixed(`\\${p}`, p);
    }
    if (r < 0.62) {
      const p = pick(this.rng, PLAIN_PUNCT);
      return fixed(p, p === '\\/' ? '/' : p);
    }
    if (r < 0.77) return pick(this.rng, CLASS_ATOMS);
    if (r < 0.85) return pick(this.rng, EMPTY_ATOMS);
    if (depth === 0) return fixed('z', 'z');
    const open = pick(this.rng, ['(', '(?:', '(?P<g>', '(?<g>', '(?i:', '(?-i:']).replace('g', `g${this.names++}`);
    const inner = this.rng() < 0.3 ? this.alternation(depth - 1) : this.sequence(depth - 1);
    return { src: `${open}${inner.src})`, sample: inner.sample, pieces: inner.pieces };
  }
}

/** Samples (some framed by noise), mutations of them, and recombined literal pieces. */
function candidateStrings(rng: Rng, gen: Gen): string[] {
  const noise = (): string => Array.from({ length: Math.floor(rng() * 4) }, () => pick(rng, LETTERS)).join('');
  const out: string[] = [];
  for (let k = 0; k < 8; k++) {
    const s = gen.sample(rng);
    out.push(s, noise() + s + noise());
    // Each character left out once, and one doubled: near misses around optional atoms.
    const chars = Array.from(s);
    for (let at = 0; at < chars.length && at < 12; at++) out.push([...chars.slice(0, at), ...chars.slice(at + 1)].join(''));
    if (chars.length > 0) {
      const at = Math.floor(rng() * chars.length);
      out.push([...chars.slice(0, at), chars[at] as string, ...chars.slice(at)].join(''));
    }
    out.push(s.toUpperCase(), s.toLowerCase());
  }
  const pieces = gen.pieces.length > 0 ? gen.pieces : [''];
  for (let k = 0; k < 6; k++) {
    out.push(Array.from({ length: 1 + Math.floor(rng() * 6) }, () => pick(rng, pieces)).join(''));
  }
  return out;
}

// Fragments for token soup: mostly regex syntax, so the scanner meets odd combinations.
const SOUP: readonly string[] = [
  'a', 'b', 'k', 'é', '😀', 'K', '\\', '(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '^', '$', '.', ',',
  '0', '2', '7', ':', '<', '>', 'P', '-', 'i', '/', '\\Q', '\\E', '(?', '(?i)', '(?:', '(?P<n>', '[:alpha:]',
  '\\d', '\\x', '\\p', '\\u', '\\c', 'A', '{1}', '{0,2}', '\\.', '\\\\', '\n', '\\b', '{2,}', '\\0', '\\1', 'x',
];
