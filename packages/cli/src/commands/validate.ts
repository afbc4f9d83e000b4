// `siemlite validate PATH... [--format text|json] [--pipeline NAME|FILE] [--warnings]`
import { parseArgs } from 'node:util';
import type { ErrorRecord } from '@siemlite/core';
import { isEmptySelection, loadRules, selectRules } from '@siemlite/rules';
import { formatDiagnostic, SourceExcerpts } from '../output/diagnostics.js';
import { Progress } from '../output/progress.js';
import { resolvePipelines } from '../pipelines.js';
import { noRuleCacheUsage, ruleCacheOption } from '../rule-cache.js';
import { resolveRulePaths } from '../rules-update/update.js';
import { parseRuleSelection, RULE_SELECTION_OPTIONS, ruleSelectionUsage } from '../rule-selection.js';
import { UsageError } from '../usage-error.js';

export const VALIDATE_USAGE = `usage: siemlite validate PATH... [options]

Loads Sigma rule files and folders (recursively, .yml/.yaml) and reports every error
with its file, line and column.

options:
  --format text|json     output format (default: text)
  --pipeline NAME|FILE   processing pipeline: none (default), windows, or a pipeline YAML file
  --warnings             also print warnings (text format; JSON always lists them)
  --strict-placeholders  an expand placeholder with no configured value is an error
                         (default: a warning, the placeholder is checked as '*')
${noRuleCacheUsage(25)}
  -h, --help             show this help

${ruleSelectionUsage(25)}
                         (validate checks every file; the selection only changes the
                         counts: a rule that fails to load has nothing to select on)

exit status: 0 no errors, 1 some rule failed to load, 2 bad usage`;

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
}

export function runValidate(argv: readonly string[], io: CommandIo): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      pipeline: { type: 'string', default: 'none' },
      warnings: { type: 'boolean', default: false },
      'strict-placeholders': { type: 'boolean', default: false },
      'no-rule-cache': { type: 'boolean', default: false },
      ...RULE_SELECTION_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
  if (positionals.length === 0) throw new UsageError('validate needs at least one PATH');
  const selection = parseRuleSelection(values);

  const { pipelines, errors: pipelineErrors } = resolvePipelines(values.pipeline);
  const progress = new Progress(io.isTty && values.format === 'text');
  let seen = 0;
  const cache = ruleCacheOption(values['no-rule-cache'], io.stderr);
  const set = loadRules(resolveRulePaths(positionals), {
    pipelines,
    placeholderFallback: values['strict-placeholders'] ? 'error' : 'wildcard',
    onFile: (file) => progress.update(`validating ${++seen} files… ${file}`),
    ...(cache === undefined ? {} : { cache }),
  });
  progress.done();
  const errors: ErrorRecord[] = [...pipelineErrors, ...set.errors];
  const chosen = isEmptySelection(selection) ? null : selectRules(set.rules, set.correlations, selection);

  if (values.format === 'json') {
    const out = {
      files: set.files,
      rules: set.rules.length,
      correlations: set.correlations.length,
      filters: set.filters.length,
      ...(chosen === null ? {} : { selected: { rules: chosen.rules.length, correlations: chosen.correlations.length, bases: chosen.silenced.size } }),
      errors: errors.map(toJson),
      warnings: set.warnings.map(toJson),
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const excerpts = io.isTty ? new SourceExcerpts() : null;
    const shown = values.warnings ? [...errors, ...set.warnings] : errors;
    for (const e of sortByLocation(shown)) {
      io.stdout(`${formatDiagnostic(e)}\n`);
      const ex = excerpts?.excerpt(e);
      if (ex != null) io.stdout(`${ex}\n`);
    }
    const okFiles = set.files - set.filesWithErrors;
    io.stdout(
      `${set.files} files (${okFiles} without errors): ${set.rules.length} rules, ${set.correlations.length} correlations, ` +
        `${set.filters.length} filters loaded` +
        `${chosen === null ? '' : ` (selected: ${chosen.rules.length} rules, ${chosen.correlations.length} correlations, ${chosen.silenced.size} of them bases)`}` +
        `; ${errors.length} errors, ${set.warnings.length} warnings\n`,
    );
  }
  return errors.length > 0 ? 1 : 0;
}

function toJson(e: ErrorRecord): Record<string, unknown> {
  return {
    file: e.location?.file ?? null,
    line: e.location?.line ?? null,
    column: e.location?.column ?? null,
    rule_id: e.ruleId,
    code: e.code,
    message: e.message,
    severity: e.severity,
  };
}

function sortByLocation(list: readonly ErrorRecord[]): ErrorRecord[] {
  return [...list].sort((a, b) => {
    const fa = a.location?.file ?? '';
    const fb = b.location?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    return (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0);
  });
}
