// One matcher per field for the literal tests of every rule on that field: equality
// through a hash map, and contains/startswith/endswith through one Aho-Corasick automaton
// over the case-folded value. Each distinct value of a column is scanned once per batch
// and yields every such leaf that holds, instead of running thousands of separate
// `includes` calls (issue 4: "multi-pattern matching"; measured with benchmarks/evaluate).
// Wildcard patterns with inner `*`/`?` join through their longest literal (a witness):
// their regex runs only on values where the witness occurs.
import type { StringPattern } from '../ir/values.js';
import type { StringTest } from './string-kernels.js';
import { foldCase } from './fold-case.js';

/** How a literal occurrence relates to a leaf. */
const USE_CONTAINS = 0;
const USE_PREFIX = 1;
const USE_SUFFIX = 2;
const USE_WITNESS = 3;

/** A leaf this matcher decides, and the (case-folded) literal shape of its pattern. */
export interface MatcherLeaf {
  /** Index of the leaf in the field matcher's result space (0..n-1). */
  readonly local: number;
  readonly pattern: StringPattern;
  /** For wildcard shapes: the full test, run after the witness literal is found. */
  readonly fullTest: StringTest;
}

/** What `classify` says a case-insensitive pattern is. */
type Shape =
  | { readonly kind: 'eq'; readonly text: string }
  | { readonly kind: 'contains' | 'prefix' | 'suffix'; readonly text: string }
  | { readonly kind: 'witness'; readonly text: string }
  | { readonly kind: 'none' };

/** Whether a pattern can be decided by the field matcher, and how. */
export function classifyPattern(pattern: StringPattern): Shape {
  if (pattern.isCased) return { kind: 'none' };
  const p = pattern.parts;
  const lit = (i: number): string | null => {
    const part = p[i];
    return part !== undefined && part.kind === 'Literal' ? foldCase(part.text) : null;
  };
  const any = (i: number): boolean => p[i]?.kind === 'AnyChars';
  if (p.length === 1 && lit(0) !== null) return { kind: 'eq', text: lit(0) as string };
  if (p.length === 2 && any(0) && lit(1) !== null) return { kind: 'suffix', text: lit(1) as string };
  if (p.length === 2 && lit(0) !== null && any(1)) return { kind: 'prefix', text: lit(0) as string };
  if (p.length === 3 && any(0) && lit(1) !== null && any(2)) return { kind: 'contains', text: lit(1) as string };
  let best = '';
  for (let i = 0; i < p.length; i++) {
    const t = lit(i);
    if (t !== null && t.length > best.length) best = t;
  }
  // A witness shorter than 3 characters would match nearly every value: not worth it.
  return best.length >= 3 ? { kind: 'witness', text: best } : { kind: 'none' };
}

const EMPTY_RESULT = new Int32Array(0);

/**
 * Decides many literal leaves of one field at once. Build with the leaves, then call
 * `match(lower, raw)` once per distinct value: returns the local ids of the leaves that hold.
 */
export class FieldMatcher {
  readonly leafCount: number;
  readonly #eq = new Map<string, number[]>();
  // Aho-Corasick as a full DFA over the field's own alphabet.
  readonly #ascii = new Uint16Array(128);
  readonly #other = new Map<number, number>();
  readonly #width: number;
  readonly #delta: Int32Array;
  /** Per state: the range in #outPattern of patterns ending there (suffix outputs merged). */
  readonly #outStart: Int32Array;
  readonly #outPattern: Int32Array;
  readonly #patternLength: Int32Array;
  /** Per pattern: the range in #useLeaf/#useKind of leaves using it. */
  readonly #useStart: Int32Array;
  readonly #useLeaf: Int32Array;
  readonly #useKind: Uint8Array;
  readonly #fullTests: (StringTest | null)[];
  readonly #seen: Int32Array;
  readonly #witnessed: Int32Array;
  #stamp = 0;
  readonly #hasAutomaton: boolean;

