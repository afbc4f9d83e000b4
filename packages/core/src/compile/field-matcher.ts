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
const USE_EQUALS = 4;

/** Gives the case-folded text of a dictionary entry, computed once and only when needed. */
export interface FoldedSource {
  lower(key: number): string;
}

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

/** Largest full transition table, in entries (4 MiB); larger automata are kept sparse. */
const DENSE_LIMIT = 1 << 20;

/**
 * Decides many literal leaves of one field at once. Build with the leaves, then call
 * `match(raw, folded, key)` once per distinct value: returns the local ids of the leaves that hold.
 */
export class FieldMatcher {
  readonly leafCount: number;
  // Aho-Corasick as a full DFA over the field's own alphabet. Character classes are
  // case-insensitive (every character whose folding is a pattern character maps to that
  // character's class), so values are scanned as they are, without building a folded copy.
  readonly #ascii = new Uint16Array(128);
  readonly #other = new Map<number, number>();
  readonly #width: number;
  /** Dense: the full table (state x class); sparse: only the root's row. */
  readonly #delta: Int32Array;
  readonly #dense: boolean;
  readonly #fail: Int32Array;
  /** Sparse automata: per state, its trie edges (class, target). */
  readonly #edgeStart: Int32Array;
  readonly #edgeClass: Uint16Array;
  readonly #edgeTo: Int32Array;
  /** Per state: the range in #outPattern of patterns ending there (suffix outputs merged). */
  readonly #outStart: Int32Array;
  readonly #outPattern: Int32Array;
  readonly #patternLength: Int32Array;
  /** Per pattern: the range in #useLeaf/#useKind of leaves using it. */
  readonly #useStart: Int32Array;
  readonly #useLeaf: Int32Array;
  readonly #useKind: Uint8Array;
  readonly #fullTests: (StringTest | null)[];
  /** Per ASCII character: 1 when it leaves the root state. */
  readonly #rootMoves = new Uint8Array(128);
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
      let id = patternIds.get(shape.text);
      if (id === undefined) {
        id = patternIds.size;
        patternIds.set(shape.text, id);
      }
      const kind =
        shape.kind === 'contains'
          ? USE_CONTAINS
          : shape.kind === 'prefix'
            ? USE_PREFIX
            : shape.kind === 'suffix'
              ? USE_SUFFIX
              : shape.kind === 'eq'
                ? USE_EQUALS
                : USE_WITNESS;
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
    // Upper-case ASCII letters share the class of their lower-case letter; non-ASCII
    // characters that fold to a pattern character share its class.
    for (let c = 65; c <= 90; c++) if (this.#ascii[c + 32] !== 0) this.#ascii[c] = this.#ascii[c + 32] as number;
    if (this.#other.size > 0 || hasNonAsciiFoldingToAscii(this.#ascii)) addFoldedVariants(this.#ascii, this.#other);
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
    const fail = new Int32Array(states);
    const outputs: number[][] = ends.map((e) => e.slice());
    // Failure links, breadth first (a state's failure is shallower, so already known).
    const queue: number[] = [...(children[0] as Map<number, number>).values()];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      for (const [cls, next] of children[s] as Map<number, number>) {
        let f = fail[s] as number;
        while (f !== 0 && !(children[f] as Map<number, number>).has(cls)) f = fail[f] as number;
        const target = (children[f] as Map<number, number>).get(cls);
        fail[next] = target !== undefined && target !== next ? target : 0;
        (outputs[next] as number[]).push(...(outputs[fail[next] as number] as number[]));
        queue.push(next);
      }
    }
    this.#fail = fail;
    // Small automata get a full transition table (one load per character); large ones
    // (CommandLine: ~10^5 states) keep only their trie edges and follow failure links,
    // which bounds memory at a few bytes per state instead of 4 x alphabet.
    this.#dense = states * classes <= DENSE_LIMIT;
    if (this.#dense) {
      const delta = new Int32Array(states * classes);
      for (const [cls, next] of children[0] as Map<number, number>) delta[cls] = next;
      for (const s of queue) {
        const f = fail[s] as number;
        delta.copyWithin(s * classes, f * classes, f * classes + classes);
        for (const [cls, next] of children[s] as Map<number, number>) delta[s * classes + cls] = next;
      }
      this.#delta = delta;
    } else {
      this.#delta = new Int32Array(classes);
      for (const [cls, next] of children[0] as Map<number, number>) this.#delta[cls] = next;
    }
    this.#edgeStart = new Int32Array(states + 1);
    let edges = 0;
    for (let s = 0; s < states; s++) {
      this.#edgeStart[s] = edges;
      if (!this.#dense && s !== 0) edges += (children[s] as Map<number, number>).size;
    }
    this.#edgeStart[states] = edges;
    this.#edgeClass = new Uint16Array(edges);
    this.#edgeTo = new Int32Array(edges);
    if (!this.#dense) {
      for (let s = 1, e = 0; s < states; s++) {
        for (const [cls, next] of children[s] as Map<number, number>) {
          this.#edgeClass[e] = cls;
          this.#edgeTo[e++] = next;
        }
      }
    }
    for (let c = 0; c < 128; c++) this.#rootMoves[c] = this.#delta[this.#ascii[c] as number] === 0 ? 0 : 1;
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

  /**
   * Local ids of the leaves that hold for this value. `raw` is scanned as it is; the
   * folded text is asked of `folded` only for wildcard leaves whose witness occurred.
   */
  match(raw: string, folded: FoldedSource, key: number): Int32Array {
    if (!this.#hasAutomaton) return EMPTY_RESULT;
    const stamp = ++this.#stamp;
    const seen = this.#seen;
    const witnessed = this.#witnessed;
    const ascii = this.#ascii;
    const other = this.#other;
    const delta = this.#delta;
    const width = this.#width;
    const outStart = this.#outStart;
    const outPattern = this.#outPattern;
    const patternLength = this.#patternLength;
    const useStart = this.#useStart;
    const useLeaf = this.#useLeaf;
    const useKind = this.#useKind;
    const n = raw.length;
    let found: number[] | null = null;
    let witnesses: number[] | null = null;
    const rootMoves = this.#rootMoves;
    const dense = this.#dense;
    const fail = this.#fail;
    const edgeStart = this.#edgeStart;
    const edgeClass = this.#edgeClass;
    const edgeTo = this.#edgeTo;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let c = raw.charCodeAt(i);
      if (s === 0) {
        // At the root, skip characters that start no pattern (most of a long value)
        // without touching the transition table.
        while (c < 128 && rootMoves[c] === 0 && ++i < n) c = raw.charCodeAt(i);
        if (i === n) break;
      }
      const cls = c < 128 ? (ascii[c] as number) : (other.get(c) ?? 0);
      if (dense) s = delta[s * width + cls] as number;
      else if (cls === 0) s = 0;
      else {
        // Follow failure links until a state has an edge for this class (or the root).
        for (;;) {
          if (s === 0) {
            s = delta[cls] as number;
            break;
          }
          const e1 = edgeStart[s + 1] as number;
          let e = edgeStart[s] as number;
          while (e < e1 && edgeClass[e] !== cls) e++;
          if (e < e1) {
            s = edgeTo[e] as number;
            break;
          }
          s = fail[s] as number;
        }
      }
      const o1 = outStart[s + 1] as number;
      for (let o = outStart[s] as number; o < o1; o++) {
        const p = outPattern[o] as number;
        const start = i - (patternLength[p] as number) + 1;
        const u1 = useStart[p + 1] as number;
        for (let u = useStart[p] as number; u < u1; u++) {
          const leaf = useLeaf[u] as number;
          if (seen[leaf] === stamp) continue;
          const kind = useKind[u];
          if (
            kind === USE_CONTAINS ||
            (kind === USE_PREFIX && start === 0) ||
            (kind === USE_SUFFIX && i === n - 1) ||
            (kind === USE_EQUALS && start === 0 && i === n - 1)
          ) {
            seen[leaf] = stamp;
            (found ??= []).push(leaf);
          } else if (kind === USE_WITNESS && witnessed[leaf] !== stamp) {
            witnessed[leaf] = stamp;
            (witnesses ??= []).push(leaf);
          }
        }
      }
    }
    if (witnesses !== null) {
      const lower = folded.lower(key);
      for (const leaf of witnesses) {
        if (seen[leaf] !== stamp && (this.#fullTests[leaf] as StringTest)(raw, lower)) {
          seen[leaf] = stamp;
          (found ??= []).push(leaf);
        }
      }
    }
    return found === null ? EMPTY_RESULT : Int32Array.from(found);
  }
}

function hasNonAsciiFoldingToAscii(ascii: Uint16Array): boolean {
  // `ſ` folds to `s` and the Kelvin sign to `k`: only these two reach ASCII letters.
  return ascii[0x73] !== 0 || ascii[0x6b] !== 0;
}

let foldTable: Uint16Array | null = null;

/** Folding of every BMP code unit, computed once per process (about 10 ms). */
function bmpFoldTable(): Uint16Array {
  if (foldTable === null) {
    foldTable = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) {
      const f = c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : foldCase(String.fromCharCode(c));
      foldTable[c] = f.length === 1 ? f.charCodeAt(0) : c;
    }
  }
  return foldTable;
}

let variants: Map<number, number[]> | null = null;

/** Non-ASCII code units by the character they fold to (built once per process). */
function foldVariants(): Map<number, number[]> {
  if (variants === null) {
    const table = bmpFoldTable();
    variants = new Map();
    for (let c = 128; c < 0x10000; c++) {
      const f = table[c] as number;
      if (f === c) continue;
      const list = variants.get(f);
      if (list === undefined) variants.set(f, [c]);
      else list.push(c);
    }
  }
  return variants;
}

/** Gives every non-ASCII code unit the class of the character it folds to. */
function addFoldedVariants(ascii: Uint16Array, other: Map<number, number>): void {
  const byTarget = foldVariants();
  const targets: [number, number][] = [];
  for (let c = 0; c < 128; c++) if (ascii[c] !== 0) targets.push([c, ascii[c] as number]);
  for (const [c, cls] of other) targets.push([c, cls]);
  for (const [target, cls] of targets) for (const v of byTarget.get(target) ?? []) if (!other.has(v)) other.set(v, cls);
}
