// Runs a RuleSetPlan over one EventBatch. Conditions are evaluated on sorted row lists:
// an AND narrows the rows its later children see, so the pipeline's routing tests
// (Channel, EventID) cut every rule down to its own events first, and their results are
// memoized per batch, so each routing test runs once per batch however many rules share
// it. A value test runs at most once per distinct dictionary value of its column.
import { CellKind, KEYWORD_COLUMN, type EventBatch, type FieldColumn } from '../batch/event-batch.js';
import { LeafKind, type PlanLeaf, type PlanNode, type RuleSetPlan } from '../compile/compile-rule-set.js';
import { foldCase } from '../compile/fold-case.js';

/** Matches of one batch: parallel arrays of rule index and row, grouped by rule. */
export interface BatchMatches {
  readonly ruleIndexes: Int32Array;
  readonly rows: Int32Array;
  readonly count: number;
}

const EMPTY = new Int32Array(0);

/** Per-column caches for one batch: case-folded dictionary entries, computed on demand. */
class ColumnView {
  readonly column: FieldColumn;
  readonly #lower: (string | undefined)[];

  constructor(column: FieldColumn) {
    this.column = column;
    this.#lower = new Array<string | undefined>(column.dictionary.length);
  }

  lower(key: number): string {
    let l = this.#lower[key];
    if (l === undefined) {
      l = foldCase(this.column.dictionary[key] as string);
      this.#lower[key] = l;
    }
    return l;
  }
}

/**
 * A keyword matcher's progress in one batch. Keyword matchers read every value of an event
 * (the keyword column is not deduplicated), so they are run row by row, only on the rows
 * their rules ask about, instead of over the whole column at once.
 */
interface RowScan {
  /** 1 for rows already scanned. */
  readonly done: Uint8Array;
  doneCount: number;
  /** Per local leaf: 1 for the scanned rows where it holds (allocated at the first hit). */
  readonly hits: (Uint8Array | undefined)[];
  /**
   * Per dictionary key, the matcher's result once computed, when values repeat across the
   * rows (a keyword column deduplicated by `toArrow`); null when every key occurs once (a
   * batch built here), where remembering would only cost.
   */
  readonly results: (Int32Array | undefined)[] | null;
}

/** Evaluates `plan` over `batch`; matches come back grouped by rule, rows ascending. */
export function evaluateBatch(plan: RuleSetPlan, batch: EventBatch): BatchMatches {
  const ev = new BatchEvaluator(plan, batch);
  const ruleIndexes: number[] = [];
  const rows: number[] = [];
  for (let r = 0; r < plan.roots.length; r++) {
    const root = plan.roots[r] as PlanNode;
    // Candidate indexing: only rows where some literal the rule needs occurs can match.
    const candidates = ev.candidates(root);
    if (candidates.length === 0) continue;
    const matched = ev.eval(root, candidates);
    for (let i = 0; i < matched.length; i++) {
      ruleIndexes.push(r);
      rows.push(matched[i] as number);
    }
  }
  ev.release();
  return { ruleIndexes: Int32Array.from(ruleIndexes), rows: Int32Array.from(rows), count: rows.length };
}

/**
 * Per-leaf arrays of a plan, kept from batch to batch instead of two arrays of every leaf
 * (32,000 with SigmaHQ) allocated per batch, which cost about 2 ms a batch: a one-event
 * batch of a live hunt paid that for each event. An entry counts only when its stamp is the
 * current batch's epoch.
 */
interface LeafScratch {
  epoch: number;
  /** Per leaf: per dictionary key, 0 = not computed, 1 = false, 2 = true. */
  readonly valueCache: (Uint8Array | undefined)[];
  readonly valueStamp: Int32Array;
  /** Per matcher leaf: the rows where it holds, once its matcher ran over the batch. */
  readonly leafRows: (Int32Array | undefined)[];
  readonly rowsStamp: Int32Array;
}

const scratchOfPlan = new WeakMap<RuleSetPlan, LeafScratch>();

