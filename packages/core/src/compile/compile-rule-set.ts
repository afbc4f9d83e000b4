// IR rules -> RuleSetPlan: leaves deduplicated across the whole rule set (the windows
// pipeline's Channel/EventID tests are shared by hundreds of rules), each leaf's test
// compiled once, and each rule's condition turned into a compact tree of plan nodes.
import type { DetectionRule } from '../ir/rules.js';
import type { Node } from '../ir/nodes.js';
import { StringPattern, type FieldRefValue, type Value } from '../ir/values.js';
import { KEYWORD_COLUMN } from '../batch/event-batch.js';
import { compileValueTest } from './value-tests.js';
import { requiredLiteral } from './regex-literal.js';
import { foldCase } from './fold-case.js';
import { classifyPattern, FieldMatcher, MIN_WITNESS_LENGTH, type MatcherLeaf } from './field-matcher.js';
import type { StringTest } from './string-kernels.js';

/**
 * Value: a test over the field's text, once per distinct value; Null: absent or JSON null;
 * Exists: the key is present; FieldRef: compare with another field of the same row.
 */
export const LeafKind = Object.freeze({ Value: 0, Null: 1, Exists: 2, FieldRef: 3 } as const);
export type LeafKind = (typeof LeafKind)[keyof typeof LeafKind];

/** A compiled field test, shared by every rule that has the same test. */
export interface PlanLeaf {
  readonly id: number;
  readonly kind: LeafKind;
  readonly field: string;
  readonly test: StringTest | null;
  readonly fieldRef: FieldRefValue | null;
  /** A cheap, selective test (equality with a number, boolean or plain string; null; exists): ordered first. */
  readonly isEquality: boolean;
  /** The string pattern of a Value leaf, for multi-pattern matching; else null. */
  readonly pattern: StringPattern | null;
  /**
   * For a regex leaf: a literal every match contains (regex-literal.ts), so the field
   * matcher runs the regex only on values where it occurs; else null.
   */
  readonly witness: string | null;
}

/** A node of a compiled condition: and, or, not, a leaf or a constant. */
export type PlanNode =
  | { readonly t: 'and'; readonly children: readonly PlanNode[] }
  | { readonly t: 'or'; readonly children: readonly PlanNode[] }
  | { readonly t: 'not'; readonly child: PlanNode }
  | { readonly t: 'leaf'; readonly leaf: PlanLeaf }
  | { readonly t: 'const'; readonly value: boolean };

/** What a leaf is made of, its test still to compile (null for leaves that have none). */
type LeafSpec = Omit<PlanLeaf, 'id' | 'kind' | 'field' | 'test'> & { readonly compileTest: (() => StringTest) | null };

/** What compiling needs of a rule: its condition (workers receive nothing else). */
export type CompilableRule = Pick<DetectionRule, 'condition'>;

/** A rule set compiled once (`compileRuleSet`): one plan tree per rule over shared leaves. */
export interface RuleSetPlan {
  readonly rules: readonly CompilableRule[];
  readonly roots: readonly PlanNode[];
  readonly leaves: readonly PlanLeaf[];
  /** Multi-pattern matchers for the literal leaves (see field-matcher.ts): one per field, and one per rule for keywords. */
  readonly matcherCount: number;
  /**
   * Matcher `m`, built on first use: building an automaton costs (about 300 ms for all of
   * SigmaHQ's fields), and a run pays only for the fields its events have.
   */
  matcher(m: number): FieldMatcher;
  /**
   * Whether a batch of `rows` rows should test matcher `m`'s leaves one by one instead of
   * building the matcher: true while it is not built and fewer than
   * {@link MATCHER_BUILD_ROWS} rows in all have asked for it. Building an automaton costs up
   * to ~80 ms (CommandLine: 11,000 patterns), more than testing one event's values leaf by
   * leaf, so the first event of a run (start-up, issue 14) or a trickle of live events do
   * not pay for it; a full batch builds it at once.
   */
  deferMatcher(m: number, rows: number): boolean;
  /** Per leaf id: the index of the matcher that decides it, or -1. */
  readonly leafMatcher: Int32Array;
  /** Per leaf id: its local id inside that matcher. */
  readonly leafLocal: Int32Array;
  /** Per matcher: the field (column) it reads. */
  readonly matcherFields: readonly string[];
  /** Per matcher: local id -> leaf id. */
  readonly matcherLeafIds: readonly Int32Array[];
  /** Every field a leaf reads (including field-reference targets); the batch builder's columns. */
  readonly fields: readonly string[];
  readonly hasKeywords: boolean;
}

