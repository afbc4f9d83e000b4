// The field matcher decides thousands of literal leaves in one scan, with hand-made
// machinery (case-insensitive character classes, full and sparse transition tables, a
// V8 regex prefilter). Every test here compares it with the naive meaning of each leaf —
// fold both sides (fold-case.ts), then `===`, startsWith, endsWith or includes — on seeded
// random leaves and values rich in the characters where case folding is tricky.
import { describe, expect, it } from 'vitest';
import { FieldMatcher, type FieldMatcherOptions, type MatcherLeaf } from '../../src/compile/field-matcher.js';
import { foldCase } from '../../src/compile/fold-case.js';
import { compileStringPattern } from '../../src/compile/string-kernels.js';
import { PatternPart, StringPattern } from '../../src/ir/values.js';
import { Rng } from '../../../../test/support/random.js';

/** Characters (strings of one code point, or a lone surrogate) where folding is subtle. */
const TRICKY = [
  's', 'S', 'ſ', // long s folds to s
  'k', 'K', '\u212a', // Kelvin sign folds to k
  'i', 'I', 'İ', 'ı', // dotted capital I and dotless i fold to themselves
  'σ', 'ς', 'Σ', // final sigma folds to σ
  'µ', 'μ', 'Μ', // micro sign folds to μ
  'ß', 'ẞ', 'é', 'É', 'ǅ', 'ǆ', 'Ǆ', // titlecase digraph
  'Ω', '\u2126', 'ω', // Ohm sign
  'å', 'Å', '\u212b', // Angstrom sign
  'Ꭰ', 'ꭰ', // Cherokee folds to its capital letter
  '\u0345', 'ι', 'ͅ', // ypogegrammeni
  '𐐀', '𐐨', // Deseret: an astral letter with case
  '😀', '😁', '🤣', // astral, no case
  '\ud83d', '\ude00', // lone surrogates
  '\u0000', '\n', ' ', '\u00a0',
  '\\', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/', '-',
];
const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .:\\/-_'.split('');

type Shape = 'eq' | 'prefix' | 'suffix' | 'contains' | 'wild' | 'regex';

interface Case {
  readonly leaf: MatcherLeaf;
  /** The naive meaning of the leaf over a raw value and its case folding. */
  readonly holds: (raw: string, lower: string) => boolean;
}

function randomText(rng: Rng, alphabet: readonly string[], min: number, max: number): string {
  let out = '';
  const n = min + rng.int(max - min + 1);
  for (let i = 0; i < n; i++) out += rng.pick(alphabet);
  return out;
}

/** A leaf of the given shape over literal `text`, with its naive meaning. */
function makeCase(local: number, shape: Shape, text: string, rng: Rng): Case {
  const lit = foldCase(text);
  const L = PatternPart.literal(text);
  const any = PatternPart.anyChars;
  switch (shape) {
    case 'eq':
      return { leaf: leaf(local, StringPattern.create([L], false)), holds: (_raw, lower) => lower === lit };
    case 'prefix':
      return { leaf: leaf(local, StringPattern.create([L, any], false)), holds: (_raw, lower) => lower.startsWith(lit) };
    case 'suffix':
      return { leaf: leaf(local, StringPattern.create([any, L], false)), holds: (_raw, lower) => lower.endsWith(lit) };
    case 'contains':
      return { leaf: leaf(local, StringPattern.create([any, L, any], false)), holds: (_raw, lower) => lower.includes(lit) };
    case 'wild': {
      // Inner wildcards: decided by the full test once the longest literal occurs.
      const parts = rng.chance(0.5) ? [L, PatternPart.oneChar, PatternPart.literal('x'), any] : [any, PatternPart.literal('a'), any, L, PatternPart.oneChar];
      const pattern = StringPattern.create(parts, false);
      const test = compileStringPattern(pattern);
      return { leaf: leaf(local, pattern), holds: test };
    }
    case 'regex': {
      // A regex leaf: the matcher knows only a literal every match contains.
      const fullTest = (_raw: string, lower: string): boolean => lower.includes(lit) && lower.length % 3 !== 1;
      return { leaf: { local, pattern: null, witness: text, fullTest }, holds: fullTest };
    }
  }
}

function leaf(local: number, pattern: StringPattern): MatcherLeaf {
  return { local, pattern, fullTest: compileStringPattern(pattern) };
}

/** Characters that fold like another one without being its upper case. */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map([
  ['s', 'ſ'],
  ['k', '\u212a'],
  ['σ', 'ς'],
  ['μ', 'µ'],
]);

/** Rewrites text with random case changes and foldings-equivalent characters. */
function variant(rng: Rng, text: string): string {
  let out = '';
  for (const ch of text) {
    const r = rng.next();
    const alike = LOOK_ALIKES.get(ch);
    if (r < 0.3) out += ch.toUpperCase().length === ch.length ? ch.toUpperCase() : ch;
    else if (r < 0.4 && alike !== undefined) out += alike;
    else out += ch;
  }
  return out;
}