/** The plan's leaf scratch with a new epoch: nothing of an earlier batch counts. */
function nextScratch(plan: RuleSetPlan): LeafScratch {
  let s = scratchOfPlan.get(plan);
  if (s === undefined) {
    const n = plan.leaves.length;
    s = { epoch: 0, valueCache: new Array<Uint8Array | undefined>(n), valueStamp: new Int32Array(n), leafRows: new Array<Int32Array | undefined>(n), rowsStamp: new Int32Array(n) };
    scratchOfPlan.set(plan, s);
  }
  if (s.epoch === 0x7fffffff) {
    s.valueStamp.fill(0);
    s.rowsStamp.fill(0);
    s.valueCache.fill(undefined);
    s.leafRows.fill(undefined);
    s.epoch = 0;
  }
  s.epoch++;
  return s;
}

class BatchEvaluator {
  readonly all: Int32Array;
  readonly #batch: EventBatch;
  readonly #views = new Map<string, ColumnView | null>();
  /** Per-leaf caches for this batch (see LeafScratch), and this batch's epoch in it. */
  readonly #leaves: LeafScratch;
  readonly #epoch: number;
  /** Leaf results keyed by (leaf, input row list): shared routing tests run once per batch. */
  readonly #memo = new Map<Int32Array, Map<number, Int32Array>>();
  readonly #plan: RuleSetPlan;
  /** Leaf results are written here, then copied out at their exact size: most leaves keep few rows. */
  readonly #scratch: Int32Array;

  constructor(plan: RuleSetPlan, batch: EventBatch) {
    this.#batch = batch;
    const all = new Int32Array(batch.rows);
    for (let i = 0; i < all.length; i++) all[i] = i;
    this.all = all;
    this.#scratch = new Int32Array(batch.rows);
    this.#leaves = nextScratch(plan);
    this.#epoch = this.#leaves.epoch;
    this.#prepared = new Uint8Array(plan.matcherCount);
    this.#matcherUse = new Uint8Array(plan.matcherCount);
    this.#rowScans = new Array<RowScan | null | undefined>(plan.matcherCount);
    this.#plan = plan;
  }

  /** Per keyword matcher: its scan so far (undefined: not started; null: no keyword column). */
  readonly #rowScans: (RowScan | null | undefined)[];