/** Rows that ask for a field matcher before it is built (see `RuleSetPlan.deferMatcher`). */
export const MATCHER_BUILD_ROWS = 256;

/**
 * Value -> a key that equal values share and different values never do, cached per value
 * object: the pipeline's Channel and EventID values are one object shared by hundreds of
 * rules, and JSON.stringify of 69,000 values was the largest cost of compiling SigmaHQ
 * (start-up, issue 14). String patterns, nearly all values, get a cheaper key of their own
 * (never starting with '{', as JSON keys of the other kinds do).
 */
const valueKeys = new WeakMap<Value, string>();

function valueKey(v: Value): string {
  let key = valueKeys.get(v);
  if (key === undefined) {
    if (v.kind === 'StringPattern') {
      key = v.isCased ? 'S1' : 'S0';
      for (const p of v.parts) key += p.kind === 'Literal' ? `\u0001${p.text.length}:${p.text}` : p.kind === 'AnyChars' ? '\u0002' : '\u0003';
    } else key = JSON.stringify(v);
    valueKeys.set(v, key);
  }
  return key;
}

/**
 * Compiles detection rules once for evaluation over batches.
 *
 * @example
 * const plan = compileRuleSet(ruleSet.rules);
 */
export function compileRuleSet(rules: readonly CompilableRule[]): RuleSetPlan {
  const leaves: PlanLeaf[] = [];
  /**
   * Leaves by kind, then field, then value key: three lookups of strings whose hashes V8
   * keeps, instead of one of a key concatenated at each of the 32,000 calls (most of them for
   * leaves made already: the pipeline's Channel and EventID tests).
   */
  const byKind = [new Map<string, Map<string, PlanLeaf>>(), new Map<string, Map<string, PlanLeaf>>(), new Map<string, Map<string, PlanLeaf>>(), new Map<string, Map<string, PlanLeaf>>()];
  const tests = new Map<string, StringTest>();
  const fields = new Set<string>();
  let hasKeywords = false;

  /** Per leaf id: the rule that first used it. */
  const firstRule: number[] = [];
  let currentRule = 0;
  /**
   * The leaf of `kind` on `field` with value `valueKey`, made once. Its test is compiled on
   * first use: most leaves are decided by their field's matcher, which is itself built only
   * when a batch has that field, and compiling every test of SigmaHQ up front was a fifth
   * of compiling (start-up, issue 14).
   */
  const leaf = (kind: LeafKind, field: string, valueKey: string, make: () => LeafSpec): PlanNode => {
    const byField = byKind[kind] as Map<string, Map<string, PlanLeaf>>;
    let byValue = byField.get(field);
    if (byValue === undefined) {
      byValue = new Map();
      byField.set(field, byValue);
    }
    let l = byValue.get(valueKey);
    if (l === undefined) {
      l = new Leaf(leaves.length, kind, field, make());
      leaves.push(l);
      firstRule.push(currentRule);
      byValue.set(valueKey, l);
      fields.add(field);
      if (l.fieldRef !== null) fields.add(l.fieldRef.field);
    }
    return { t: 'leaf', leaf: l };
  };
  const valueTest = (valueKey: string, value: Parameters<typeof compileValueTest>[0]): StringTest => {
    let t = tests.get(valueKey);
    if (t === undefined) {
      t = compileValueTest(value);
      tests.set(valueKey, t);
    }
    return t;
  };
  /**
   * A leaf's test: a string pattern's (which always compiles) on first use, any other
   * value's at once, so that a bad regex still fails `compileRuleSet` itself.
   */
  const testOf = (valueKey: string, value: Parameters<typeof compileValueTest>[0]): (() => StringTest) => {
    if (value.kind === 'StringPattern') return () => valueTest(valueKey, value);
    const t = valueTest(valueKey, value);
    return () => t;
  };

  const lower = (node: Node): PlanNode => {
    switch (node.kind) {
      case 'And':
        return { t: 'and', children: byCost(flatten('And', node.children).map(lower)) };
      case 'Or':
        return { t: 'or', children: byCost(flatten('Or', node.children).map(lower)) };
      case 'Not':
        return { t: 'not', child: lower(node.child) };
      case 'Constant':
        return { t: 'const', value: node.value };
      case 'Exists':
        return leaf(LeafKind.Exists, node.field, '', () => ({ compileTest: null, fieldRef: null, isEquality: true, pattern: null, witness: null }));
      case 'Keyword': {
        hasKeywords = true;
        const vk = valueKey(node.value);
        const kv = node.value;
        return leaf(LeafKind.Value, KEYWORD_COLUMN, vk, () => ({
          compileTest: testOf(vk, kv),
          fieldRef: null,
          isEquality: false,
          pattern: kv.kind === 'StringPattern' ? kv : null,
          witness: regexWitness(kv),
        }));
      }
      case 'Match': {
        const v = node.value;
        const vk = valueKey(v);
        if (v.kind === 'Null') return leaf(LeafKind.Null, node.field, '', () => ({ compileTest: null, fieldRef: null, isEquality: true, pattern: null, witness: null }));
        if (v.kind === 'FieldRef') return leaf(LeafKind.FieldRef, node.field, vk, () => ({ compileTest: null, fieldRef: v, isEquality: false, pattern: null, witness: null }));
        const isEquality = v.kind === 'Number' || v.kind === 'Boolean' || (v.kind === 'StringPattern' && StringPattern.isPlain(v));
        return leaf(LeafKind.Value, node.field, vk, () => ({
          compileTest: testOf(vk, v),
          fieldRef: null,
          isEquality,
          pattern: v.kind === 'StringPattern' ? v : null,
          witness: regexWitness(v),
        }));
      }
    }
  };

  const roots = rules.map((r, i) => {
    currentRule = i;
    return lower(r.condition);
  });
  fields.delete(KEYWORD_COLUMN);

  // Group the literal-shaped string leaves of each field into one matcher. Keyword leaves
  // get one matcher per rule (the rule that first uses the leaf) instead: every value of an
  // event is a keyword candidate, and the evaluator scans a keyword matcher only on the rows
  // its rules are routed to (Channel, EventID), so the Application log's 75 antivirus
  // keywords are not looked for in every event because Mimikatz Use's 20 are.
  const groups = new Map<string, { readonly field: string; readonly leaves: MatcherLeaf[]; readonly ids: number[] }>();
  const leafMatcher = new Int32Array(leaves.length).fill(-1);
  const leafLocal = new Int32Array(leaves.length).fill(-1);
  for (const l of leaves) {
    if (l.kind !== LeafKind.Value) continue;
    if (l.witness === null && (l.pattern === null || classifyPattern(l.pattern).kind === 'none')) continue;
    const key = l.field === KEYWORD_COLUMN ? `${KEYWORD_COLUMN}\u0000${firstRule[l.id] as number}` : l.field;
    let group = groups.get(key);
    if (group === undefined) {
      group = { field: l.field, leaves: [], ids: [] };
      groups.set(key, group);
    }
    // The full test is read only by a matcher built for a batch (and only for witness leaves).
    group.leaves.push(new GroupLeaf(group.leaves.length, l));
    group.ids.push(l.id);
  }
  const specs: MatcherLeaf[][] = [];
  const matcherFields: string[] = [];
  const matcherLeafIds: Int32Array[] = [];
  for (const { field, leaves: list, ids } of groups.values()) {
    const index = specs.length;
    specs.push(list);
    matcherFields.push(field);
    matcherLeafIds.push(Int32Array.from(ids));
    ids.forEach((id, local) => {
      leafMatcher[id] = index;
      leafLocal[id] = local;
    });
  }
  const built: (FieldMatcher | undefined)[] = new Array<FieldMatcher | undefined>(specs.length);
  const askedRows = new Float64Array(specs.length);
  const deferMatcher = (m: number, rows: number): boolean => {
    if (built[m] !== undefined) return false;
    askedRows[m] = (askedRows[m] as number) + rows;
    return (askedRows[m] as number) < MATCHER_BUILD_ROWS;
  };
  const matcher = (m: number): FieldMatcher => {
    let found = built[m];
    if (found === undefined) {
      const spec = specs[m];
      if (spec === undefined) throw new RangeError(`no matcher ${m}`);
      found = new FieldMatcher(spec, matcherFields[m] === KEYWORD_COLUMN ? KEYWORD_MATCHER_OPTIONS : {});
      built[m] = found;
    }
    return found;
  };
  return { rules, roots, leaves, matcherCount: specs.length, matcher, deferMatcher, leafMatcher, leafLocal, matcherFields, matcherLeafIds, fields: [...fields], hasKeywords };
}