/** A value: random characters around (variants of) some of the literals, or exactly one of them. */
function randomValue(rng: Rng, texts: readonly string[], alphabet: readonly string[]): string {
  if (texts.length > 0 && rng.chance(0.1)) return variant(rng, rng.pick(texts));
  let out = '';
  const pieces = rng.int(4);
  for (let p = 0; p < pieces; p++) {
    out += randomText(rng, alphabet, 0, 6);
    if (texts.length > 0 && rng.chance(0.6)) out += variant(rng, rng.pick(texts));
  }
  return out + randomText(rng, alphabet, 0, 3);
}

const SHAPES: readonly Shape[] = ['eq', 'prefix', 'suffix', 'contains', 'contains', 'wild', 'regex'];

/** Random leaves over literals drawn from `alphabet`; some literals are prefixes or suffixes of others. */
function randomCases(rng: Rng, count: number, alphabet: readonly string[], minLength: number, maxLength: number): Case[] {
  const texts: string[] = [];
  const cases: Case[] = [];
  for (let local = 0; local < count; local++) {
    let text = randomText(rng, alphabet, minLength, maxLength);
    const earlier = texts.length > 0 ? rng.pick(texts) : '';
    const r = rng.next();
    if (earlier.length > 1 && r < 0.2) text = earlier.slice(0, 1 + rng.int(earlier.length - 1));
    else if (earlier.length > 1 && r < 0.4) text = earlier.slice(1 + rng.int(earlier.length - 1));
    else if (earlier !== '' && r < 0.5) text = earlier + text;
    let shape = rng.pick(SHAPES);
    if ((shape === 'wild' || shape === 'regex') && foldCase(text).length < 3) shape = 'contains';
    texts.push(text);
    cases.push(makeCase(local, shape, text, rng));
  }
  return cases;
}

/** Checks every value against the naive meaning; returns how many (value, leaf) pairs held. */
function check(matcher: FieldMatcher, cases: readonly Case[], values: readonly string[]): number {
  let held = 0;
  values.forEach((raw, key) => {
    const folded = { lower: (k: number): string => foldCase(values[k] as string) };
    const got = [...matcher.match(raw, folded, key)].sort((a, b) => a - b);
    const lower = foldCase(raw);
    const want = cases.filter((c) => c.holds(raw, lower)).map((c) => c.leaf.local);
    if (got.join() !== want.join()) {
      const names = (ids: readonly number[]): string[] => ids.map((id) => JSON.stringify((cases[id] as Case).leaf.pattern ?? (cases[id] as Case).leaf.witness));
      expect({ value: raw, got: names(got) }).toEqual({ value: raw, got: names(want) });
    }
    held += want.length;
  });
  return held;
}

/** Every way of building the matcher: full table, hybrid rows, root row only; prefilter on and off. */
const BUILDS: readonly FieldMatcherOptions[] = [
  {},
  { prefilterMaxPatterns: 0 },
  { prefilterMaxPatterns: Infinity },
  { denseLimit: 64, prefilterMaxPatterns: 0 },
  { denseLimit: 0, prefilterMaxPatterns: Infinity },
];

/** Runs every build over random leaves and values; returns how many (value, leaf) pairs held. */
function runSuite(seed: number, alphabet: readonly string[], leaves: number, values: number): number {
  const rng = new Rng(seed);
  const cases = randomCases(rng, leaves, alphabet, 1, 5);
  const texts = cases.map((c) => (c.leaf.pattern?.parts.find((p) => p.kind === 'Literal') as { text: string } | undefined)?.text ?? c.leaf.witness ?? '');
  const vals = [''];
  for (let v = 0; v < values; v++) vals.push(randomValue(rng, texts, alphabet));
  let held = 0;
  for (const options of BUILDS) held += check(new FieldMatcher(cases.map((c) => c.leaf), options), cases, vals);
  return held;
}

