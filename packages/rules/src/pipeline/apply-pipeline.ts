// Applies processing pipelines to a lowered rule condition: a transformer that returns a
// new tree (STYLE.md §1.3 item 4). All per-run state (lookup tables, compiled regexes)
// lives in locals of one call; the pipelines and the input tree are never mutated.
// Semantics are documented in pipeline.ts and rules/pipelines/README.md.
import {
  And,
  Constant,
  Exists,
  FieldRefValue,
  Match,
  Not,
  Or,
  StringPattern,
  PatternPart,
  errorRecord,
  visitNode,
  type ErrorRecord,
  type Logsource,
  type Node,
  type SourceLocation,
  type Value,
} from '@siemlite/core';
import type { LogsourceEntry, PipelineTransforms, ProcessingPipeline } from './pipeline.js';

/** What {@link applyPipeline} needs from a rule. */
export interface ApplyPipelineInput {
  readonly logsource: Logsource;
  readonly condition: Node;
  /** Where the rule is, for the errors applying the pipeline may raise. */
  readonly origin?: SourceLocation | null;
  /** The rule's key, copied into error records. */
  readonly ruleId?: string | null;
}

/** The processed condition; `isMapped` goes to `DetectionRule.isMapped`. */
export interface ApplyPipelineResult {
  readonly condition: Node;
  readonly isMapped: boolean;
  readonly errors: readonly ErrorRecord[];
}

/**
 * Applies `pipelines` in priority order to a rule's condition and returns a new tree:
 * per matching logsource entry the condition is renamed (and dropped/replaced) and AND-ed
 * with the entry's conditions; the branches are OR-ed. With no pipelines (`none` mode)
 * the condition is returned as is and the rule counts as mapped.
 *
 * @example
 * const { condition, isMapped } = applyPipeline({ logsource, condition: lowered }, [windows]);
 */
export function applyPipeline(
  input: ApplyPipelineInput,
  pipelines: readonly ProcessingPipeline[],
): ApplyPipelineResult {
  if (pipelines.length === 0) return freezeResult(input.condition, true, []);
  const errors: ErrorRecord[] = [];
  const origin = input.origin ?? null;
  const ruleId = input.ruleId ?? null;
  let node: Node = input.condition;
  let hasLogsources = false;
  let isMatched = false;
  const strict: string[] = [];
  for (const pipeline of orderPipelines(pipelines)) {
    const entries = matchingEntries(pipeline, input.logsource);
    if (pipeline.logsources.length > 0) {
      hasLogsources = true;
      if (pipeline.unmapped === 'error') strict.push(pipeline.name);
    }
    if (entries.length === 0) {
      node = transformOrFail(node, createTables(pipeline, null), pipeline, errors, origin, ruleId);
      continue;
    }
    isMatched = true;
    const current = node;
    const branches = entries.map((entry) =>
      And.create([transformOrFail(current, createTables(pipeline, entry), pipeline, errors, origin, ruleId), ...conditionNodes(entry)]),
    );
    node = Or.create(branches);
  }
  const isMapped = !hasLogsources || isMatched;
  if (!isMapped && strict.length > 0) {
    errors.push(
      errorRecord(
        'pipeline',
        `logsource ${describeLogsource(input.logsource)} matches no logsources entry of pipeline ${strict.map((n) => `'${n}'`).join(', ')}`,
        origin,
        ruleId,
      ),
    );
  }
  return freezeResult(node, isMapped, errors);
}

/**
 * The merged placeholder table of `pipelines` for the `expand` modifier: pipelines in
 * priority order, a later definition of a name replacing an earlier one.
 *
 * @example resolvePlaceholders([windows]).get('Administrators') // ['Admin*']
 */
export function resolvePlaceholders(pipelines: readonly ProcessingPipeline[]): ReadonlyMap<string, readonly string[]> {
  const table = new Map<string, readonly string[]>();
  for (const pipeline of orderPipelines(pipelines)) {
    for (const p of pipeline.placeholders) table.set(p.name, p.values);
  }
  return table;
}

/**
 * Every name a Sigma field may have in events after `pipelines`, for correlation
 * `group-by`, aliases and `field` (§9.2): one name per distinct rename across the
 * matching branches (e.g. `Image` → `['Image', 'NewProcessName']` for process_creation
 * on windows). A dropped field yields no name. Consumers read the first one present.
 *
 * @example mapFieldName('Image', [windows], { category: 'process_creation', product: 'windows', service: null, definition: null })
 */