  #isRowScoped(m: number): boolean {
    return this.#plan.matcherFields[m] === KEYWORD_COLUMN;
  }

  /** Per matcher, for this batch: 0 not asked yet, 1 leaves tested one by one, 2 matcher used. */
  readonly #matcherUse: Uint8Array;

  /** Whether this batch decides matcher `m`'s leaves with the matcher (else with each leaf's test). */
  #usesMatcher(m: number): boolean {
    let use = this.#matcherUse[m] as number;
    if (use === 0) {
      use = this.#plan.deferMatcher(m, this.#batch.rows) ? 1 : 2;
      this.#matcherUse[m] = use;
    }
    return use === 2;
  }

  /** Runs keyword matcher `m` on those of `rows` not scanned yet; null when the batch has no keyword column. */
  #scanRows(m: number, rows: Int32Array): RowScan | null {
    let scan = this.#rowScans[m];
    if (scan === undefined) {
      const column = this.#batch.column(KEYWORD_COLUMN);
      const repeats = column !== undefined && column.listKeys !== null && column.listKeys.length > column.dictionary.length;
      scan = column === undefined ? null : { done: new Uint8Array(this.#batch.rows), doneCount: 0, hits: [], results: repeats ? [] : null };
      this.#rowScans[m] = scan;
    }
    if (scan === null || scan.doneCount === this.#batch.rows) return scan;
    const view = this.#view(KEYWORD_COLUMN) as ColumnView;
    const matcher = this.#plan.matcher(m);
    const { kinds, keys, listOffsets, listKeys, dictionary } = view.column;
    const { done, hits, results } = scan;
    const n = this.#batch.rows;
    let scanned = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      if (done[row] === 1) continue;
      done[row] = 1;
      scanned++;
      const k = kinds[row] as number;
      if (k === CellKind.STRING || k === CellKind.NUMBER || k === CellKind.BOOLEAN) {
        const key = keys[row] as number;
        const r = matcher.match(dictionary[key] as string, view, key);
        for (let j = 0; j < r.length; j++) ((hits[r[j] as number] ??= new Uint8Array(n))[row] = 1);
      } else if (k === CellKind.LIST && listOffsets !== null && listKeys !== null) {
        const end = listOffsets[row + 1] as number;
        for (let j = listOffsets[row] as number; j < end; j++) {
          const key = listKeys[j] as number;
          let r = results === null ? undefined : results[key];
          if (r === undefined) {
            r = matcher.match(dictionary[key] as string, view, key);
            if (results !== null) results[key] = r;
          }
          for (let q = 0; q < r.length; q++) ((hits[r[q] as number] ??= new Uint8Array(n))[row] = 1);
        }
      }
    }
    scan.doneCount += scanned;
    return scan;
  }

  /**
   * Runs field matcher `m` over every distinct value of its column once, and records for
   * each of its leaves the rows where it holds. Done on first need: these row lists drive
   * candidate indexing and decide the matcher's leaves for the whole batch.
   */
  #prepareMatcher(m: number): void {
    const plan = this.#plan;
    this.#prepared[m] = 1;
    const view = this.#view(plan.matcherFields[m] as string);
    if (view === null) return;
    const matcher = plan.matcher(m);
    const { kinds, keys, listOffsets, listKeys, dictionary } = view.column;
    const results = new Array<Int32Array>(dictionary.length);
    let any = false;
    for (let key = 0; key < dictionary.length; key++) {
      const r = matcher.match(dictionary[key] as string, view, key);
      results[key] = r;
      if (r.length > 0) any = true;
    }
    if (!any) return;
    const lists: number[][] = [];
    const lastRow = new Int32Array(matcher.leafCount).fill(-1);
    for (let row = 0; row < this.#batch.rows; row++) {
      const k = kinds[row] as number;
      if (k === CellKind.STRING || k === CellKind.NUMBER || k === CellKind.BOOLEAN) {
        const r = results[keys[row] as number] as Int32Array;
        for (let i = 0; i < r.length; i++) {
          const local = r[i] as number;
          (lists[local] ??= []).push(row);
        }
      } else if (k === CellKind.LIST && listOffsets !== null && listKeys !== null) {
        const end = listOffsets[row + 1] as number;
        for (let j = listOffsets[row] as number; j < end; j++) {
          const r = results[listKeys[j] as number] as Int32Array;
          for (let i = 0; i < r.length; i++) {
            const local = r[i] as number;
            if (lastRow[local] === row) continue; // a list row counts once
            lastRow[local] = row;
            (lists[local] ??= []).push(row);
          }
        }
      }
    }
    const ids = plan.matcherLeafIds[m] as Int32Array;
    const { leafRows, rowsStamp } = this.#leaves;
    for (let local = 0; local < lists.length; local++) {
      const list = lists[local];
      if (list === undefined) continue;
      const id = ids[local] as number;
      leafRows[id] = Int32Array.from(list);
      rowsStamp[id] = this.#epoch;
    }
  }

  /**
   * Lets go of this batch's per-leaf results (sized by its dictionaries), which the plan's
   * scratch would otherwise keep until the leaf runs again: with a plan per rule subset (key
   * routing) that was a copy per plan, growing with the largest batches seen.
   */
  release(): void {
    this.#leaves.valueCache.fill(undefined);
    this.#leaves.leafRows.fill(undefined);
  }

  /** Rows where matcher leaf `id` holds in this batch (not for keyword matchers: {@link #scanRows}). */
  #rowsOfMatcherLeaf(id: number): Int32Array {
    const m = this.#plan.leafMatcher[id] as number;
    if (this.#prepared[m] === 0) this.#prepareMatcher(m);
    return this.#leaves.rowsStamp[id] === this.#epoch ? (this.#leaves.leafRows[id] as Int32Array) : EMPTY;
  }

  readonly #prepared: Uint8Array;

  /**
   * Rows on which `node` can possibly hold, from the literal leaves alone: a matcher leaf
   * holds only on its rows; an OR on the union; an AND on the smallest of its children's
   * sets; anything else (regex, comparisons, NOT, …) could hold anywhere.
   */
  candidates(node: PlanNode): Int32Array {
    switch (node.t) {
      case 'leaf': {
        const m = this.#plan.leafMatcher[node.leaf.id] as number;
        // A keyword matcher is not run on the whole batch just to find candidates: its
        // rule's other tests (routing) usually narrow the rows first.
        if (m === -1 || this.#isRowScoped(m) || !this.#usesMatcher(m)) return this.all;
        return this.#rowsOfMatcherLeaf(node.leaf.id);
      }
      case 'const':
        return node.value ? this.all : EMPTY;
      case 'not':
        return this.all;
      case 'and': {
        // Children come cheapest first; once the set is small, preparing more matchers
        // (whole columns) costs more than it could save.
        let best = this.all;
        const enough = this.all.length >> 4;
        for (const child of node.children) {
          const c = this.candidates(child);
          if (c.length < best.length) {
            best = c;
            if (c.length <= enough) break;
          }
        }
        return best;
      }
      case 'or': {
        let acc: Int32Array = EMPTY;
        for (const child of node.children) {
          const c = this.candidates(child);
          if (c === this.all) return this.all;
          if (c.length > 0) acc = acc.length === 0 ? c : union(acc, c);
        }
        return acc;
      }
    }
  }

  eval(node: PlanNode, rows: Int32Array): Int32Array {
    if (rows.length === 0) return rows;
    switch (node.t) {
      case 'leaf':
        return this.#leaf(node.leaf, rows);
      case 'and': {
        let cur = rows;
        for (const child of node.children) {
          cur = this.eval(child, cur);
          if (cur.length === 0) break;
        }
        return cur;
      }
      case 'or': {
        let remaining = rows;
        let matched: Int32Array = EMPTY;
        for (const child of node.children) {
          const hit = this.eval(child, remaining);
          if (hit.length === 0) continue;
          matched = matched.length === 0 ? hit : union(matched, hit);
          if (matched.length === rows.length) break;
          remaining = difference(remaining, hit);
          if (remaining.length === 0) break;
        }
        return matched;
      }
      case 'not': {
        const hit = this.eval(node.child, rows);
        return hit.length === 0 ? rows : difference(rows, hit);
      }
      case 'const':
        return node.value ? rows : EMPTY;
    }
  }

  #view(field: string): ColumnView | null {
    let v = this.#views.get(field);
    if (v === undefined) {
      const column = this.#batch.column(field);
      v = column === undefined ? null : new ColumnView(column);
      this.#views.set(field, v);
    }
    return v;
  }

  #leaf(leaf: PlanLeaf, rows: Int32Array): Int32Array {
    let byInput = this.#memo.get(rows);
    if (byInput === undefined) {
      byInput = new Map();
      this.#memo.set(rows, byInput);
    }
    const cached = byInput.get(leaf.id);
    if (cached !== undefined) return cached;
    const out = this.#computeLeaf(leaf, rows);
    byInput.set(leaf.id, out);
    return out;
  }

  #computeLeaf(leaf: PlanLeaf, rows: Int32Array): Int32Array {
    const view = this.#view(leaf.field);
    const out = this.#scratch;
    let n = 0;
    if (view === null) {
      // Column not built: every row is absent. Only null and (negated) exists care.
      return leaf.kind === LeafKind.Null ? rows : EMPTY;
    }
    const { kinds, keys, listOffsets, listKeys } = view.column;
    switch (leaf.kind) {
      case LeafKind.Null:
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as number;
          const k = kinds[row] as number;
          if (k === CellKind.ABSENT || k === CellKind.NULL) out[n++] = row;
        }
        break;
      case LeafKind.Exists:
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as number;
          if (kinds[row] !== CellKind.ABSENT) out[n++] = row;
        }
        break;
      case LeafKind.Value: {
        const m = this.#plan.leafMatcher[leaf.id] as number;
        if (m >= 0 && this.#isRowScoped(m)) {
          // A keyword matcher: scan just these rows (those not scanned yet) and keep the hits.
          const scan = this.#scanRows(m, rows);
          const hit = scan === null ? undefined : scan.hits[this.#plan.leafLocal[leaf.id] as number];
          if (hit === undefined) return EMPTY;
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i] as number;
            if (hit[row] === 1) out[n++] = row;
          }
          break;
        }
        if (m >= 0 && this.#usesMatcher(m)) {
          // Decided for the whole batch by its field matcher: intersect with its rows.
          return intersect(rows, this.#rowsOfMatcherLeaf(leaf.id));
        }
        const scratch = this.#leaves;
        let cache = scratch.valueStamp[leaf.id] === this.#epoch ? scratch.valueCache[leaf.id] : undefined;
        if (cache === undefined || cache.length !== view.column.dictionary.length) {
          cache = new Uint8Array(view.column.dictionary.length);
          scratch.valueCache[leaf.id] = cache;
          scratch.valueStamp[leaf.id] = this.#epoch;
        }
        const test = leaf.test!;
        const dict = view.column.dictionary;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as number;
          const k = kinds[row] as number;
          if (k === CellKind.STRING || k === CellKind.NUMBER || k === CellKind.BOOLEAN) {
            const key = keys[row] as number;
            let r = cache[key] as number;
            if (r === 0) {
              r = test(dict[key] as string, view.lower(key)) ? 2 : 1;
              cache[key] = r;
            }
            if (r === 2) out[n++] = row;
          } else if (k === CellKind.LIST && listOffsets !== null && listKeys !== null) {
            // A list satisfies a test when any element does (§2.2).
            const end = listOffsets[row + 1] as number;
            for (let j = listOffsets[row] as number; j < end; j++) {
              const key = listKeys[j] as number;
              let r = cache[key] as number;
              if (r === 0) {
                r = test(dict[key] as string, view.lower(key)) ? 2 : 1;
                cache[key] = r;
              }
              if (r === 2) {
                out[n++] = row;
                break;
              }
            }
          }
        }
        break;
      }
      case LeafKind.FieldRef: {
        const ref = leaf.fieldRef!;
        const other = this.#view(ref.field);
        if (other === null) return EMPTY;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as number;
          if (fieldRefMatches(view, other, row, ref.position, ref.isCased)) out[n++] = row;
        }
        break;
      }
    }
    return n === rows.length ? rows : n === 0 ? EMPTY : out.slice(0, n);
  }
}

