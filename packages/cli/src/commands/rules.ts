// `siemlite rules PATH... [--format table|json] [selection options]`: what would run.
import { parseArgs } from 'node:util';
import { LEVELS, type CorrelationRule, type DetectionRule } from '@siemlite/core';
import { ATTACK_TACTICS, attackOf, loadRules, selectRules } from '@siemlite/rules';
import { formatDiagnostic } from '../output/diagnostics.js';
import { resolvePipelines } from '../pipelines.js';
import { noRuleCacheUsage, ruleCacheOption } from '../rule-cache.js';
import { parseRuleSelection, RULE_SELECTION_OPTIONS, ruleSelectionUsage } from '../rule-selection.js';
import { resolveRulePaths } from '../rules-update/update.js';
import { UsageError } from '../usage-error.js';
import { runRulesUpdate } from './rules-update.js';
import type { CommandIo } from './validate.js';

export const RULES_USAGE = `usage: siemlite rules PATH... [options]
       siemlite rules update [options]   (see siemlite rules update --help)

Lists the rules a hunt with the same rules and selection options would run, with counts
per level, logsource and ATT&CK tactic. Rules a selected correlation reads but the
selection dropped are listed as bases: they run, and do not alert themselves.

options:
  --format table|json    output (default: table)
  --pipeline NAME|FILE   processing pipeline: none (default), windows, or a pipeline YAML file
${noRuleCacheUsage(25)}
  -h, --help             show this help

${ruleSelectionUsage(25)}

exit status: 0 listed, 1 some rule file failed to load (the rest are listed), 2 bad usage`;

/** One listed rule. */
export interface ListedRule {
  readonly kind: 'detection' | 'correlation';
  readonly id: string | null;
  readonly title: string;
  readonly level: string | null;
  readonly status: string | null;
  readonly logsource: string;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  /** False for a base: read by a correlation (without generate: true, Sigma §7.5) or kept only for a selected correlation. */
  readonly alerts: boolean;
  readonly file: string;
}

const count = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** `product/category/service` without the absent parts; `correlation` for correlations. */
function logsourceLabel(r: DetectionRule | CorrelationRule): string {
  if (r.kind === 'CorrelationRule') return `correlation (${r.type})`;
  const parts = [r.logsource.product, r.logsource.category, r.logsource.service].filter((p) => p !== null);
  return parts.length === 0 ? '(any)' : parts.join('/');
}

export function runRules(argv: readonly string[], io: CommandIo): number | Promise<number> {
  if (argv[0] === 'update') return runRulesUpdate(argv.slice(1), io);
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'table' },
      pipeline: { type: 'string', default: 'none' },
      'no-rule-cache': { type: 'boolean', default: false },
      ...RULE_SELECTION_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${RULES_USAGE}\n`);
    return 0;
  }
  if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`--format must be table or json, not '${values.format}'`);
  if (positionals.length === 0) throw new UsageError('rules needs at least one PATH');
  const selection = parseRuleSelection(values);
  const { pipelines, errors: pipelineErrors } = resolvePipelines(values.pipeline);
  const cache = ruleCacheOption(values['no-rule-cache'], io.stderr);
  const set = loadRules(resolveRulePaths(positionals), { pipelines, ...(cache === undefined ? {} : { cache }) });
  const errors = [...pipelineErrors, ...set.errors];
  for (const e of errors) io.stderr(`${formatDiagnostic(e)}\n`);
  const chosen = selectRules(set.rules, set.correlations, selection);
  for (const m of chosen.missing) io.stderr(`siemlite rules: correlation not run: ${m.rule.title} (${m.rule.key}) reads '${m.key}', which is not a loaded rule\n`);

  const listed: ListedRule[] = [...chosen.rules, ...chosen.correlations].map((r) => {
    const attack = attackOf(r.tags);
    return {
      kind: r.kind === 'DetectionRule' ? 'detection' : 'correlation',
      id: r.id,
      title: r.title,
      level: r.level,
      status: r.status,
      logsource: logsourceLabel(r),
      tactics: attack.tactics,
      techniques: attack.techniques,
      alerts: r.shouldAlert,
      file: r.origin.file,
    };
  });
  const byLevel = new Map<string, number>([...LEVELS].reverse().map((l) => [l, 0]));
  const byLogsource = new Map<string, number>();
  const byTactic = new Map<string, number>(ATTACK_TACTICS.map((t) => [t, 0]));
  for (const r of listed) {
    count(byLevel, r.level ?? 'informational');
    count(byLogsource, r.logsource);
    if (r.tactics.length === 0) count(byTactic, '(none)');
    for (const t of r.tactics) count(byTactic, t);
  }
  const nonZero = (m: Map<string, number>): [string, number][] => [...m].filter(([, n]) => n > 0);
  const logsources = [...byLogsource].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const detections = listed.filter((r) => r.kind === 'detection').length;
  const loaded = set.rules.length + set.correlations.length;

  if (values.format === 'json') {
    const out = {
      loaded: { rules: set.rules.length, correlations: set.correlations.length, errors: errors.length },
      selected: { rules: detections, correlations: listed.length - detections, bases: chosen.silenced.size },
      by_level: Object.fromEntries(nonZero(byLevel)),
      by_logsource: Object.fromEntries(logsources),
      by_tactic: Object.fromEntries(nonZero(byTactic)),
      rules: listed,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const rows = listed.map((r) => [r.alerts ? (r.level ?? '-') : 'base', r.status ?? '-', r.logsource, r.title, r.id ?? '-']);
    const head = ['LEVEL', 'STATUS', 'LOGSOURCE', 'TITLE', 'ID'];
    const widths = head.map((h, i) => Math.min(i === 3 ? 60 : 40, Math.max(h.length, ...rows.map((row) => (row[i] as string).length))));
    const fmt = (row: readonly string[]): string =>
      row
        .map((c, i) => (i === row.length - 1 ? c : (c.length > (widths[i] as number) ? `${c.slice(0, (widths[i] as number) - 1)}…` : c).padEnd(widths[i] as number)))
        .join('  ');
    io.stdout(`${fmt(head)}\n`);
    for (const row of rows) io.stdout(`${fmt(row)}\n`);
    const list = (pairs: readonly [string, number][]): string => pairs.map(([k, n]) => `${k} ${n}`).join(', ') || '-';
    io.stdout(
      `\n${detections} rules and ${listed.length - detections} correlations selected of ${loaded} loaded` +
        `${chosen.silenced.size > 0 ? ` (${chosen.silenced.size} run only as bases of selected correlations)` : ''}` +
        `${errors.length > 0 ? `; ${errors.length} errors` : ''}\n` +
        `by level:     ${list(nonZero(byLevel))}\n` +
        `by logsource: ${list(logsources)}\n` +
        `by tactic:    ${list(nonZero(byTactic))}\n`,
    );
  }
  return errors.length > 0 ? 1 : 0;
}
