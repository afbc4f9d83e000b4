// One matcher per field for the literal tests of every rule on that field: equality,
// contains/startswith/endswith through one Aho-Corasick automaton over the value, scanned
// as it is (character classes are case-insensitive). Each distinct value of a column is
// scanned once per batch and yields every such leaf that holds, instead of running
// thousands of separate `includes` calls (issue 4: "multi-pattern matching"; measured with
// benchmarks/evaluate). Wildcard patterns with inner `*`/`?` join through their longest
// literal (a witness), regex leaves through a literal every match contains: their full
// test runs only on values where the witness occurs.
//
// Speed (the engine's hottest loop): small automata are a full table of premultiplied
// rows whose sign marks states with outputs, so a character costs one class load and one
// table load; large ones keep full rows only for their shallow states and ASCII classes
// and follow trie edges and failure links elsewhere. Matchers with a few ASCII literals
// first ask V8's regex engine whether any literal occurs at all, which skips most values
// far faster than any scan written in JavaScript.
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
  /** The leaf's string pattern; null for a regex leaf, which has a `witness` instead. */
  readonly pattern: StringPattern | null;
  /**
   * For a leaf whose pattern the matcher cannot decide (a regex): a literal that every
   * value where the leaf holds contains, case-folded; `fullTest` decides where it occurs.
   */
  readonly witness?: string | null;
  /** For wildcard shapes and regexes: the full test, run after the witness literal is found. */
  readonly fullTest: StringTest;
}

/** What `classify` says a case-insensitive pattern is. */
type Shape =
  | { readonly kind: 'eq'; readonly text: string }
  | { readonly kind: 'contains' | 'prefix' | 'suffix'; readonly text: string }
  | { readonly kind: 'witness'; readonly text: string }
  | { readonly kind: 'none' };

/** Shortest (case-folded) witness worth indexing: shorter ones occur in nearly every value. */
export const MIN_WITNESS_LENGTH = 3;

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
  return best.length >= MIN_WITNESS_LENGTH ? { kind: 'witness', text: best } : { kind: 'none' };
}

const EMPTY_RESULT = new Int32Array(0);

/** Per-call stamps mark the leaves already found; they start over before leaving small-integer range. */
const STAMP_LIMIT = 1 << 30;

/** Largest full transition table, in entries (4 MiB); larger automata keep full rows only for shallow states. */
const DENSE_LIMIT = 1 << 20;

/**
 * Most entries of the shallow states' rows of a larger automaton (1 MiB). Four times as
 * many scanned SigmaHQ's CommandLine and Hashes values about 5% faster, for 3 MiB more per
 * matcher and worker, and longer start-up.
 */
const HYBRID_ROWS_LIMIT = 1 << 18;

/**
 * Most literals for which a matcher asks V8's regex engine first. The alternation's cost
 * grows with the number of literals (measured on Message values: 1 to 2 ns/char up to 16
 * keyword literals, 6 ns/char for 32, 11 ns/char for 149, slower than the automaton's
 * 3 to 4), while it pays only when few values hold a literal, which is typical of fields
 * with a handful of literals.
 */
const PREFILTER_MAX_PATTERNS = 16;

/** Shortest value for which the prefilter runs: a regex call costs as much as scanning about 8 characters. */
const PREFILTER_MIN_LENGTH = 32;

/** Tuning knobs, for tests and benchmarks; the defaults are what the engine uses. */
export interface FieldMatcherOptions {
  /** Largest full transition table, in entries. */
  readonly denseLimit?: number;
  /** Most literals for which the regex prefilter is used (0: never). */
  readonly prefilterMaxPatterns?: number;
}

/** The two non-ASCII characters whose simple case folding is ASCII: ſ (to s) and the Kelvin sign (to k). */
const LONG_S = 0x17f;
const KELVIN = 0x212a;

/**
 * Decides many literal leaves of one field at once. Build with the leaves, then call
 * `match(raw, folded, key)` once per distinct value: returns the local ids of the leaves that hold.
 */
