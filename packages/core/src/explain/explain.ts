// explain: why a detection rule matches one event or not. A slow, allocating walk of the
// rule's IR condition, separate from the compiled evaluator (which records nothing), built
// on the engine's value kernels (compile/value-tests: one test per value, built per call here)
// and field lookup. It answers the same verdict as the engine;
// test/engine/explain.test.ts checks that on the differential test's random rules and on
// every modifier and condition case.
//
// Decisions:
// - Every node of the tree is evaluated (no short-circuit), so the user sees each field
//   test, also those the engine would skip.
// - Field lookup is the engine's own `lookupField` (arrays of objects collected as the
//   engine does); the event must already be normalized (`normalizeEvent`) like the engine's.
// - Leaves carry the rule-file location they came from (`origin`), which is how a leaf is
//   tied to its selection in the rule file.
import type { SourceLocation } from '../errors.js';
import type { Node } from '../ir/nodes.js';
import type { DetectionRule } from '../ir/rules.js';
import type { FieldRefValue, Value } from '../ir/values.js';
import { StringPattern as StringPatternOps } from '../ir/values.js';
import { lookupField } from '../event/lookup-field.js';
import { foldCase } from '../compile/fold-case.js';
import type { StringTest } from '../compile/string-kernels.js';
import { compileValueTest } from '../compile/value-tests.js';

/** Outcome of one node: `missing` is a field test whose field is absent (and so did not match). */
export type ExplainStatus = 'matched' | 'not-matched' | 'missing';

/** An And, Or or Not node of an explanation, with its verdict and its children's. */
export interface ExplainGroup {
  readonly kind: 'And' | 'Or' | 'Not';
  readonly status: ExplainStatus;
  readonly matched: boolean;
  readonly children: readonly ExplainNode[];
}

/** A field test, keyword search, existence test or constant of an explanation, with the value seen. */
export interface ExplainLeaf {
  readonly kind: 'Match' | 'Keyword' | 'Exists' | 'Constant';
  readonly status: ExplainStatus;
  readonly matched: boolean;
  /** The field tested; null for keywords and constants. */
  readonly field: string | null;
  /** The value the rule expects, after modifiers, in Sigma-like text (`contains`, `re`, `cidr`...). */
  readonly expected: string;
  /** The value seen in the event (undefined when the field is absent). */
  readonly seen: unknown;
  readonly origin: SourceLocation | null;
  /** The search identifier the test was written under, when selection locations were given. */
  readonly selection: string | null;
}

/** One node of the explained condition tree. */
export type ExplainNode = ExplainGroup | ExplainLeaf;

/** A search identifier of a rule file and where its key is written. */
export interface SelectionLocation {
  readonly name: string;
  readonly origin: SourceLocation;
}

/** Options of `explain`. */
export interface ExplainOptions {
  /** Selections of the rule's file (`selectionLocations` of @siemlite/rules), to name field tests. */
  readonly selections?: readonly SelectionLocation[];
}

/** A selection's verdict; null when the condition does not use it (or it lowered to nothing). */
export interface SelectionVerdict {
  readonly name: string;
  readonly matched: boolean | null;
}

/** Why a rule did or did not match one event: the verdict, the tree and each selection's verdict. */
export interface Explanation {
  readonly matched: boolean;
  /** Every selection of the rule, in file order (empty without `selections`). */
  readonly selections: readonly SelectionVerdict[];
  readonly rule: { readonly key: string; readonly title: string; readonly origin: SourceLocation };
  readonly tree: ExplainNode;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** §2.4: the text of a scalar for string tests; null for values without text (objects, null). */
function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return null;
}

const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/g;
const escapeRegex = (text: string): string => text.replace(REGEX_SYNTAX, (c) => `\\${c}`);

function fieldRefMatches(ref: FieldRefValue, v: unknown, event: Json): boolean {
  const left = textOf(v);
  const right = textOf(lookupField(event, ref.field));
  if (left === null || right === null) return false;
  const lit = escapeRegex(right);
  const source =
    ref.position === 'exact' ? `^${lit}$` : ref.position === 'startswith' ? `^${lit}` : ref.position === 'endswith' ? `${lit}$` : lit;
  return new RegExp(source, ref.isCased ? 'su' : 'isu').test(left);
}

