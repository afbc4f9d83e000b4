// The aggregate of one correlation type over the matches in a group's window, kept up to
// date as matches enter and leave the window (a sliding window), so a new match costs
// O(1) or O(log n), never a pass over the window (value_percentile and temporal_ordered
// excepted: they look at the window when asked).
import type { CorrelationType } from '../ir/rules.js';

/** One match inside a group's window. */
export interface WindowEntry {
  readonly timeMs: number;
  readonly seq: number;
  readonly ruleKey: string;
  /** value_count: the distinct-value key; value_sum/avg/percentile: the number (null when not numeric). */
  readonly value: string | number | null;
  readonly source: { readonly path: string; readonly record: number };
}

export interface Aggregate {
  add(entry: WindowEntry): void;
  remove(entry: WindowEntry): void;
  /** The aggregate now; null when it has no value (no numeric value for sum/avg/percentile). */
  value(entries: readonly WindowEntry[], head: number): number | null;
}

class Count implements Aggregate {
  n = 0;
  add(): void {
    this.n++;
  }
  remove(): void {
    this.n--;
  }
  value(): number {
    return this.n;
  }
}

/** Distinct keys with how many entries hold each (value_count: values; temporal: rules). */
class Distinct implements Aggregate {
  readonly #counts = new Map<string, number>();
  readonly #keyOf: (e: WindowEntry) => string | null;
  constructor(keyOf: (e: WindowEntry) => string | null) {
    this.#keyOf = keyOf;
  }
  add(e: WindowEntry): void {
    const key = this.#keyOf(e);
    if (key !== null) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
  remove(e: WindowEntry): void {
    const key = this.#keyOf(e);
    if (key === null) return;
    const n = (this.#counts.get(key) ?? 0) - 1;
    if (n <= 0) this.#counts.delete(key);
    else this.#counts.set(key, n);
  }
  value(): number {
    return this.#counts.size;
  }
}

class Sum implements Aggregate {
  sum = 0;
  n = 0;
  readonly #isAverage: boolean;
  constructor(isAverage: boolean) {
    this.#isAverage = isAverage;
  }
  add(e: WindowEntry): void {
    if (typeof e.value !== 'number') return;
    this.sum += e.value;
    this.n++;
  }
  remove(e: WindowEntry): void {
    if (typeof e.value !== 'number') return;
    this.sum -= e.value;
    this.n--;
    if (this.n === 0) this.sum = 0; // no drift left over from removed values
  }
  value(): number | null {
    if (this.n === 0) return null;
    return this.#isAverage ? this.sum / this.n : this.sum;
  }
}

/** The numeric values of the window, kept sorted; percentile by linear interpolation between closest ranks. */
class Percentile implements Aggregate {
  readonly #sorted: number[] = [];
  readonly #p: number;
  constructor(percentile: number) {
    this.#p = percentile;
  }
  add(e: WindowEntry): void {
    if (typeof e.value === 'number') this.#sorted.splice(lowerBound(this.#sorted, e.value), 0, e.value);
  }
  remove(e: WindowEntry): void {
    if (typeof e.value !== 'number') return;
    const at = lowerBound(this.#sorted, e.value);
    if (this.#sorted[at] === e.value) this.#sorted.splice(at, 1);
  }
  value(): number | null {
    return percentileOf(this.#sorted, this.#p);
  }
}

/** temporal_ordered: how many of the rules occur in the order listed (greedy, earliest first). */
class Ordered implements Aggregate {
  readonly #rules: readonly string[];
  constructor(rules: readonly string[]) {
    this.#rules = rules;
  }
  add(): void {}
  remove(): void {}
  value(entries: readonly WindowEntry[], head: number): number {
    let next = 0;
    for (let i = head; i < entries.length && next < this.#rules.length; i++) {
      if ((entries[i] as WindowEntry).ruleKey === this.#rules[next]) next++;
    }
    return next;
  }
}

/**
 * The `p`th percentile (0-100) of ascending `sorted` values: linear interpolation between
 * the closest ranks (numpy's default, Excel's PERCENTILE.INC); null for no values.
 *
 * @example percentileOf([1, 2, 3, 4], 50) // 2.5
 */
export function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  const a = sorted[low] as number;
  return a + ((sorted[high] as number) - a) * (rank - low);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A fresh aggregate for a correlation. */
export function createAggregate(type: CorrelationType, rules: readonly string[], percentile: number | null): Aggregate {
  switch (type) {
    case 'event_count':
      return new Count();
    case 'value_count':
      return new Distinct((e) => (e.value === null ? null : String(e.value)));
    case 'temporal':
      return new Distinct((e) => e.ruleKey);
    case 'temporal_ordered':
      return new Ordered(rules);
    case 'value_sum':
      return new Sum(false);
    case 'value_avg':
      return new Sum(true);
    case 'value_percentile':
      return new Percentile(percentile ?? 50);
  }
}