export class FieldMatcher {
  readonly leafCount: number;
  /** Character class of every code unit below #classLimit (class 0: in no literal). */
  readonly #classes: Uint16Array;
  readonly #classLimit: number;
  /** Class of the Kelvin sign when beyond #classLimit: it alone would stretch the table of an ASCII matcher to 8,491 entries. */
  readonly #kelvinClass: number;
  /** Entries per row of #delta: all classes, or (large automata) those of ASCII characters. */
  readonly #rowWidth: number;
  /**
   * The full transition table of states below #rowStates. When every state and class
   * has a row (#allDense): entries are target * #rowWidth, negative when the target has
   * outputs. Otherwise: entries are target state ids.
   */
  readonly #delta: Int32Array;
  readonly #rowStates: number;
  readonly #allDense: boolean;
  /** Breadth-first state numbering: the children of state s are #firstChild[s] .. #firstChild[s + 1] - 1. */
  readonly #firstChild: Int32Array;
  /** Per state: the class of its incoming trie edge. */
  readonly #stateClass: Uint16Array;
  readonly #fail: Int32Array;
  /** Per state: 1 when a pattern ends there or at a suffix of it. */
  readonly #hasOutput: Uint8Array;
  /** Per state: the pattern ending exactly there, or -1. */
  readonly #endPattern: Int32Array;
  /** Per state: the nearest proper suffix state where a pattern ends, or 0. */
  readonly #outputLink: Int32Array;
  readonly #patternLength: Int32Array;
  /** Per pattern: the range in #useLeaf/#useKind of leaves using it. */
  readonly #useStart: Int32Array;
  readonly #useLeaf: Int32Array;
  readonly #useKind: Uint8Array;
  readonly #fullTests: (StringTest | null)[];
  /** Leaves whose literal is empty: contains/prefix/suffix always hold, equality on ''. */
  readonly #emptyAlways: readonly number[];
  readonly #emptyEquals: readonly number[];
  /** Answers "does any literal occur?" faster than the automaton, for matchers where that pays. */
  readonly #prefilter: RegExp | null;
  /** Whether ſ (as s) and the Kelvin sign (as k) match a literal: the prefilter cannot see them. */
  readonly #matchesLongS: boolean;
  readonly #matchesKelvin: boolean;
  /** Whether a literal holds an astral letter with case variants: values with surrogates are then scanned folded. */
  readonly #foldAstral: boolean;
  readonly #hasPatterns: boolean;
  readonly #seen: Int32Array;
  readonly #witnessed: Int32Array;
  #stamp = 0;
  /** Per match call: leaves found, and wildcard leaves whose witness occurred. */
  readonly #found: Int32Array;
  #foundCount = 0;
  readonly #witnesses: Int32Array;
  #witnessCount = 0;

  constructor(leaves: readonly MatcherLeaf[], options: FieldMatcherOptions = {}) {
    // Built in phases, each a function of its own: one constructor of all of them took V8's
    // optimizing compiler 100-230 ms per compile, about ten times per thread as type
    // feedback grew (`--trace-opt`: ~0.9 s of 3.6 s compiling over 200,000 corpus events).
    const leafCount = leaves.length;
    this.leafCount = leafCount;
    this.#seen = new Int32Array(leafCount);
    this.#witnessed = new Int32Array(leafCount);
    this.#found = new Int32Array(leafCount);
    this.#witnesses = new Int32Array(leafCount);
    const literals = literalsOf(leaves);
    const patterns = literals.patterns;
    this.#fullTests = literals.fullTests;
    this.#emptyAlways = literals.emptyAlways;
    this.#emptyEquals = literals.emptyEquals;
    this.#hasPatterns = patterns.length > 0;
    const alphabet = alphabetOf(patterns);
    this.#classes = alphabet.classTable;
    this.#classLimit = alphabet.classLimit;
    this.#kelvinClass = alphabet.kelvinClass;
    this.#foldAstral = !alphabet.allAscii && patterns.some(hasCasedAstral);
    const trie = trieOf(patterns, alphabet);
    const automaton = automatonOf(trie, alphabet, options.denseLimit ?? DENSE_LIMIT);
    this.#delta = automaton.delta;
    this.#rowWidth = automaton.rowWidth;
    this.#rowStates = automaton.rowStates;
    this.#allDense = automaton.allDense;
    this.#firstChild = trie.firstChild;
    this.#stateClass = trie.stateClass;
    this.#fail = automaton.fail;
    this.#hasOutput = automaton.hasOutput;
    this.#endPattern = trie.endPattern;
    this.#outputLink = automaton.outputLink;
    this.#patternLength = Int32Array.from(patterns, (t) => t.length);
    const byPattern = usesByPattern(literals.uses, patterns.length);
    this.#useStart = byPattern.useStart;
    this.#useLeaf = byPattern.useLeaf;
    this.#useKind = byPattern.useKind;
    const prefilterMax = options.prefilterMaxPatterns ?? PREFILTER_MAX_PATTERNS;
    this.#prefilter =
      alphabet.allAscii && patterns.length > 0 && patterns.length <= prefilterMax && literals.emptyAlways.length === 0 ? prefilterOf(patterns) : null;
    this.#matchesLongS = alphabet.ascii[0x73] !== 0;
    this.#matchesKelvin = alphabet.ascii[0x6b] !== 0;
  }