/** The value test of one leaf: the engine's value kernels (compile/value-tests), not its walk. */
function valueTest(value: Value): StringTest | null {
  return value.kind === 'Null' || value.kind === 'FieldRef' ? null : compileValueTest(value);
}

function textMatches(test: StringTest, v: unknown): boolean {
  const text = textOf(v);
  return text !== null && test(text, foldCase(text));
}

function scalarMatches(value: Value, test: StringTest | null, v: unknown, event: Json): boolean {
  if (v === null) return value.kind === 'Null';
  if (value.kind === 'FieldRef') return fieldRefMatches(value, v, event);
  return test !== null && textMatches(test, v);
}

/** §2.2: absent fails everything but null; a list matches when any element does. */
function valueMatches(value: Value, test: StringTest | null, v: unknown, event: Json): boolean {
  if (v === undefined) return value.kind === 'Null';
  if (Array.isArray(v)) return v.some((element) => element !== undefined && valueMatches(value, test, element, event));
  return scalarMatches(value, test, v, event);
}

function scalarValues(v: unknown, out: unknown[]): unknown[] {
  if (Array.isArray(v)) for (const e of v) scalarValues(e, out);
  else if (isObject(v)) for (const key of Object.keys(v)) scalarValues(v[key], out);
  else if (v !== null && v !== undefined) out.push(v);
  return out;
}

/** The rule's value after modifiers, as a user reads it (`re: ...`, `cidr: ...`, `*evil*`). */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'StringPattern':
      return `${value.isCased ? 'cased ' : ''}'${StringPatternOps.toSigma(value)}'`;
    case 'Number':
      return value.text;
    case 'Boolean':
      return String(value.value);
    case 'Null':
      return 'null (absent or null)';
    case 'Regex':
      return `re /${value.source}/${value.flags}`;
    case 'Cidr':
      return `cidr ${value.network}/${value.prefixLength}`;
    case 'Compare':
      return `${value.op} ${value.value}`;
    case 'FieldRef':
      return `fieldref ${value.position} ${value.field}${value.isCased ? ' (cased)' : ''}`;
    case 'TimePart':
      return `${value.part} ${value.op} ${value.value}`;
  }
}

function leaf(
  kind: ExplainLeaf['kind'],
  matched: boolean,
  field: string | null,
  expected: string,
  seen: unknown,
  origin: SourceLocation | null,
): ExplainLeaf {
  const status: ExplainStatus = matched ? 'matched' : field !== null && seen === undefined ? 'missing' : 'not-matched';
  return { kind, status, matched, field, expected, seen, origin, selection: null };
}

function group(kind: ExplainGroup['kind'], matched: boolean, children: readonly ExplainNode[]): ExplainGroup {
  return { kind, status: matched ? 'matched' : 'not-matched', matched, children };
}

/** Explains one IR condition over one normalized event. */
export function explainNode(node: Node, event: Json): ExplainNode {
  switch (node.kind) {
    case 'And': {
      const children = node.children.map((c) => explainNode(c, event));
      return group('And', children.every((c) => c.matched), children);
    }
    case 'Or': {
      const children = node.children.map((c) => explainNode(c, event));
      return group('Or', children.some((c) => c.matched), children);
    }
    case 'Not': {
      const child = explainNode(node.child, event);
      return group('Not', !child.matched, [child]);
    }
    case 'Constant':
      return leaf('Constant', node.value, null, String(node.value), undefined, null);
    case 'Exists': {
      const seen = lookupField(event, node.field);
      return leaf('Exists', seen !== undefined, node.field, 'exists', seen, node.origin);
    }
    case 'Keyword': {
      const test = compileValueTest(node.value);
      const hit = scalarValues(event, []).find((v) => textMatches(test, v));
      return leaf('Keyword', hit !== undefined, null, `keyword ${describeValue(node.value)}`, hit, node.origin);
    }
    case 'Match': {
      const seen = lookupField(event, node.field);
      return leaf('Match', valueMatches(node.value, valueTest(node.value), seen, event), node.field, describeValue(node.value), seen, node.origin);
    }
  }
}