export function mapFieldName(
  field: string,
  pipelines: readonly ProcessingPipeline[],
  logsource: Logsource,
): readonly string[] {
  let names: readonly string[] = [field];
  for (const pipeline of orderPipelines(pipelines)) {
    const entries = matchingEntries(pipeline, logsource);
    const tables = entries.length === 0 ? [createTables(pipeline, null)] : entries.map((e) => createTables(pipeline, e));
    const next: string[] = [];
    for (const name of names) {
      for (const t of tables) {
        if (t.drops.has(name)) continue;
        for (const target of t.mappings.get(name) ?? [name]) if (!next.includes(target)) next.push(target);
      }
    }
    names = next;
  }
  return Object.freeze(names.slice());
}

/**
 * True when a logsources entry applies to a rule's logsource: every attribute the entry
 * sets is equal (case-sensitive); with `isExact`, attributes it omits are absent too.
 *
 * @example matchesLogsource(entry, rule.logsource)
 */
export function matchesLogsource(entry: LogsourceEntry, logsource: Logsource): boolean {
  const attr = (want: string | null, have: string | null): boolean =>
    want === null ? !entry.isExact || have === null : want === have;
  return (
    attr(entry.category, logsource.category) &&
    attr(entry.product, logsource.product) &&
    attr(entry.service, logsource.service)
  );
}

/** Pipelines by ascending priority; equal priorities keep the order given (stable sort). */
function orderPipelines(pipelines: readonly ProcessingPipeline[]): readonly ProcessingPipeline[] {
  return pipelines.slice().sort((a, b) => a.priority - b.priority);
}

function matchingEntries(pipeline: ProcessingPipeline, logsource: Logsource): readonly LogsourceEntry[] {
  return pipeline.logsources.filter((entry) => matchesLogsource(entry, logsource));
}

function conditionNodes(entry: LogsourceEntry): Node[] {
  return entry.conditions.map((c) => Or.create(c.values.map((v) => Match.create(c.field, v, c.origin))));
}

function describeLogsource(logsource: Logsource): string {
  const parts: string[] = [];
  if (logsource.category !== null) parts.push(`category: ${logsource.category}`);
  if (logsource.product !== null) parts.push(`product: ${logsource.product}`);
  if (logsource.service !== null) parts.push(`service: ${logsource.service}`);
  return `{${parts.join(', ')}}`;
}

function freezeResult(condition: Node, isMapped: boolean, errors: readonly ErrorRecord[]): ApplyPipelineResult {
  return Object.freeze({ condition, isMapped, errors: Object.freeze(errors.slice()) });
}

interface CompiledReplacement {
  readonly fields: ReadonlySet<string> | null;
  readonly regex: RegExp;
  readonly replacement: string;
}

/** Lookup tables of one pipeline, optionally with one branch's transforms on top. */
interface Tables {
  readonly mappings: ReadonlyMap<string, readonly string[]>;
  readonly drops: ReadonlySet<string>;
  readonly replacements: readonly CompiledReplacement[];
}

/**
 * Tables per pipeline and branch, built once: pipelines are frozen, and applying one to
 * every SigmaHQ rule used to rebuild the same maps and regexes per rule (a third of
 * `processRules`' time at start-up, issue 14). The regexes are global but only used through
 * `String.replace`, which resets `lastIndex`, so sharing them is safe.
 */
const tablesCache = new WeakMap<PipelineTransforms, WeakMap<PipelineTransforms, Tables>>();

function createTables(global: PipelineTransforms, branch: PipelineTransforms | null): Tables {
  // A pipeline built by hand may still change: only frozen ones (loadPipeline's) are cached.
  if (!Object.isFrozen(global) || (branch !== null && !Object.isFrozen(branch))) return buildTables(global, branch);
  let byBranch = tablesCache.get(global);
  if (byBranch === undefined) {
    byBranch = new WeakMap();
    tablesCache.set(global, byBranch);
  }
  const key = branch ?? global;
  let tables = byBranch.get(key);
  if (tables === undefined) {
    tables = buildTables(global, branch);
    byBranch.set(key, tables);
  }
  return tables;
}