  /**
   * Local ids of the leaves that hold for this value. `raw` is scanned as it is; the
   * folded text is asked of `folded` only for wildcard leaves whose witness occurred
   * (and for values with surrogates when a literal holds a cased astral letter).
   */
  match(raw: string, folded: FoldedSource, key: number): Int32Array {
    if (!this.#hasPatterns) return this.#emptyLeaves(raw.length);
    const prefilter = this.#prefilter;
    if (
      prefilter !== null &&
      raw.length >= PREFILTER_MIN_LENGTH &&
      !prefilter.test(raw) &&
      !(this.#matchesLongS && raw.includes('\u017f')) &&
      !(this.#matchesKelvin && raw.includes('\u212a'))
    ) {
      return this.#emptyLeaves(raw.length);
    }
    let stamp = this.#stamp + 1;
    if (stamp === STAMP_LIMIT) {
      // Stamps stay small integers; a long-running process starts over now and then.
      this.#seen.fill(0);
      this.#witnessed.fill(0);
      stamp = 1;
    }
    this.#stamp = stamp;
    this.#foundCount = 0;
    this.#witnessCount = 0;
    const text = this.#foldAstral && hasSurrogate(raw) ? folded.lower(key) : raw;
    if (this.#allDense) this.#scanDense(text, stamp);
    else this.#scanSparse(text, stamp);
    const found = this.#found;
    if (this.#emptyAlways.length > 0 || this.#emptyEquals.length > 0) {
      for (const leaf of this.#emptyAlways) found[this.#foundCount++] = leaf;
      if (text.length === 0) for (const leaf of this.#emptyEquals) found[this.#foundCount++] = leaf;
    }
    if (this.#witnessCount > 0) {
      const lower = folded.lower(key);
      const seen = this.#seen;
      const witnesses = this.#witnesses;
      for (let w = 0; w < this.#witnessCount; w++) {
        const leaf = witnesses[w] as number;
        if (seen[leaf] !== stamp && (this.#fullTests[leaf] as StringTest)(raw, lower)) {
          seen[leaf] = stamp;
          found[this.#foundCount++] = leaf;
        }
      }
    }
    return this.#foundCount === 0 ? EMPTY_RESULT : found.slice(0, this.#foundCount);
  }

  /** Result for a value where no literal occurs: only leaves with an empty literal can hold. */
  #emptyLeaves(length: number): Int32Array {
    if (this.#emptyAlways.length === 0 && (length > 0 || this.#emptyEquals.length === 0)) return EMPTY_RESULT;
    return Int32Array.from(length === 0 ? [...this.#emptyAlways, ...this.#emptyEquals] : this.#emptyAlways);
  }

  /** Scans with the full table: one class load and one table load per character. */
  #scanDense(text: string, stamp: number): void {
    const classes = this.#classes;
    const limit = this.#classLimit;
    const kelvin = this.#kelvinClass;
    const delta = this.#delta;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const t = delta[s + (c < limit ? (classes[c] as number) : c === KELVIN ? kelvin : 0)] as number;
      if (t >= 0) s = t;
      else {
        s = -t;
        this.#emit(s / this.#rowWidth, i, n, stamp);
      }
    }
  }

  /**
   * Scans a large automaton: full rows for shallow states over ASCII classes, trie edges
   * and failure links for the rest.
   */
  #scanSparse(text: string, stamp: number): void {
    const classes = this.#classes;
    const limit = this.#classLimit;
    const kelvin = this.#kelvinClass;
    const delta = this.#delta;
    const rowStates = this.#rowStates;
    const rowWidth = this.#rowWidth;
    const firstChild = this.#firstChild;
    const stateClass = this.#stateClass;
    const fail = this.#fail;
    const hasOutput = this.#hasOutput;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const cls = c < limit ? (classes[c] as number) : c === KELVIN ? kelvin : 0;
      if (cls === 0) {
        // A character in no literal: back to the root, which has no outputs.
        s = 0;
        continue;
      }
      for (;;) {
        if (s < rowStates && cls < rowWidth) {
          s = delta[s * rowWidth + cls] as number;
          break;
        }
        const end = firstChild[s + 1] as number;
        let u = firstChild[s] as number;
        while (u < end && stateClass[u] !== cls) u++;
        if (u < end) {
          s = u;
          break;
        }
        if (s === 0) break;
        s = fail[s] as number;
      }
      if (hasOutput[s] === 1) this.#emit(s, i, n, stamp);
    }
  }

  /** Records the leaves of every pattern ending at `state` after character `i` of a value of length `n`. */
  #emit(state: number, i: number, n: number, stamp: number): void {
    const endPattern = this.#endPattern;
    const outputLink = this.#outputLink;
    const patternLength = this.#patternLength;
    const useStart = this.#useStart;
    const useLeaf = this.#useLeaf;
    const useKind = this.#useKind;
    const seen = this.#seen;
    const witnessed = this.#witnessed;
    let t = (endPattern[state] as number) >= 0 ? state : (outputLink[state] as number);
    while (t !== 0) {
      const p = endPattern[t] as number;
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
          this.#found[this.#foundCount++] = leaf;
        } else if (kind === USE_WITNESS && witnessed[leaf] !== stamp) {
          witnessed[leaf] = stamp;
          this.#witnesses[this.#witnessCount++] = leaf;
        }
      }
      t = outputLink[t] as number;
    }
  }
}

/** The distinct literals of a matcher's leaves (in first-use order) and which leaf uses which. */
interface Literals {
  readonly patterns: readonly string[];
  /** Per (pattern, leaf) use: the pattern's index, the leaf's local id, and how the occurrence relates to the leaf. */
  readonly uses: { pattern: number; leaf: number; kind: number }[];
  /** Per leaf: its full test when its literal is a witness, else null. */
  readonly fullTests: (StringTest | null)[];
  readonly emptyAlways: readonly number[];
  readonly emptyEquals: readonly number[];
}

function literalsOf(leaves: readonly MatcherLeaf[]): Literals {
  const fullTests = new Array<StringTest | null>(leaves.length).fill(null);
  const patternIds = new Map<string, number>();
  const uses: { pattern: number; leaf: number; kind: number }[] = [];
  const emptyAlways: number[] = [];
  const emptyEquals: number[] = [];
  for (const leaf of leaves) {
    const { text, kind } = useOf(leaf);
    if (kind === USE_WITNESS) fullTests[leaf.local] = leaf.fullTest;
    if (text === '') {
      // Unreachable from parsed rules (patterns drop empty literals), but decided exactly.
      if (kind === USE_EQUALS) emptyEquals.push(leaf.local);
      else if (kind !== USE_WITNESS) emptyAlways.push(leaf.local);
      else throw new Error('internal: empty witness literal');
      continue;
    }
    let id = patternIds.get(text);
    if (id === undefined) {
      id = patternIds.size;
      patternIds.set(text, id);
    }
    uses.push({ pattern: id, leaf: leaf.local, kind });
  }
  return { patterns: [...patternIds.keys()], uses, fullTests, emptyAlways, emptyEquals };
}

/** A matcher's character classes (see the constructor's fields). */
interface Alphabet {
  readonly ascii: Uint16Array;
  readonly classTable: Uint16Array;
  readonly classLimit: number;
  readonly kelvinClass: number;
  /** Classes of ASCII characters (and class 0): the width of a hybrid table's rows. */
  readonly rowWidth: number;
  /** All classes. */
  readonly width: number;
  readonly allAscii: boolean;
  readonly totalLength: number;
  readonly maxLength: number;
}

function alphabetOf(patterns: readonly string[]): Alphabet {
  // Alphabet: class 0 is "a character no pattern contains"; ASCII characters get the
  // lowest classes, so that large automata can keep full rows for them alone.
  const ascii = new Uint16Array(128);
  const other = new Map<number, number>();
  let classes = 1;
  let totalLength = 0;
  let maxLength = 0;
  let allAscii = true;
  for (const text of patterns) {
    totalLength += text.length;
    if (text.length > maxLength) maxLength = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) allAscii = false;
      else if (ascii[c] === 0) ascii[c] = classes++;
    }
  }
  const rowWidth = classes;
  if (!allAscii) {
    for (const text of patterns) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 128 && !other.has(c)) other.set(c, classes++);
      }
    }
  }
  const width = classes;
  // Upper-case ASCII letters share the class of their lower-case letter; non-ASCII
  // characters that fold to a pattern character share its class.
  for (let c = 65; c <= 90; c++) if (ascii[c + 32] !== 0) ascii[c] = ascii[c + 32] as number;
  if (allAscii) {
    // Only two non-ASCII characters fold to ASCII: no need for the folding table.
    if (ascii[0x73] !== 0) other.set(LONG_S, ascii[0x73] as number);
    if (ascii[0x6b] !== 0) other.set(KELVIN, ascii[0x6b] as number);
  } else addFoldedVariants(ascii, other);
  let classLimit = 128;
  for (const c of other.keys()) if (c >= classLimit && c !== KELVIN) classLimit = c + 1;
  const classTable = new Uint16Array(classLimit);
  classTable.set(ascii);
  for (const [c, cls] of other) if (c < classLimit) classTable[c] = cls;
  const kelvinClass = KELVIN < classLimit ? 0 : (other.get(KELVIN) ?? 0);
  return { ascii, classTable, classLimit, kelvinClass, rowWidth, width, allAscii, totalLength, maxLength };
}

