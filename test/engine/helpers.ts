// Shared driver for the engine matching tests: a Sigma `detection` block goes through the
// real loader, then each event through `detect` and through the reference matcher.
import { expect } from 'vitest';
import { detect, explain, type DetectionRule } from '@siemlite/core';
import { loadPipeline, loadRulesFromText, type ProcessingPipeline } from '@siemlite/rules';
import { referenceMatches } from './reference-matcher.js';

export type Event = Record<string, unknown>;

/** One rule (its `detection` block) and events with the expected verdict for each. */
export interface MatchCase {
  readonly name: string;
  /** The body of `detection:` as YAML, at any indentation (it is re-indented). */
  readonly detection: string;
  readonly events: readonly (readonly [Event, boolean])[];
  /** Placeholder table for `expand` (name without % -> values). */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** A complete one-document rule around a detection block. */
export function ruleText(detection: string, title = 'test rule'): string {
  const body = dedent(detection)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return `title: ${JSON.stringify(title)}\nlogsource:\n  product: test\ndetection:\n${body}\n`;
}

/** A pipeline holding only a placeholder table, loaded through the real pipeline loader. */
export function placeholderPipeline(placeholders: Readonly<Record<string, readonly string[]>>): ProcessingPipeline {
  const lines = ['name: test-placeholders', 'placeholders:'];
  for (const [name, values] of Object.entries(placeholders)) {
    lines.push(`  ${JSON.stringify(name)}: [${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`);
  }
  const { pipeline, errors } = loadPipeline('placeholders.yml', `${lines.join('\n')}\n`);
  expect(errors, 'placeholder pipeline loads').toEqual([]);
  if (pipeline === null) throw new Error('placeholder pipeline did not load');
  return pipeline;
}

/** Loads a one-rule text and requires it to load without errors. */
export function loadOne(detection: string, placeholders?: Readonly<Record<string, readonly string[]>>): DetectionRule {
  const pipelines = placeholders === undefined ? [] : [placeholderPipeline(placeholders)];
  const set = loadRulesFromText('case.yml', ruleText(detection), { pipelines });
  expect(set.errors.map((e) => `${e.code}: ${e.message}`), 'rule loads').toEqual([]);
  expect(set.rules).toHaveLength(1);
  return set.rules[0] as DetectionRule;
}

/** Load errors (codes) of a detection block that must not load. */
export function loadErrors(detection: string, placeholders?: Readonly<Record<string, readonly string[]>>): string[] {
  const pipelines = placeholders === undefined ? [] : [placeholderPipeline(placeholders)];
  const set = loadRulesFromText('case.yml', ruleText(detection), { pipelines });
  return set.errors.map((e) => e.code);
}

/** Per event: did `detect` alert for the rule? */
export async function engineVerdicts(rules: readonly DetectionRule[], events: readonly Event[]): Promise<boolean[]> {
  const alerts = await detect(events, { rules });
  const hit = new Set(alerts.map((a) => a.source.record));
  return events.map((_, i) => hit.has(i + 1));
}

/** Runs a case through the engine and the reference matcher; both must give the expected verdicts. */
export async function checkCase(c: MatchCase): Promise<void> {
  const rule = loadOne(c.detection, c.placeholders);
  const events = c.events.map(([e]) => e);
  const expected = c.events.map(([, m]) => m);
  const engine = await engineVerdicts([rule], events);
  const reference = events.map((e) => referenceMatches(rule.condition, e));
  const show = (verdicts: boolean[]): string[] => verdicts.map((m, i) => `${m ? 'match   ' : 'no match'} ${JSON.stringify(events[i])}`);
  expect(show(reference), 'reference matcher').toEqual(show(expected));
  expect(show(engine), 'engine (detect)').toEqual(show(expected));
  // explain (the analyst's view) must give the engine's verdict on every case.
  const explained = events.map((e) => explain(rule, e).matched);
  expect(show(explained), 'explain').toEqual(show(expected));
}