function buildTables(global: PipelineTransforms, branch: PipelineTransforms | null): Tables {
  const mappings = new Map<string, readonly string[]>();
  const drops = new Set<string>();
  const replacements: CompiledReplacement[] = [];
  for (const level of branch === null ? [global] : [global, branch]) {
    // Later levels overwrite: a branch mapping wins over the global one for its field.
    for (const m of level.fieldMappings) mappings.set(m.field, m.targets);
    for (const f of level.dropFields) drops.add(f);
    for (const r of level.valueReplacements) {
      replacements.push({
        fields: r.fields === null ? null : new Set(r.fields),
        // Validated by loadPipeline; a pipeline built by hand with a bad regex is a bug.
        regex: new RegExp(r.regex, `g${r.flags}`),
        replacement: r.replacement,
      });
    }
  }
  return { mappings, drops, replacements };
}

function transformOrFail(
  node: Node,
  tables: Tables,
  pipeline: ProcessingPipeline,
  errors: ErrorRecord[],
  origin: SourceLocation | null,
  ruleId: string | null,
): Node {
  const out = transformNode(node, tables);
  if (out !== null) return out;
  errors.push(
    errorRecord('pipeline', `drop_fields of pipeline '${pipeline.name}' removed every detection item of the rule`, origin, ruleId),
  );
  return Constant.FALSE;
}

/** Field names a mapping leaves as they are: no mapping, or a mapping to the name itself. */
function isUnmapped(tables: Tables, field: string): boolean {
  const targets = tables.mappings.get(field);
  return targets === undefined || (targets.length === 1 && targets[0] === field);
}

/**
 * Rewrites one tree with one set of tables; null means "removed" (drop_fields). A subtree
 * the tables leave unchanged is returned as it is (nodes are frozen): the processed rules
 * share it with the loaded ones instead of holding a second copy of every tree, which was
 * most of what `processRules` allocated at start-up (issue 14).
 */
function transformNode(node: Node, tables: Tables): Node | null {
  return visitNode<Node | null>(node, {
    And: (n) => group(n, n.children, tables, And.create),
    Or: (n) => group(n, n.children, tables, Or.create),
    Not: (n) => {
      const child = transformNode(n.child, tables);
      return child === null ? null : child === n.child ? n : Not.create(child);
    },
    Match: (n) => {
      if (tables.drops.has(n.field)) return null;
      const value = replaceValue(n.field, n.value, tables);
      if (value === n.value && isUnmapped(tables, n.field) && (!FieldRefValue.is(value) || (!tables.drops.has(value.field) && isUnmapped(tables, value.field)))) return n;
      const fields = tables.mappings.get(n.field) ?? [n.field];
      if (!FieldRefValue.is(value)) return Or.create(fields.map((f) => Match.create(f, value, n.origin)));
      if (tables.drops.has(value.field)) return null;
      const refs = tables.mappings.get(value.field) ?? [value.field];
      const out: Node[] = [];
      for (const f of fields) {
        for (const r of refs) out.push(Match.create(f, FieldRefValue.create(r, value.position, value.isCased), n.origin));
      }
      return Or.create(out);
    },
    Exists: (n) => {
      if (tables.drops.has(n.field)) return null;
      if (isUnmapped(tables, n.field)) return n;
      const fields = tables.mappings.get(n.field) ?? [n.field];
      return Or.create(fields.map((f) => Exists.create(f, n.origin)));
    },
    Keyword: (n) => n,
    Constant: (n) => n,
  });
}

function group(node: Node, children: readonly Node[], tables: Tables, create: (nodes: readonly Node[]) => Node): Node | null {
  const kept: Node[] = [];
  let isSame = true;
  for (const child of children) {
    const out = transformNode(child, tables);
    if (out !== null) kept.push(out);
    if (out !== child) isSame = false;
  }
  // A group whose every item was dropped disappears from its parent as well.
  if (kept.length === 0 && children.length > 0) return null;
  return isSame ? node : create(kept);
}

function replaceValue(field: string, value: Value, tables: Tables): Value {
  if (!StringPattern.is(value) || tables.replacements.length === 0) return value;
  let parts = value.parts;
  let isChanged = false;
  for (const r of tables.replacements) {
    if (r.fields !== null && !r.fields.has(field)) continue;
    parts = parts.map((part) => {
      if (part.kind !== 'Literal') return part;
      const text = part.text.replace(r.regex, r.replacement);
      if (text === part.text) return part;
      isChanged = true;
      return PatternPart.literal(text);
    });
  }
  return isChanged ? StringPattern.create(parts, value.isCased) : value;
}
