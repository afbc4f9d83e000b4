// `siemlite explain --rule FILE [--pipeline MODE] EVENTS... [--record N] [--format text|json]`:
// why each detection rule of FILE matches one event or not.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  explain,
  isWindowsEvent,
  normalizeEvent,
  readRecords,
  type BadRecord,
  type DetectionRule,
  type ErrorRecord,
  type ExplainNode,
  type Explanation,
  type SourceRecord,
} from '@siemlite/core';
import { loadRules, selectionLocations, selectRules, type RuleSelection } from '@siemlite/rules';
import { formatDiagnostic } from '../output/diagnostics.js';
import { resolvePipelines } from '../pipelines.js';
import { parseRuleSelection, RULE_SELECTION_OPTIONS } from '../rule-selection.js';
import { UsageError } from '../usage-error.js';
import type { CommandIo } from './validate.js';

export const EXPLAIN_USAGE = `usage: siemlite explain --rule FILE [options] EVENTS...

Shows why the detection rules of FILE match one event or not: the condition tree with each
selection and field test marked matched / not matched / missing, the value seen in the event
and the value the rule expects after modifiers, and the verdict.

options:
  --rule FILE            the Sigma rule file (every detection rule in it is explained)
  --rule-id ID           only the rule of FILE with this id (or name); repeatable
  --record N             the record to explain: its 1-based ordinal in each EVENTS file,
                         as alerts report it in source.record (default: 1)
  --pipeline MODE        auto (default: windows pipeline for Windows events, else none),
                         windows, none, or a pipeline YAML file
  --format text|json     output (default: text); json is one object per rule and record,
                         one per line, with top-level "matched" and "selections"
  -h, --help             show this help

exit status: 0 every explained rule matched, 1 some rule did not match (or no such
record), 2 bad usage or a rule that does not load`;

interface LoadedRules {
  readonly rules: readonly DetectionRule[];
  readonly errors: readonly ErrorRecord[];
}

function loadFor(file: string, pipeline: string, selection: RuleSelection): LoadedRules {
  const { pipelines, errors: pipelineErrors } = resolvePipelines(pipeline);
  const set = loadRules([file], { pipelines });
  return { rules: selectRules(set.rules, [], selection).rules, errors: [...pipelineErrors, ...set.errors] };
}