/**
 * A plan leaf, its test compiled on first read. A class, not an object literal with a
 * getter: a getter closure per literal gave each of a plan's leaves (16,000 for the rules
 * one Sysmon process creation reaches) a hidden class of its own, slow to make at start-up
 * (issue 14) and megamorphic wherever leaves are read.
 */
class Leaf implements PlanLeaf {
  readonly id: number;
  readonly kind: LeafKind;
  readonly field: string;
  readonly fieldRef: FieldRefValue | null;
  readonly isEquality: boolean;
  readonly pattern: StringPattern | null;
  readonly witness: string | null;
  #compileTest: (() => StringTest) | null;
  #test: StringTest | null = null;

  constructor(id: number, kind: LeafKind, field: string, spec: LeafSpec) {
    this.id = id;
    this.kind = kind;
    this.field = field;
    this.fieldRef = spec.fieldRef;
    this.isEquality = spec.isEquality;
    this.pattern = spec.pattern;
    this.witness = spec.witness;
    this.#compileTest = spec.compileTest;
  }

  get test(): StringTest | null {
    if (this.#test === null && this.#compileTest !== null) {
      this.#test = this.#compileTest();
      this.#compileTest = null;
    }
    return this.#test;
  }
}

/** A leaf as its field's matcher sees it; the full test is the leaf's, compiled on first read. */
class GroupLeaf implements MatcherLeaf {
  readonly local: number;
  readonly pattern: StringPattern | null;
  readonly witness: string | null;
  readonly #leaf: PlanLeaf;

