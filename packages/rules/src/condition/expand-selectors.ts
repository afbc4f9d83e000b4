import type { ConditionSyntaxIssue } from './parse-condition.js';
import type { ConditionAst } from './to-ast.js';

/**
 * A condition whose identifiers were checked and whose selectors were expanded against the
 * rule's detections: what lowering to IR needs. `const` only appears as the whole tree,
 * when every selector matched nothing (pySigma then produces no query: never matches).
 *
 * @example
 * // `sel and not 1 of filter_*` with detections sel, filter_a, filter_b
 * { kind: 'and', children: [
 *   { kind: 'ref', name: 'sel' },
 *   { kind: 'not', child: { kind: 'or', children: [
 *     { kind: 'ref', name: 'filter_a' }, { kind: 'ref', name: 'filter_b' }] } }] }
 */
export type ResolvedCondition =
  | { readonly kind: 'and'; readonly children: readonly ResolvedCondition[] }
  | { readonly kind: 'or'; readonly children: readonly ResolvedCondition[] }
  | { readonly kind: 'not'; readonly child: ResolvedCondition }
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'const'; readonly value: boolean };

/** Outcome of `resolveCondition`; `ast` is meaningful only when `errors` is empty. */
export interface ResolvedConditionResult {
  readonly ast: ResolvedCondition;
  readonly errors: readonly ConditionSyntaxIssue[];
  readonly warnings: readonly ConditionSyntaxIssue[];
}

type Selector = Extract<ConditionAst, { kind: 'selector' }>;

interface Context {
  readonly known: ReadonlySet<string>;
  readonly ordered: readonly string[];
  readonly matches: Map<string, readonly string[]>;
  readonly errors: ConditionSyntaxIssue[];
  readonly warnings: ConditionSyntaxIssue[];
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

/**
 * Checks identifiers against the rule's detection names and expands `1 of` / `all of`
 * selectors (sigma-semantics.md §6.2), following pySigma: a selector matching nothing
 * vanishes (with a warning) instead of failing the rule. `identifiers` must be in
 * definition order, which expansions keep.
 *
 * @example
 * resolveCondition(parseCondition('1 of sel*').ast!, ['sel_a', 'filter', 'sel_b']).ast
 * // { kind: 'or', children: [{ kind: 'ref', name: 'sel_a' }, { kind: 'ref', name: 'sel_b' }] }
 */
export function resolveCondition(ast: ConditionAst, identifiers: readonly string[]): ResolvedConditionResult {
  const known = new Set(identifiers);
  const context: Context = { known, ordered: [...known], matches: new Map(), errors: [], warnings: [] };
  let resolved = resolve(ast, context);
  if (resolved === null) {
    const [offset, end] = span(ast);
    context.warnings.push(
      issue(offset, end - offset, 'no selector in the condition matches an identifier, so the rule never matches'),
    );
    resolved = Object.freeze({ kind: 'const', value: false });
  }
  return Object.freeze({
    ast: resolved,
    errors: Object.freeze(context.errors),
    warnings: Object.freeze(context.warnings),
  });
}

/** `null` means the node vanished: it was, or only contained, selectors that matched nothing. */
function resolve(node: ConditionAst, context: Context): ResolvedCondition | null {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const children: ResolvedCondition[] = [];
      for (const child of node.children) {
        const resolved = resolve(child, context);
        if (resolved !== null) children.push(resolved);
      }
      if (children.length === 0) return null;
      if (children.length === 1) return children[0] ?? null;
      return Object.freeze({ kind: node.kind, children: Object.freeze(children) });
    }
    case 'not': {
      const child = resolve(node.child, context);
      return child === null ? null : Object.freeze({ kind: 'not', child });
    }
    case 'identifier':
      if (!context.known.has(node.name)) {
        context.errors.push(issue(node.offset, node.length, unknownIdentifierMessage(node.name, context.ordered)));
      }
      return ref(node.name);
    case 'selector':
      return expandSelector(node, context);
    default:
      return assertNever(node);
  }
}

function expandSelector(node: Selector, context: Context): ResolvedCondition | null {
  const names = matchingIdentifiers(node.pattern, context);
  const text = selectorText(node);
  const warn = (message: string): void => {
    context.warnings.push(issue(node.offset, node.length, message));
  };
  if (node.pattern === null && node.quantifier === 'all') {
    warn("'all of them' is discouraged: it also requires every filter detection to match; name the detections instead");
  } else if (node.pattern === null && names.length === 1) {
    warn(`${text} only covers ${quote(names[0] ?? '')}: reference it by name`);
  }
  if (names.length === 0) {
    const hint = node.pattern?.toLowerCase() === 'them' ? " (did you mean 'them'? keywords are lowercase)" : '';
    warn(`${text} matches no identifier and is dropped from the condition${hint}`);
    return null;
  }
  if (names.length === 1) return ref(names[0] ?? '');
  const children = Object.freeze(names.map(ref));
  return Object.freeze({ kind: node.quantifier === 'all' ? 'and' : 'or', children });
}

function matchingIdentifiers(pattern: string | null, context: Context): readonly string[] {
  const key = pattern ?? '';
  const cached = context.matches.get(key);
  if (cached !== undefined) return cached;
  // `_`-prefixed detections are helpers: `them` and ordinary patterns skip them (pySigma).
  const includeHidden = pattern?.startsWith('_') === true;
  const names = context.ordered.filter(
    (name) => (includeHidden || !name.startsWith('_')) && (pattern === null || matchesWildcard(pattern, name)),
  );
  context.matches.set(key, names);
  return names;
}

/**
 * Whole-name match where `*` matches any run of any characters, including '.' and '|'
 * that cannot appear in the condition itself. Greedy with one backtrack point: O(n·m)
 * worst case, unlike a `.*`-regex on hostile patterns such as `*a*a*a*a*b`.
 */
function matchesWildcard(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = pattern.charCodeAt(p);
    if (c === 42 /* '*' */) {
      star = p++;
      resume = n;
    } else if (p < pattern.length && c === name.charCodeAt(n)) {
      p++;
      n++;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

function unknownIdentifierMessage(name: string, ordered: readonly string[]): string {
  const base = `unknown identifier ${quote(name)}`;
  const lower = name.toLowerCase();
  if (lower !== name && KEYWORDS.has(lower)) return `${base}: operators are lowercase, use '${lower}'`;
  const sameButCase = ordered.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase !== undefined) return `${base}: did you mean ${quote(sameButCase)}? identifiers are case-sensitive`;
  return base;
}

function selectorText(node: Selector): string {
  return quote(`${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern ?? 'them'}`);
}

// Names come from the rule author; keep megabyte-long ones out of messages.
function quote(text: string): string {
  return text.length > 60 ? `'${text.slice(0, 60)}…'` : `'${text}'`;
}

function span(node: ConditionAst): [number, number] {
  switch (node.kind) {
    case 'and':
    case 'or': {
      let start = Infinity;
      let end = 0;
      for (const child of node.children) {
        const [childStart, childEnd] = span(child);
        start = Math.min(start, childStart);
        end = Math.max(end, childEnd);
      }
      return start === Infinity ? [0, 0] : [start, end];
    }
    case 'not':
      return span(node.child);
    default:
      return [node.offset, node.offset + node.length];
  }
}

function ref(name: string): ResolvedCondition {
  return Object.freeze({ kind: 'ref', name });
}

function issue(offset: number, length: number, message: string): ConditionSyntaxIssue {
  return Object.freeze({ offset, length, message });
}

function assertNever(node: never): never {
  throw new Error(`unexpected condition node ${JSON.stringify(node)}`);
}