export async function runExplain(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      rule: { type: 'string' },
      'rule-id': RULE_SELECTION_OPTIONS['rule-id'],
      record: { type: 'string', default: '1' },
      pipeline: { type: 'string', default: 'auto' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${EXPLAIN_USAGE}\n`);
    return 0;
  }
  if (values.rule === undefined) throw new UsageError('explain needs --rule FILE');
  if (positionals.length === 0) throw new UsageError('explain needs at least one EVENTS file');
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
  if (!/^[1-9][0-9]*$/.test(values.record)) throw new UsageError(`--record must be a positive whole number, not '${values.record}'`);
  const wanted = Number(values.record);
  const ruleFile = values.rule;
  const selection = parseRuleSelection({ 'rule-id': values['rule-id'] });

  let text: string;
  try {
    text = readFileSync(ruleFile, 'utf8');
  } catch (e) {
    io.stderr(`siemlite explain: cannot read rule file '${ruleFile}': ${(e as Error).message}\n`);
    return 2;
  }
  const selections = selectionLocations(ruleFile, text);
  // Rule sets by pipeline name, loaded when first needed (auto picks per event).
  const loaded = new Map<string, LoadedRules>();
  const rulesFor = (mode: string): LoadedRules => {
    let set = loaded.get(mode);
    if (set === undefined) {
      set = loadFor(ruleFile, mode, selection);
      loaded.set(mode, set);
    }
    return set;
  };
  // Load once up front so rule errors stop the command before reading events.
  const first = rulesFor(values.pipeline === 'auto' ? 'none' : values.pipeline);
  if (first.errors.length > 0 || first.rules.length === 0) {
    for (const e of first.errors) io.stderr(`${formatDiagnostic(e)}\n`);
    if (first.errors.length === 0) io.stderr(`siemlite explain: '${ruleFile}' holds no detection rule${selection.ruleIds?.length ? ` with --rule-id ${selection.ruleIds.join(', ')}` : ''}\n`);
    return 2;
  }

  const found: SourceRecord[] = [];
  const onBadRecord = (b: BadRecord): void => {
    if (b.record === wanted) io.stderr(`siemlite explain: ${b.path}:${b.line}: record ${wanted} is bad (${b.code}): ${b.message}\n`);
  };
  for await (const chunk of readRecords(positionals, { onBadRecord })) {
    for (const r of chunk) if (r.record === wanted) found.push(r);
  }
  if (found.length === 0) {
    io.stderr(`siemlite explain: no record ${wanted} in ${positionals.join(', ')}\n`);
    return 1;
  }

  let allMatched = true;
  for (const record of found) {
    const mode = values.pipeline === 'auto' ? (isWindowsEvent(record.value) ? 'windows' : 'none') : values.pipeline;
    const set = rulesFor(mode);
    for (const e of set.errors) io.stderr(`${formatDiagnostic(e)}\n`);
    const event = normalizeEvent(record.value);
    for (const rule of set.rules) {
      const out = explain(rule, event, { selections });
      if (!rule.isMapped) io.stderr(`siemlite explain: '${rule.title}': its logsource matches no entry of pipeline ${mode}; hunt does not run it\n`);
      allMatched &&= out.matched;
      if (values.format === 'json') io.stdout(`${JSON.stringify(toJson(out, record, mode))}\n`);
      else io.stdout(formatExplanation(out, record, mode));
    }
  }
  return allMatched ? 0 : 1;
}

function toJson(out: Explanation, record: SourceRecord, pipeline: string): Record<string, unknown> {
  return {
    matched: out.matched,
    rule: { key: out.rule.key, title: out.rule.title, file: out.rule.origin.file, line: out.rule.origin.line },
    source: { path: record.path, record: record.record },
    pipeline,
    selections: out.selections,
    tree: out.tree,
  };
}

const MARK: Readonly<Record<ExplainNode['status'], string>> = { matched: '✓', 'not-matched': '✗', missing: '∅' };

function seenText(v: unknown): string {
  if (v === undefined) return 'field missing';
  const s = JSON.stringify(v);
  return `seen ${s.length > 120 ? `${s.slice(0, 117)}...` : s}`;
}

function renderNode(node: ExplainNode, indent: string, lines: string[], ruleFile: string): void {
  if ('children' in node) {
    lines.push(`${indent}${MARK[node.status]} ${node.kind === 'Not' ? 'NOT' : node.kind === 'And' ? 'ALL of' : 'ANY of'}`);
    for (const child of node.children) renderNode(child, `${indent}    `, lines, ruleFile);
    return;
  }
  const where = node.selection === null ? '' : `[${node.selection}] `;
  // Tests added by a pipeline point into the pipeline file: name it.
  const at = node.origin === null ? '' : node.origin.file === ruleFile ? ` (line ${node.origin.line})` : ` (${node.origin.file}:${node.origin.line})`;
  if (node.kind === 'Constant') lines.push(`${indent}${MARK[node.status]} ${node.expected}`);
  else if (node.kind === 'Keyword') lines.push(`${indent}${MARK[node.status]} ${where}${node.expected}: ${node.matched ? seenText(node.seen) : 'no value matches'}${at}`);
  else lines.push(`${indent}${MARK[node.status]} ${where}${node.field}: expected ${node.expected}, ${seenText(node.seen)}${at}`);
}

/** Text form: verdict, selection verdicts, then the tree (✓ matched, ✗ not matched, ∅ field missing). */
export function formatExplanation(out: Explanation, record: SourceRecord, pipeline: string): string {
  const lines = [
    `${out.rule.title} (${out.rule.origin.file}:${out.rule.origin.line}) on ${record.path} record ${record.record}, pipeline ${pipeline}`,
    `verdict: ${out.matched ? 'MATCHED' : 'NOT MATCHED'}`,
  ];
  if (out.selections.length > 0) {
    const verdict = (m: boolean | null): string => (m === null ? 'not used' : m ? 'matched' : 'not matched');
    lines.push(`selections: ${out.selections.map((s) => `${s.name} ${verdict(s.matched)}`).join(', ')}`);
  }
  renderNode(out.tree, '  ', lines, out.rule.origin.file);
  return `${lines.join('\n')}\n\n`;
}