/** The patterns' trie, states numbered breadth first. */
interface Trie {
  readonly states: number;
  /** The children of state s are firstChild[s] .. firstChild[s + 1] - 1. */
  readonly firstChild: Int32Array;
  /** Per state: the class of its incoming trie edge. */
  readonly stateClass: Uint16Array;
  /** Per state: the pattern ending exactly there, or -1. */
  readonly endPattern: Int32Array;
}

function trieOf(patterns: readonly string[], alphabet: Alphabet): Trie {
  const { classTable, totalLength, maxLength } = alphabet;
  const patternIds = new Map<string, number>();
  for (let p = 0; p < patterns.length; p++) patternIds.set(patterns[p] as string, p);
  // Trie, built from the patterns in sorted order: a pattern shares with the previous
  // one exactly their common prefix, and every further character is a new state.
  const maxStates = totalLength + 1;
  const parent = new Int32Array(maxStates);
  const edgeClassOf = new Uint16Array(maxStates);
  const childCount = new Int32Array(maxStates);
  const endOf = new Int32Array(patterns.length);
  const sorted = patterns.slice().sort(); // by UTF-16 code units, natively
  const path = new Int32Array(maxLength + 1); // path[d]: the previous pattern's state at depth d
  let trieStates = 1;
  let previous = '';
  for (const text of sorted) {
    const common = Math.min(previous.length, text.length);
    let d = 0;
    while (d < common && text.charCodeAt(d) === previous.charCodeAt(d)) d++;
    let s = path[d] as number;
    for (; d < text.length; d++) {
      const next = trieStates++;
      parent[next] = s;
      edgeClassOf[next] = classTable[text.charCodeAt(d)] as number;
      childCount[s] = (childCount[s] as number) + 1;
      path[d + 1] = next;
      s = next;
    }
    endOf[patternIds.get(text) as number] = s;
    previous = text;
  }
  const states = trieStates;
  // Breadth-first renumbering: children of a state become consecutive, failure links
  // point to lower numbers, and the shallow (most visited) states come first.
  const firstChild = new Int32Array(states + 1);
  const nextSlot = new Int32Array(states);
  /** Per state: the class of its incoming trie edge. */
  const stateClass = new Uint16Array(states);
  {
    // Children of each trie state, in trie-number order (counting sort by parent).
    const start = new Int32Array(states + 1);
    for (let s = 0; s < states; s++) start[s + 1] = (start[s] as number) + (childCount[s] as number);
    const kids = new Int32Array(states);
    const fill = start.slice(0, states);
    for (let t = 1; t < states; t++) {
      const p = parent[t] as number;
      kids[fill[p] as number] = t;
      fill[p] = (fill[p] as number) + 1;
    }
    // Breadth first: order[newId] = trie state.
    const order = new Int32Array(states);
    let tail = 1;
    for (let head = 0; head < states; head++) {
      const s = order[head] as number;
      firstChild[head] = tail;
      for (let k = start[s] as number; k < (start[s + 1] as number); k++) order[tail++] = kids[k] as number;
    }
    firstChild[states] = tail;
    for (let u = 0; u < states; u++) {
      const t = order[u] as number;
      nextSlot[t] = u; // trie number -> breadth-first number
      stateClass[u] = edgeClassOf[t] as number;
    }
  }
  const endPattern = new Int32Array(states).fill(-1);
  for (let p = 0; p < patterns.length; p++) endPattern[nextSlot[endOf[p] as number] as number] = p;

  return { states, firstChild, stateClass, endPattern };
}

