// explain: why a detection rule matches one event or not. A slow, allocating walk of the
// rule's IR condition, separate from the compiled evaluator (which records nothing), written
// from sigma-semantics.md (§2.2-2.4, §3, §4, §5). It answers the same verdict as the engine;
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
import RE2 from 're2';
import type { SourceLocation } from '../errors.js';
import type { Node } from '../ir/nodes.js';
import type { DetectionRule } from '../ir/rules.js';
import type { CidrValue, CompareOp, FieldRefValue, RegexValue, StringPattern, TimePartValue, Value } from '../ir/values.js';
import { StringPattern as StringPatternOps } from '../ir/values.js';
import { lookupField } from '../event/lookup-field.js';

/** Outcome of one node: `missing` is a field test whose field is absent (and so did not match). */
export type ExplainStatus = 'matched' | 'not-matched' | 'missing';

export interface ExplainGroup {
  readonly kind: 'And' | 'Or' | 'Not';
  readonly status: ExplainStatus;
  readonly matched: boolean;
  readonly children: readonly ExplainNode[];
}

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

export type ExplainNode = ExplainGroup | ExplainLeaf;

/** A search identifier of a rule file and where its key is written. */
export interface SelectionLocation {
  readonly name: string;
  readonly origin: SourceLocation;
}

export interface ExplainOptions {
  /** Selections of the rule's file (`selectionLocations` of @siemlite/rules), to name field tests. */
  readonly selections?: readonly SelectionLocation[];
}

/** A selection's verdict; null when the condition does not use it (or it lowered to nothing). */
export interface SelectionVerdict {
  readonly name: string;
  readonly matched: boolean | null;
}

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

function patternRegex(pattern: StringPattern): RegExp {
  let source = '';
  for (const part of pattern.parts) {
    if (part.kind === 'AnyChars') source += '.*';
    else if (part.kind === 'OneChar') source += '.';
    else source += escapeRegex(part.text);
  }
  return new RegExp(`^${source}$`, pattern.isCased ? 'su' : 'isu');
}

function canonicalNumberText(value: number, text: string): string {
  if (Number.isInteger(value) && !Number.isSafeInteger(value) && /^-?[0-9]+$/.test(text)) return text;
  return String(value);
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
function numericValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return DECIMAL.test(t) ? Number(t) : null;
}

function compare(op: CompareOp | 'eq', left: number, right: number): boolean {
  switch (op) {
    case 'gt':
      return left > right;
    case 'gte':
      return left >= right;
    case 'lt':
      return left < right;
    case 'lte':
      return left <= right;
    case 'eq':
      return left === right;
  }
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const b = Number(p);
    if (b > 255) return null;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function ipv6Groups(s: string): string[] | null {
  if (s === '') return [];
  const groups = s.split(':');
  const out: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as string;
    if (i === groups.length - 1 && g.includes('.')) {
      const v4 = parseIpv4(g);
      if (v4 === null) return null;
      out.push(((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(g);
    else return null;
  }
  return out;
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = ipv6Groups(halves[0] as string);
  const tail = halves.length === 2 ? ipv6Groups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  let groups = head;
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  }
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

function cidrContains(cidr: CidrValue, v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const bits = cidr.version === 4 ? 32n : 128n;
  const address = cidr.version === 4 ? parseIpv4(v) : v.includes(':') ? parseIpv6(v) : null;
  const network = cidr.version === 4 ? parseIpv4(cidr.network) : parseIpv6(cidr.network);
  if (address === null || network === null) return false;
  const hostBits = bits - BigInt(cidr.prefixLength);
  return address >> hostBits === network >> hostBits;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - weekday + 3);
  const firstThursday = new Date(Date.UTC(date.getUTCFullYear(), 0, 4));
  const firstWeekday = (firstThursday.getUTCDay() + 6) % 7;
  firstThursday.setUTCDate(firstThursday.getUTCDate() - firstWeekday + 3);
  return 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
}

function timePartOf(value: TimePartValue, v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = TIMESTAMP.exec(v.trim());
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  switch (value.part) {
    case 'year':
      return year;
    case 'month':
      return month;
    case 'day':
      return day;
    case 'week':
      return isoWeek(year, month, day);
    case 'hour':
    case 'minute': {
      if (m[4] === undefined) return null;
      const hour = Number(m[4]);
      const minute = Number(m[5]);
      if (hour > 23 || minute > 59) return null;
      return value.part === 'hour' ? hour : minute;
    }
  }
}

function fieldRefMatches(ref: FieldRefValue, v: unknown, event: Json): boolean {
  const left = textOf(v);
  const right = textOf(lookupField(event, ref.field));
  if (left === null || right === null) return false;
  const lit = escapeRegex(right);
  const source =
    ref.position === 'exact' ? `^${lit}$` : ref.position === 'startswith' ? `^${lit}` : ref.position === 'endswith' ? `${lit}$` : lit;
  return new RegExp(source, ref.isCased ? 'su' : 'isu').test(left);
}

function regexSearch(value: RegexValue, v: unknown): boolean {
  const text = textOf(v);
  return text !== null && new RE2(value.source, value.flags).test(text);
}

function scalarMatches(value: Value, v: unknown, event: Json): boolean {
  if (v === null) return value.kind === 'Null';
  switch (value.kind) {
    case 'Null':
      return false;
    case 'StringPattern': {
      const text = textOf(v);
      return text !== null && patternRegex(value).test(text);
    }
    case 'Number':
      if (typeof v === 'number') return v === value.value;
      return typeof v === 'string' && v === canonicalNumberText(value.value, value.text);
    case 'Boolean':
      if (typeof v === 'boolean') return v === value.value;
      return typeof v === 'string' && v.toLowerCase() === (value.value ? 'true' : 'false');
    case 'Regex':
      return regexSearch(value, v);
    case 'Cidr':
      return cidrContains(value, v);
    case 'Compare': {
      const n = numericValue(v);
      return n !== null && compare(value.op, n, value.value);
    }
    case 'FieldRef':
      return fieldRefMatches(value, v, event);
    case 'TimePart': {
      const part = timePartOf(value, v);
      return part !== null && compare(value.op, part, value.value);
    }
  }
}

function valueMatches(value: Value, v: unknown, event: Json): boolean {
  if (v === undefined) return value.kind === 'Null';
  if (Array.isArray(v)) return v.some((element) => element !== undefined && valueMatches(value, element, event));
  return scalarMatches(value, v, event);
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
      const value = node.value;
      const hit = scalarValues(event, []).find((v) => {
        if (value.kind === 'Regex') return regexSearch(value, v);
        const text = textOf(v);
        return text !== null && patternRegex(value).test(text);
      });
      return leaf('Keyword', hit !== undefined, null, `keyword ${describeValue(value)}`, hit, node.origin);
    }
    case 'Match': {
      const seen = lookupField(event, node.field);
      return leaf('Match', valueMatches(node.value, seen, event), node.field, describeValue(node.value), seen, node.origin);
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
