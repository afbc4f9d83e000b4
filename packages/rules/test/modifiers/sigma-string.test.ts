import { PatternPart, StringPattern } from '@siemlite/core';
import { describe, expect, it } from 'vitest';
import { parseSigmaParts, parseSigmaString } from '../../src/modifiers/sigma-string.js';
import { at, lower, lowerOk } from './lower-helpers.js';

const lit = PatternPart.literal;
const any = PatternPart.anyChars;
const one = PatternPart.oneChar;

describe('parseSigmaString: the escape table of sigma-semantics.md §3.2, row by row', () => {
  it.each([
    [String.raw`C:\Windows\cmd.exe`, [lit(String.raw`C:\Windows\cmd.exe`)], '\\W and \\c are not escapes'],
    [String.raw`C:\\Windows\\cmd.exe`, [lit(String.raw`C:\Windows\cmd.exe`)], 'a double backslash collapses to one'],
    [String.raw`\\\\srv`, [lit(String.raw`\\srv`)], 'four backslashes are two'],
    [String.raw`\\\srv`, [lit(String.raw`\\srv`)], 'three backslashes behave like four'],
    [String.raw`a\*`, [lit('a*')], 'an escaped star is a literal star'],
    [String.raw`a\\*`, [lit('a\\'), any], 'an escaped backslash, then a wildcard'],
    [String.raw`a\\\*`, [lit('a\\*')], 'an escaped backslash, then an escaped star'],
    [String.raw`Preload\ `.trimEnd(), [lit('Preload\\')], 'a trailing backslash is literal'],
    [String.raw`C:\Users\*\AppData`, [lit(String.raw`C:\Users*\AppData`)], 'the backslash before * is consumed'],
  ])('%s -> %j (%s)', (text, parts) => {
    expect(parseSigmaString(text, false)).toEqual(StringPattern.create(parts, false));
  });

  it('turns unescaped * and ? into wildcards and \\? into a literal question mark', () => {
    expect(parseSigmaString(String.raw`a*b?c\?`, false).parts).toEqual([lit('a'), any, lit('b'), one, lit('c?')]);
  });

  it('keeps the requested case sensitivity', () => {
    expect(parseSigmaString('ADMIN', true)).toEqual(StringPattern.create([lit('ADMIN')], true));
    expect(parseSigmaString('ADMIN', false).isCased).toBe(false);
  });

  it('treats % as a plain character (placeholders exist only under expand)', () => {
    expect(parseSigmaString('%admins%', false).parts).toEqual([lit('%admins%')]);
    expect(parseSigmaString(String.raw`\%x`, false).parts).toEqual([lit(String.raw`\%x`)]);
  });

  it('collapses a run of stars into one wildcard', () => {
    expect(parseSigmaString('a**b', false).parts).toEqual([lit('a'), any, lit('b')]);
  });
});

describe('parseSigmaParts with placeholders (expand, §4.11)', () => {
  it('recognises %name% and turns \\% into a literal percent', () => {
    const parsed = parseSigmaParts(String.raw`%Admins%\%x\%`, { hasPlaceholders: true });
    expect(parsed.parts).toEqual([{ kind: 'Placeholder', name: 'Admins' }, lit('%x%')]);
  });

  it('leaves an unclosed or empty %...% as literal text', () => {
    expect(parseSigmaParts('50%', { hasPlaceholders: true }).parts).toEqual([lit('50%')]);
    expect(parseSigmaParts('%%', { hasPlaceholders: true }).parts).toEqual([lit('%%')]);
  });

  it('reports escaped wildcards so the loader can warn', () => {
    expect(parseSigmaParts(String.raw`a\*`, { hasPlaceholders: false }).hasEscapedWildcard).toBe(true);
    expect(parseSigmaParts(String.raw`a\\*`, { hasPlaceholders: false }).hasEscapedWildcard).toBe(false);
  });
});

describe('escaping through YAML', () => {
  it("keeps single-quoted backslashes verbatim before Sigma escaping (edge case 1)", () => {
    const node = lowerOk(String.raw`Image: 'C:\Windows\System32\cmd.exe'`);
    expect(node).toMatchObject({ value: StringPattern.create([lit(String.raw`C:\Windows\System32\cmd.exe`)], false) });
  });

  it('applies Sigma escaping after YAML double-quote escaping (edge case 6)', () => {
    expect(lowerOk(String.raw`x: "C:\\temp"`)).toMatchObject({ value: { parts: [lit('C:\\temp')] } });
    // In double quotes YAML makes "\t" a TAB: the value no longer contains a backslash.
    expect(lowerOk(String.raw`x: "C:\temp"`)).toMatchObject({ value: { parts: [lit('C:\temp')] } });
  });

  it('warns about an escaped wildcard, at the value (§3.2 last row)', () => {
    const result = lower(String.raw`x: 'C:\Users\*\AppData'`);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'schema', severity: 'warning', location: at(1, 4) }),
    ]);
    expect(result.node).toMatchObject({ value: { parts: [lit(String.raw`C:\Users*\AppData`)] } });
  });

  it('warns about a control character such as a TAB made by YAML double quotes', () => {
    const result = lower(String.raw`x: "C:\temp"`);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'schema', severity: 'warning', location: at(1, 4) })]);
  });
});