/** The automaton's tables over a trie (see the constructor's fields). */
interface Automaton {
  readonly delta: Int32Array;
  readonly rowWidth: number;
  readonly rowStates: number;
  readonly allDense: boolean;
  readonly fail: Int32Array;
  readonly hasOutput: Uint8Array;
  readonly outputLink: Int32Array;
}

function automatonOf(trie: Trie, alphabet: Alphabet, denseLimit: number): Automaton {
  const { states, firstChild, stateClass, endPattern } = trie;
  const { rowWidth, width } = alphabet;
  // Full rows: every state when the table fits, else the shallow states over ASCII classes.
  const allDense = states * width <= denseLimit;
  const rowStates = allDense ? states : Math.max(1, Math.min(states, Math.floor(Math.min(denseLimit, HYBRID_ROWS_LIMIT) / rowWidth)));
  const rowW = allDense ? width : rowWidth;
  const delta = new Int32Array(rowStates * rowW);
  const fail = new Int32Array(states);
  const outputLink = new Int32Array(states);
  const hasOutput = new Uint8Array(states);
  /** Trie child of `s` on `cls`, or -1. */
  const child = (s: number, cls: number): number => {
    const end = firstChild[s + 1] as number;
    for (let u = firstChild[s] as number; u < end; u++) if (stateClass[u] === cls) return u;
    return -1;
  };
  /** The automaton's move from `s` on `cls`. */
  const move = (s: number, cls: number): number => {
    for (;;) {
      if (s < rowStates && cls < rowW) {
        const t = delta[s * rowW + cls] as number;
        return allDense ? (t < 0 ? -t : t) / rowW : t;
      }
      const c = child(s, cls);
      if (c >= 0) return c;
      if (s === 0) return 0;
      s = fail[s] as number;
    }
  };
  // Entries of full tables are premultiplied targets (the row's offset), negative where
  // the target has outputs (never the root); hybrid tables hold plain state numbers.
  const encode = (u: number): number => (!allDense ? u : hasOutput[u] === 1 ? -u * rowW : u * rowW);
  for (let s = 0; s < states; s++) {
    const end = firstChild[s + 1] as number;
    // Failure links of the children: their failure states are shallower, so complete.
    for (let u = firstChild[s] as number; u < end; u++) {
      const f = s === 0 ? 0 : move(fail[s] as number, stateClass[u] as number);
      fail[u] = f;
      outputLink[u] = (endPattern[f] as number) >= 0 ? f : (outputLink[f] as number);
      hasOutput[u] = (endPattern[u] as number) >= 0 || outputLink[u] !== 0 ? 1 : 0;
    }
    if (s < rowStates) {
      const row = s * rowW;
      if (s > 0) {
        const f = (fail[s] as number) * rowW;
        delta.copyWithin(row, f, f + rowW);
      }
      for (let u = firstChild[s] as number; u < end; u++) {
        const cls = stateClass[u] as number;
        if (cls < rowW) delta[row + cls] = encode(u);
      }
    }
  }
  return { delta, rowWidth: rowW, rowStates, allDense, fail, hasOutput, outputLink };
}