/**
 * Why `rule` matches `event` or not: the condition tree with every field test marked
 * matched / not matched / missing, the value seen and the value expected, and the verdict.
 * `event` must be normalized as the engine sees it (`normalizeEvent` for evtx JSON).
 *
 * @example
 * const { matched, tree } = explain(rule, normalizeEvent(record));
 */
export function explain(rule: DetectionRule, event: Record<string, unknown>, options: ExplainOptions = {}): Explanation {
  const selections = (options.selections ?? []).filter((s) => s.origin.file === rule.origin.file);
  const raw = explainNode(rule.condition, event);
  const tree = selections.length === 0 ? raw : nameLeaves(raw, selections);
  const verdicts = new Map<string, boolean>();
  if (selections.length > 0) collectSelectionVerdicts(tree, verdicts);
  return {
    matched: tree.matched,
    selections: [...new Set(selections.map((s) => s.name))].map((name) => ({ name, matched: verdicts.get(name) ?? null })),
    rule: { key: rule.key, title: rule.title, origin: rule.origin },
    tree,
  };
}

/** The selection written last before `origin` (same file), or null. */
function selectionAt(origin: SourceLocation | null, selections: readonly SelectionLocation[]): string | null {
  if (origin === null) return null;
  let best: SelectionLocation | null = null;
  for (const s of selections) {
    if (s.origin.file !== origin.file) continue;
    const before = s.origin.line < origin.line || (s.origin.line === origin.line && s.origin.column <= origin.column);
    if (before && (best === null || s.origin.line > best.origin.line || (s.origin.line === best.origin.line && s.origin.column > best.origin.column))) best = s;
  }
  return best?.name ?? null;
}

function nameLeaves(node: ExplainNode, selections: readonly SelectionLocation[]): ExplainNode {
  if ('children' in node) return { ...node, children: node.children.map((c) => nameLeaves(c, selections)) };
  return { ...node, selection: selectionAt(node.origin, selections) };
}

/** The one selection all leaves under `node` belong to, else null. */
function soleSelection(node: ExplainNode): string | null {
  if (!('children' in node)) return node.selection;
  let name: string | null = null;
  for (const child of node.children) {
    const s = soleSelection(child);
    if (s === null || (name !== null && s !== name)) return null;
    name = s;
  }
  return name;
}

/**
 * A selection's verdict is that of the largest subtree whose field tests all come from it
 * (identifiers are replaced by their lowered node, so that subtree is the selection). When a
 * selection's tests sit as several children of one group, they combine as that group does.
 */
function collectSelectionVerdicts(node: ExplainNode, out: Map<string, boolean>): void {
  // A `not sel` is not the selection: look inside it.
  const sole = node.kind === 'Not' ? null : soleSelection(node);
  if (sole !== null) {
    if (!out.has(sole)) out.set(sole, node.matched);
    return;
  }
  if (!('children' in node)) return;
  if (node.kind === 'Not') {
    for (const child of node.children) collectSelectionVerdicts(child, out);
    return;
  }
  const isPiece = (child: ExplainNode): boolean => child.kind !== 'Not' && soleSelection(child) !== null;
  const pieces = new Map<string, boolean[]>();
  for (const child of node.children) {
    const s = isPiece(child) ? soleSelection(child) : null;
    if (s !== null) pieces.set(s, [...(pieces.get(s) ?? []), child.matched]);
  }
  for (const [name, verdicts] of pieces) {
    if (!out.has(name)) out.set(name, node.kind === 'And' ? verdicts.every(Boolean) : verdicts.some(Boolean));
  }
  for (const child of node.children) if (!isPiece(child)) collectSelectionVerdicts(child, out);
}