  constructor(leaves: readonly MatcherLeaf[]) {
    this.leafCount = leaves.length;
    this.#seen = new Int32Array(leaves.length);
    this.#witnessed = new Int32Array(leaves.length);
    this.#fullTests = new Array<StringTest | null>(leaves.length).fill(null);
    const patternIds = new Map<string, number>();
    const uses: { pattern: number; leaf: number; kind: number }[] = [];
    for (const leaf of leaves) {
      const shape = classifyPattern(leaf.pattern);
      if (shape.kind === 'none') throw new Error('internal: leaf not decidable by a field matcher');
      if (shape.kind === 'eq') {
        const list = this.#eq.get(shape.text);
        if (list === undefined) this.#eq.set(shape.text, [leaf.local]);
        else list.push(leaf.local);
        continue;
      }
      let id = patternIds.get(shape.text);
      if (id === undefined) {
        id = patternIds.size;
        patternIds.set(shape.text, id);
      }
      const kind = shape.kind === 'contains' ? USE_CONTAINS : shape.kind === 'prefix' ? USE_PREFIX : shape.kind === 'suffix' ? USE_SUFFIX : USE_WITNESS;
      if (kind === USE_WITNESS) this.#fullTests[leaf.local] = leaf.fullTest;
      uses.push({ pattern: id, leaf: leaf.local, kind });
    }
    const patterns = [...patternIds.keys()];
    this.#hasAutomaton = patterns.length > 0;
    // Alphabet: class 0 is "a character no pattern contains".
    let classes = 1;
    for (const text of patterns) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 128) {
          if (this.#ascii[c] === 0) this.#ascii[c] = classes++;
        } else if (!this.#other.has(c)) this.#other.set(c, classes++);
      }
    }
    this.#width = classes;
    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    for (let p = 0; p < patterns.length; p++) {
      const text = patterns[p] as string;
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const cls = this.#classOf(text.charCodeAt(i));
        let next = (children[s] as Map<number, number>).get(cls);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          (children[s] as Map<number, number>).set(cls, next);
        }
        s = next;
      }
      (ends[s] as number[]).push(p);
    }
    const states = children.length;
    const delta = new Int32Array(states * classes);
    const fail = new Int32Array(states);
    const outputs: number[][] = ends.map((e) => e.slice());
    // BFS: failure links and the full transition table.
    const queue: number[] = [];
    for (const [cls, next] of children[0] as Map<number, number>) {
      delta[cls] = next;
      queue.push(next);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      const f = fail[s] as number;
      (outputs[s] as number[]).push(...(outputs[f] as number[]));
      // Missing transitions behave as from the failure state, whose row is complete
      // (it is shallower, so BFS reached it first): copy its row, then set the children.
      delta.copyWithin(s * classes, f * classes, f * classes + classes);
      for (const [cls, next] of children[s] as Map<number, number>) {
        fail[next] = delta[f * classes + cls] as number;
        delta[s * classes + cls] = next;
        queue.push(next);
      }
    }
    this.#delta = delta;
    this.#outStart = new Int32Array(states + 1);
    let total = 0;
    for (let s = 0; s < states; s++) {
      this.#outStart[s] = total;
      total += (outputs[s] as number[]).length;
    }
    this.#outStart[states] = total;
    this.#outPattern = new Int32Array(total);
    for (let s = 0, k = 0; s < states; s++) for (const p of outputs[s] as number[]) this.#outPattern[k++] = p;
    this.#patternLength = Int32Array.from(patterns, (t) => t.length);
    uses.sort((a, b) => a.pattern - b.pattern);
    this.#useStart = new Int32Array(patterns.length + 1);
    this.#useLeaf = new Int32Array(uses.length);
    this.#useKind = new Uint8Array(uses.length);
    let u = 0;
    for (let p = 0; p < patterns.length; p++) {
      this.#useStart[p] = u;
      while (u < uses.length && (uses[u] as { pattern: number }).pattern === p) {
        this.#useLeaf[u] = (uses[u] as { leaf: number }).leaf;
        this.#useKind[u] = (uses[u] as { kind: number }).kind;
        u++;
      }
    }
    this.#useStart[patterns.length] = uses.length;
  }

  #classOf(c: number): number {
    return c < 128 ? (this.#ascii[c] as number) : (this.#other.get(c) ?? 0);
  }

  /** Local ids of the leaves that hold for this value (`lower` is `raw` case-folded). */
  match(lower: string, raw: string): Int32Array {
    const stamp = ++this.#stamp;
    const seen = this.#seen;
    let found: number[] | null = null;
    const eq = this.#eq.get(lower);
    if (eq !== undefined) {
      found = [];
      for (const l of eq) {
        seen[l] = stamp;
        found.push(l);
      }
    }
    if (this.#hasAutomaton) {
      const n = lower.length;
      const delta = this.#delta;
      const width = this.#width;
      const outStart = this.#outStart;
      let witnesses: number[] | null = null;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const c = lower.charCodeAt(i);
        s = delta[s * width + (c < 128 ? (this.#ascii[c] as number) : (this.#other.get(c) ?? 0))] as number;
        const o0 = outStart[s] as number;
        const o1 = outStart[s + 1] as number;
        for (let o = o0; o < o1; o++) {
          const p = this.#outPattern[o] as number;
          const start = i - (this.#patternLength[p] as number) + 1;
          const u1 = this.#useStart[p + 1] as number;
          for (let u = this.#useStart[p] as number; u < u1; u++) {
            const leaf = this.#useLeaf[u] as number;
            if (seen[leaf] === stamp) continue;
            const kind = this.#useKind[u];
            if (kind === USE_CONTAINS || (kind === USE_PREFIX && start === 0) || (kind === USE_SUFFIX && i === n - 1)) {
              seen[leaf] = stamp;
              (found ??= []).push(leaf);
            } else if (kind === USE_WITNESS && this.#witnessed[leaf] !== stamp) {
              this.#witnessed[leaf] = stamp;
              (witnesses ??= []).push(leaf);
            }
          }
        }
      }
      if (witnesses !== null) {
        for (const leaf of witnesses) {
          if (seen[leaf] !== stamp && (this.#fullTests[leaf] as StringTest)(raw, lower)) {
            seen[leaf] = stamp;
            (found ??= []).push(leaf);
          }
        }
      }
    }
    return found === null ? EMPTY_RESULT : Int32Array.from(found);
  }
}