/** The uses of each pattern, as ranges: pattern p's leaves are useLeaf[useStart[p] .. useStart[p + 1] - 1]. */
function usesByPattern(uses: { pattern: number; leaf: number; kind: number }[], patternCount: number): { useStart: Int32Array; useLeaf: Int32Array; useKind: Uint8Array } {
  uses.sort((a, b) => a.pattern - b.pattern);
  const useStart = new Int32Array(patternCount + 1);
  const useLeaf = new Int32Array(uses.length);
  const useKind = new Uint8Array(uses.length);
  let u = 0;
  for (let p = 0; p < patternCount; p++) {
    useStart[p] = u;
    while (u < uses.length && (uses[u] as { pattern: number }).pattern === p) {
      useLeaf[u] = (uses[u] as { leaf: number }).leaf;
      useKind[u] = (uses[u] as { kind: number }).kind;
      u++;
    }
  }
  useStart[patternCount] = uses.length;
  return { useStart, useLeaf, useKind };
}

/** The case-folded literal a leaf needs, and how its occurrence relates to the leaf. */
function useOf(leaf: MatcherLeaf): { text: string; kind: number } {
  const shape = leaf.pattern === null ? ({ kind: 'none' } as const) : classifyPattern(leaf.pattern);
  switch (shape.kind) {
    case 'contains':
      return { text: shape.text, kind: USE_CONTAINS };
    case 'prefix':
      return { text: shape.text, kind: USE_PREFIX };
    case 'suffix':
      return { text: shape.text, kind: USE_SUFFIX };
    case 'eq':
      return { text: shape.text, kind: USE_EQUALS };
    case 'witness':
      return { text: shape.text, kind: USE_WITNESS };
    case 'none': {
      const witness = leaf.witness;
      if (witness === undefined || witness === null || witness === '') throw new Error('internal: leaf not decidable by a field matcher');
      return { text: foldCase(witness), kind: USE_WITNESS };
    }
  }
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

/**
 * A regex that matches wherever one of the (case-folded, ASCII) literals occurs, case
 * insensitively. Without the `u` flag (which makes V8 several times slower), `i` never
 * lets a non-ASCII character match an ASCII one, so values holding ſ or the Kelvin sign,
 * which fold to `s` and `k`, go to the automaton anyway (#matchesLongS, #matchesKelvin). They are not
 * alternatives of the regex: V8 (Node 20) misses them in some alternations, such as
 * /desk|kiss|sk|k|ſ|K/i on "K".
 */
function prefilterOf(patterns: readonly string[]): RegExp {
  return new RegExp(patterns.map((p) => p.replace(REGEX_SPECIAL, (ch) => `\\${ch}`)).join('|'), 'i');
}

function hasSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Whether a (case-folded) literal holds an astral character that other characters fold
 * to. The automaton scans code units, so such a literal must be compared with the folded value.
 */
function hasCasedAstral(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0x10000 && astralFoldTargets().has(cp)) return true;
  }
  return false;
}