  constructor(local: number, leaf: PlanLeaf) {
    this.local = local;
    this.pattern = leaf.pattern;
    this.witness = leaf.witness;
    this.#leaf = leaf;
  }

  get fullTest(): StringTest {
    return this.#leaf.test as StringTest;
  }
}

/**
 * Keyword matchers see every value of an event, nearly none of which holds a keyword, so
 * the regex prefilter pays for more literals than on a field: on the 100k corpus's keyword
 * values, Mimikatz Use's 20 literals took 2.7 ns/char with it against 3.9 without (best of
 * six interleaved runs).
 */
const KEYWORD_MATCHER_OPTIONS = { prefilterMaxPatterns: 24 } as const;

/** The literal a regex value's matches must contain, when there is one worth indexing. */
function regexWitness(value: Value): string | null {
  if (value.kind !== 'Regex') return null;
  const literal = requiredLiteral(value.source, value.flags);
  return literal !== null && foldCase(literal).length >= MIN_WITNESS_LENGTH ? literal : null;
}

/** Splices nested nodes of the same kind: `and(and(a, b), c)` is `and(a, b, c)`. */
function flatten(kind: 'And' | 'Or', children: readonly Node[]): Node[] {
  const out: Node[] = [];
  for (const c of children) {
    if (c.kind === kind) out.push(...flatten(kind, c.children));
    else out.push(c);
  }
  return out;
}

/**
 * Cheapest first (stable). In an AND, later children only see the rows earlier ones kept,
 * and equality leaves such as the pipeline's Channel and EventID are memoized per batch,
 * so putting them first routes each rule to its own events before any substring test
 * runs; in an OR, cheap children settle rows early. Boolean operators commute, so the
 * order never changes a result.
 */
function byCost(children: PlanNode[]): PlanNode[] {
  return children
    .map((node, i) => ({ node, i, cost: costOf(node) }))
    .sort((a, b) => a.cost - b.cost || a.i - b.i)
    .map((x) => x.node);
}

function costOf(node: PlanNode): number {
  switch (node.t) {
    case 'const':
      return 0;
    case 'leaf':
      if (node.leaf.field === KEYWORD_COLUMN) return 4;
      if (node.leaf.kind === LeafKind.FieldRef) return 3;
      return node.leaf.isEquality ? 1 : 2;
    case 'not':
      return 5;
    case 'and':
    case 'or':
      // A group of equality tests (EventID: [4624, 4625]) routes as cheaply as one.
      return node.children.every((c) => c.t === 'leaf' && costOf(c) === 1) ? 1 : 6;
  }
}