describe('FieldMatcher matches like the naive leaf tests', () => {
  it('on ASCII literals, few and many (prefilter and automaton)', () => {
    let held = 0;
    for (let seed = 1; seed <= 30; seed++) held += runSuite(seed, ASCII, 1 + (seed % 6), 150);
    for (let seed = 31; seed <= 40; seed++) held += runSuite(seed, ASCII, 60, 150);
    expect(held).toBeGreaterThan(1000); // the values do exercise the leaves
  });

  it('on literals and values with tricky case folding (ſ, Kelvin, İ, final sigma, surrogates)', () => {
    const alphabet = [...ASCII.slice(0, 12), ...TRICKY];
    let held = 0;
    for (let seed = 101; seed <= 140; seed++) held += runSuite(seed, alphabet, 1 + (seed % 25), 150);
    expect(held).toBeGreaterThan(1000);
  });

  it('on ASCII literals against values full of non-ASCII look-alikes', () => {
    // Literals with s and k are matched by ſ and the Kelvin sign: the prefilter must let those through.
    const rng = new Rng(7);
    const cases = ['desk', 'kiss', 'sk', 'ask.exe', 'k'].map((t, i) => makeCase(i, i % 2 === 0 ? 'contains' : 'suffix', t, rng));
    const values = ['', 'DESK', 'de\u017f\u212a', 'KI\u017fS', 'a\u017f\u212a.EXE', '\u212a', 'ı', 'İ', 'desκ', 'ask.exe\u0000', 'x\u212aiſſ'];
    for (const options of BUILDS) check(new FieldMatcher(cases.map((c) => c.leaf), options), cases, values);
  });

  it('on empty values, empty literals and literals that are prefixes of each other', () => {
    const rng = new Rng(8);
    const raw = (local: number, parts: PatternPart[], holds: (lower: string) => boolean): Case => {
      const pattern: StringPattern = { kind: 'StringPattern', parts, isCased: false };
      return { leaf: leaf(local, pattern), holds: (_raw, lower) => holds(lower) };
    };
    const cases: Case[] = [
      ...['a', 'ab', 'abc', 'b', 'bc', 'c'].flatMap((t, i) => [makeCase(4 * i, 'eq', t, rng), makeCase(4 * i + 1, 'prefix', t, rng), makeCase(4 * i + 2, 'suffix', t, rng), makeCase(4 * i + 3, 'contains', t, rng)]),
      // Not produced by StringPattern.create (it drops empty literals), but decided exactly anyway.
      raw(24, [PatternPart.literal('')], (v) => v === ''),
      raw(25, [PatternPart.anyChars, PatternPart.literal('')], () => true),
    ];
    const values = ['', 'a', 'ab', 'abc', 'abcabc', 'ABC', 'cba', 'bcab', 'xabcx', 'b'];
    for (const options of BUILDS) check(new FieldMatcher(cases.map((c) => c.leaf), options), cases, values);
    const none = new FieldMatcher([]);
    expect([...none.match('abc', { lower: () => 'abc' }, 0)]).toEqual([]);
  });

  it('on a large automaton, which keeps full rows only for shallow states', () => {
    // 4,000 literals of 20-40 characters over 40 classes: far beyond the full table's limit.
    const rng = new Rng(9);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789.:\\/'.split('');
    const cases = randomCases(rng, 4000, alphabet, 20, 40);
    const texts = cases.map((c) => c.leaf.pattern?.parts.find((p) => p.kind === 'Literal') as { text: string } | undefined).map((p) => p?.text ?? '');
    const values = [''];
    for (let v = 0; v < 300; v++) values.push(randomValue(rng, texts, alphabet));
    for (const options of [{}, { denseLimit: 0 }, { denseLimit: 1 << 30 }]) {
      expect(check(new FieldMatcher(cases.map((c) => c.leaf), options), cases, values)).toBeGreaterThan(100);
    }
  });
});

describe('the Unicode facts the field matcher relies on', () => {
  const bmp = (c: number): string => String.fromCharCode(c);

  it('only ſ and the Kelvin sign fold from non-ASCII to ASCII', () => {
    const toAscii: number[] = [];
    for (let c = 128; c < 0x10000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const f = foldCase(bmp(c));
      if (f.length === 1 && f.charCodeAt(0) < 128) toAscii.push(c);
    }
    expect(toAscii).toEqual([0x17f, 0x212a]);
  });

  it('folding changes only characters with case mappings: BMP to one BMP, astral (plane 1 only) to one astral, idempotently', () => {
    // The matcher's fold tables ask foldCase only about the characters \p{Changes_When_Casemapped} finds.
    const cased = /\p{Changes_When_Casemapped}/u;
    for (let cp = 0; cp < 0x20000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const f = foldCase(ch);
      if (f !== ch && !cased.test(ch)) expect({ cp, f }).toEqual({ cp, f: ch });
      if (f.length !== ch.length || [...f].length !== 1 || foldCase(f) !== f) expect({ cp, f }).toEqual({ cp, f: 'one character of the same plane, folded' });
    }
    // Beyond plane 1 nothing has case (the matcher looks no further for astral foldings).
    let beyond = '';
    for (let cp = 0x20000; cp <= 0x10ffff; cp++) beyond += String.fromCodePoint(cp);
    expect(beyond.match(new RegExp(cased.source, 'gu'))).toBeNull();
  });

  it("V8's case-insensitive regex (without u) never matches a non-ASCII character against an ASCII one", () => {
    // The prefilter relies on it: ſ and the Kelvin sign are added as alternatives of their own.
    // (ASCII control characters have no case: nothing else can match them.)
    const printable = /[ -~]/i;
    const letters = /[a-z]/i;
    for (let c = 128; c < 0x10000; c++) {
      if (printable.test(bmp(c)) || letters.test(bmp(c))) expect(c.toString(16)).toBe('not matched');
    }
    expect(/k/i.test('\u212a') || /s/i.test('\u017f')).toBe(false);
  });
});