/** Characters that have a case mapping: only these can fold to something else (tested). */
const CASED = /\p{Changes_When_Casemapped}/gu;

/** Code points from `from` to `to` (exclusive) that have a case mapping, found by V8's regex engine. */
function casedCodePoints(from: number, to: number): number[] {
  const found: number[] = [];
  const chunk: number[] = [];
  for (let cp = from; cp <= to; cp++) {
    if (cp < to && (cp < 0xd800 || cp > 0xdfff)) chunk.push(cp);
    if (chunk.length === 4096 || (cp === to && chunk.length > 0)) {
      for (const m of String.fromCodePoint(...chunk).matchAll(CASED)) found.push(m[0].codePointAt(0) as number);
      chunk.length = 0;
    }
  }
  return found;
}

let astralTargets: Set<number> | null = null;

/** Astral code points that another code point folds to (all in plane 1), computed once per process. */
function astralFoldTargets(): Set<number> {
  if (astralTargets === null) {
    astralTargets = new Set();
    for (const cp of casedCodePoints(0x10000, 0x20000)) {
      const ch = String.fromCodePoint(cp);
      const f = foldCase(ch);
      if (f !== ch) astralTargets.add(f.codePointAt(0) as number);
    }
  }
  return astralTargets;
}

let foldTable: Uint16Array | null = null;

/** Folding of every BMP code unit, computed once per process. */
function bmpFoldTable(): Uint16Array {
  if (foldTable === null) {
    foldTable = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) foldTable[c] = c;
    for (const c of casedCodePoints(0, 0x10000)) {
      const f = foldCase(String.fromCharCode(c));
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