function texts(view: ColumnView, row: number, isCased: boolean): string[] {
  const c = view.column;
  const k = c.kinds[row] as number;
  if (k === CellKind.STRING || k === CellKind.NUMBER || k === CellKind.BOOLEAN) {
    const key = c.keys[row] as number;
    return [isCased ? (c.dictionary[key] as string) : view.lower(key)];
  }
  if (k === CellKind.LIST && c.listOffsets !== null && c.listKeys !== null) {
    const out: string[] = [];
    for (let j = c.listOffsets[row] as number; j < (c.listOffsets[row + 1] as number); j++) {
      const key = c.listKeys[j] as number;
      out.push(isCased ? (c.dictionary[key] as string) : view.lower(key));
    }
    return out;
  }
  return [];
}

/** `F|fieldref: G` (§4.8): both present; equal, or G's value inside/at the start/end of F's. */
function fieldRefMatches(view: ColumnView, other: ColumnView, row: number, position: string, isCased: boolean): boolean {
  const mine = texts(view, row, isCased);
  if (mine.length === 0) return false;
  const theirs = texts(other, row, isCased);
  for (const a of mine) {
    for (const b of theirs) {
      if (position === 'exact' ? a === b : position === 'contains' ? a.includes(b) : position === 'startswith' ? a.startsWith(b) : a.endsWith(b)) {
        return true;
      }
    }
  }
  return false;
}

/** Rows in both sorted lists. */
function intersect(a: Int32Array, b: Int32Array): Int32Array {
  if (a.length === 0 || b.length === 0) return EMPTY;
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  return n === a.length ? a : out.subarray(0, n);
}

/** Union of two sorted, disjoint-or-overlapping row lists. */
function union(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++] as number;
  while (j < b.length) out[n++] = b[j++] as number;
  return out.subarray(0, n);
}

/** Rows of `a` not in `b` (both sorted; `b` is a subset of `a` in practice). */
function difference(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    while (j < b.length && (b[j] as number) < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}


