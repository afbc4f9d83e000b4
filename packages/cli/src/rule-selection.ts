// The rule selection options shared by every command that takes rules (hunt, validate,
// explain, rules, test): their parseArgs spec, their help lines, and parsing them into a
// RuleSelection (the selection itself is selectRules in @siemlite/rules).
import { readFileSync } from 'node:fs';
import { LEVELS, type Level } from '@siemlite/core';
import type { RuleSelection } from '@siemlite/rules';
import { UsageError } from './usage-error.js';

/** The options for parseArgs; spread into a command's `options`. */
export const RULE_SELECTION_OPTIONS = {
  'min-level': { type: 'string' },
  status: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  product: { type: 'string', multiple: true },
  category: { type: 'string', multiple: true },
  service: { type: 'string', multiple: true },
  'rule-id': { type: 'string', multiple: true },
  'exclude-rules': { type: 'string', multiple: true },
} as const;

/** What parseArgs returns for RULE_SELECTION_OPTIONS. */
export interface RuleSelectionValues {
  readonly 'min-level'?: string | undefined;
  readonly status?: string[] | undefined;
  readonly tag?: string[] | undefined;
  readonly product?: string[] | undefined;
  readonly category?: string[] | undefined;
  readonly service?: string[] | undefined;
  readonly 'rule-id'?: string[] | undefined;
  readonly 'exclude-rules'?: string[] | undefined;
}

/** The help lines of the selection options, descriptions starting at `column`. */
export function ruleSelectionUsage(column: number): string {
  const line = (flag: string, ...text: string[]): string =>
    [`${`  ${flag}`.padEnd(column)}${text[0]}`, ...text.slice(1).map((t) => `${' '.repeat(column)}${t}`)].join('\n');
  return [
    'rule selection (each option repeatable or comma-separated; values of one option are',
    'alternatives, different options must all hold; case-insensitive):',
    line('--min-level LEVEL', `only rules at LEVEL or above (${LEVELS.join(', ')}; no level = informational)`),
    line('--status STATUS', 'only rules with this status (stable, test, experimental, ...)'),
    line('--tag TAG', 'only rules with a tag starting with TAG on a dot boundary', '(attack.t1059 selects attack.t1059.001)'),
    line('--product NAME', 'only rules whose logsource has this product (windows, linux, ...)'),
    line('--category NAME', 'only rules whose logsource has this category (process_creation, ...)'),
    line('--service NAME', 'only rules whose logsource has this service (security, sysmon, ...)'),
    line('--rule-id ID', 'only the rules with this id (or name)'),
    line('--exclude-rules FILE', 'never the rules listed in FILE: one rule id (or name) per line,', '# starts a comment, blank lines are ignored'),
  ].join('\n');
}

const split = (list: readonly string[] | undefined): string[] =>
  (list ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

/**
 * Parses the selection options. Bad values are usage errors; an exclude file that cannot be
 * read, or a line of it that is not one id, is a usage error naming the file, line and column.
 */
export function parseRuleSelection(values: RuleSelectionValues): RuleSelection {
  let minLevel: Level | undefined;
  const level = values['min-level'];
  if (level !== undefined) {
    minLevel = LEVELS.find((l) => l === level.toLowerCase());
    if (minLevel === undefined) throw new UsageError(`--min-level must be one of ${LEVELS.join(', ')}, not '${level}'`);
  }
  const exclude = new Set<string>();
  for (const file of values['exclude-rules'] ?? []) for (const id of readExcludeFile(file)) exclude.add(id);
  const selection: RuleSelection = {
    ...(minLevel === undefined ? {} : { minLevel }),
    statuses: split(values.status),
    tags: split(values.tag),
    products: split(values.product),
    categories: split(values.category),
    services: split(values.service),
    ruleIds: split(values['rule-id']),
    exclude,
  };
  return selection;
}

/**
 * Reads an exclude file: one rule id (or name) per line; `#` starts a comment (whole line or
 * after the id); blank lines are ignored. The format of Hayabusa's exclude_rules.txt.
 */
export function readExcludeFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--exclude-rules: cannot read '${file}': ${(e as Error).message}`);
  }
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const body = hash < 0 ? raw : raw.slice(0, hash);
    const words = [...body.matchAll(/\S+/g)];
    if (words.length === 0) return;
    if (words.length > 1) {
      const column = (words[1]?.index ?? 0) + 1;
      throw new UsageError(`--exclude-rules: ${file}:${i + 1}:${column}: one rule id per line expected, found '${words[1]?.[0]}' after '${words[0]?.[0]}' (start a comment with #)`);
    }
    ids.push((words[0] as RegExpExecArray)[0]);
  });
  return ids;
}
