// The correlator (DESIGN.md "Correlation"): Sigma correlation rules over the ordered stream
// of base-rule matches, grouped by their group-by fields, in sliding windows of event time.
// Semantics and their reasons: docs/correlation.md. In short:
// - Matches wait in a buffer ordered by (event time, arrival) until the watermark (newest
//   event time seen minus the allowed lateness) passes them, then are processed in time
//   order: input whose disorder stays within the lateness gives the alerts of sorted input.
//   A match behind the watermark is late: counted, not correlated.
// - Conditions with only lower bounds (gt, gte) fire as soon as they hold over the window
//   [t - timespan, t] (both edges inclusive); the group then starts afresh.
// - Conditions with an upper bound (lt, lte, eq, neq, ranges) are decided when the window
//   that opened with the group's first match, [start, start + timespan], is complete.
// - State is bounded: idle groups are evicted once no window of theirs can fire, groups
//   per correlation are capped, entries per window are capped.
import { createHash } from 'node:crypto';
import type { CorrelationAlert } from '../alert/alert.js';
import type { CorrelationMatch, CorrelationStage } from '../detect/alert-assembler.js';
import type { CorrelationBound, CorrelationRule } from '../ir/rules.js';
import { createAggregate, type Aggregate, type WindowEntry } from './aggregates.js';

/** The correlation rules to run and the bounds on their state. */
export interface CorrelatorOptions {
  readonly correlations: readonly CorrelationRule[];
  /** How far behind the newest event time a match may arrive and still count (default 5 minutes). */
  readonly maxLatenessMs?: number;
  /** Groups one correlation keeps at once (default 1,000,000); past it the least recently active is dropped. */
  readonly maxGroups?: number;
  /** Matches listed in an alert (default 10); `matches_total` has the full count. */
  readonly maxMatchesPerAlert?: number;
  /** Matches one group's window keeps (default 10,000, or the condition's threshold + 1 when larger). */
  readonly maxEntriesPerGroup?: number;
  /** Told once per correlation when its group cap is hit, and similar conditions worth a look. */
  readonly onWarning?: (message: string) => void;
}

/** Default `maxLatenessMs`: 5 minutes. */
export const DEFAULT_MAX_LATENESS_MS = 5 * 60_000;
/** Default `maxGroups` per correlation. */
export const DEFAULT_MAX_GROUPS = 1_000_000;
/** Default `maxMatchesPerAlert`. */
export const DEFAULT_MAX_MATCHES_PER_ALERT = 10;
/** Default `maxEntriesPerGroup`: matches one group window keeps. */
export const DEFAULT_MAX_ENTRIES_PER_GROUP = 10_000;
/** Group keys longer than this are kept as their SHA-256; group values (strings) are cut to it in alerts. */
const MAX_GROUP_TEXT = 1024;
const STATE_VERSION = 1;

/** A state that cannot be restored: another rule set, another format version, or not a state. */
export class CorrelatorStateError extends Error {
  override readonly name = 'CorrelatorStateError';
}

/** Counts of matches the correlator could not use, and of what it dropped to stay bounded. */
export interface CorrelationStats {
  /** Matches behind the watermark when they arrived: not correlated. */
  late: number;
  /** Matches without a usable event time: not correlated. */
  noTime: number;
  /** Matches a correlation could not group (a group-by field absent). */
  missingGroupField: number;
  /** Matches without the aggregated field (value_count, value_sum, ...). */
  missingValueField: number;
  /** Values value_sum/avg/percentile ignored because they are not numbers. */
  nonNumeric: number;
  /** Groups dropped because no window of theirs could fire any more. */
  groupsEvicted: number;
  /** Groups dropped at maxGroups (least recently active first). */
  groupCapHits: number;
  /** Oldest matches dropped from a window at maxEntriesPerGroup. */
  entriesDropped: number;
  /** Correlation alerts made, including those of correlations that do not alert (chains). */
  alerts: number;
}

interface Pending {
  readonly ruleKey: string;
  readonly timeMs: number;
  readonly seq: number;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly source: { readonly path: string; readonly record: number };
}

interface Group {
  readonly key: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly entries: WindowEntry[];
  head: number;
  readonly aggregate: Aggregate;
  /** Upper-bound conditions: the window's start (its first match). */
  readonly start: number;
  /** Neighbours in the order of last activity (GroupTable's list). */
  prev: Group | null;
  next: Group | null;
}

/**
 * A correlation's groups: looked up by key, and kept in order of last activity in a linked
 * list (least recent first), so eviction and the cap take the oldest in O(1). (A Map
 * re-inserted on every touch keeps that order too, but its deleted slots pile up in front
 * of the oldest entry, and reaching it became a scan: 19k matches/s at 100k groups.)
 */
class GroupTable {
  readonly #byKey = new Map<string, Group>();
  #oldest: Group | null = null;
  #newest: Group | null = null;

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): Group | undefined {
    return this.#byKey.get(key);
  }

  get oldest(): Group | null {
    return this.#oldest;
  }

  /** Adds a group, or moves it, to the newest end. */
  touch(group: Group): void {
    if (this.#byKey.get(group.key) === group) {
      if (this.#newest === group) return;
      this.#unlink(group);
    } else {
      this.#byKey.set(group.key, group);
    }
    group.prev = this.#newest;
    group.next = null;
    if (this.#newest !== null) this.#newest.next = group;
    this.#newest = group;
    this.#oldest ??= group;
  }

  delete(group: Group): void {
    if (this.#byKey.get(group.key) !== group) return;
    this.#byKey.delete(group.key);
    this.#unlink(group);
  }

  /** Oldest first. */
  *inOrder(): Generator<Group> {
    for (let g = this.#oldest; g !== null; g = g.next) yield g;
  }

  #unlink(group: Group): void {
    if (group.prev !== null) group.prev.next = group.next;
    else this.#oldest = group.next;
    if (group.next !== null) group.next.prev = group.prev;
    else this.#newest = group.prev;
    group.prev = null;
    group.next = null;
  }
}

interface Timer {
  readonly end: number;
  readonly seq: number;
  readonly run: number;
  readonly key: string;
  readonly start: number;
}

/** One correlation rule at run time. */
class Run {
  readonly groups = new GroupTable();
  readonly isLowerOnly: boolean;
  readonly entryCap: number;
  isCapWarned = false;
  alerts = 0;

  constructor(
    readonly rule: CorrelationRule,
    readonly index: number,
    maxEntries: number,
  ) {
    this.isLowerOnly = rule.condition.length > 0 && rule.condition.every((b) => b.op === 'gt' || b.op === 'gte');
    const threshold = Math.max(0, ...rule.condition.map((b) => b.value));
    this.entryCap = Math.max(maxEntries, Number.isFinite(threshold) ? Math.ceil(threshold) + 1 : 0);
  }

  /** The field a group-by name reads in matches of `ruleKey` (aliases map it per rule). */
  groupField(name: string, ruleKey: string): string {
    for (const a of this.rule.aliases) if (a.alias === name) return a.fields[ruleKey] ?? name;
    return name;
  }
}

/**
 * Runs Sigma correlation rules over base-rule matches given in input order.
 *
 * @example
 * const correlator = new Correlator({ correlations: ruleSet.correlations });
 * const alerts = correlator.push({ ruleKey, timeMs, fields, source }); // alerts that became due
 * alerts.push(...correlator.finish());                                 // end of input
 */
export class Correlator implements CorrelationStage {
  readonly inputRules: ReadonlySet<string>;
  readonly stats: CorrelationStats = {
    late: 0,
    noTime: 0,
    missingGroupField: 0,
    missingValueField: 0,
    nonNumeric: 0,
    groupsEvicted: 0,
    groupCapHits: 0,
    entriesDropped: 0,
    alerts: 0,
  };
  readonly #runs: readonly Run[];
  /** Rule key (detection rule or correlation) -> the correlations that read its matches. */
  readonly #readers = new Map<string, Run[]>();
  readonly #fields = new Map<string, readonly string[]>();
  readonly #lateness: number;
  readonly #maxGroups: number;
  readonly #maxMatches: number;
  readonly #onWarning: (message: string) => void;
  readonly #fingerprint: string;
  /** Matches not yet released, a binary min-heap by (time, seq). */
  #buffer: Pending[] = [];
  /** Upper-bound windows waiting to close, a binary min-heap by (end, seq). */
  #timers: Timer[] = [];
  #maxSeen = Number.NEGATIVE_INFINITY;
  #seq = 0;

  constructor(options: CorrelatorOptions) {
    this.#lateness = options.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS;
    this.#maxGroups = options.maxGroups ?? DEFAULT_MAX_GROUPS;
    this.#maxMatches = options.maxMatchesPerAlert ?? DEFAULT_MAX_MATCHES_PER_ALERT;
    if (!(this.#lateness >= 0)) throw new RangeError(`maxLatenessMs must be 0 or more, got ${this.#lateness}`);
    if (!Number.isInteger(this.#maxGroups) || this.#maxGroups < 1) throw new RangeError(`maxGroups must be a positive integer, got ${this.#maxGroups}`);
    this.#onWarning = options.onWarning ?? (() => undefined);
    const maxEntries = options.maxEntriesPerGroup ?? DEFAULT_MAX_ENTRIES_PER_GROUP;
    this.#runs = options.correlations.map((rule, index) => new Run(rule, index, maxEntries));
    const correlationKeys = new Set(options.correlations.map((c) => c.key));
    const inputs = new Set<string>();
    for (const run of this.#runs) {
      for (const key of run.rule.rules) {
        const list = this.#readers.get(key) ?? [];
        list.push(run);
        this.#readers.set(key, list);
        if (!correlationKeys.has(key)) inputs.add(key);
        const fields = new Set(this.#fields.get(key) ?? []);
        for (const name of run.rule.groupBy) fields.add(run.groupField(name, key));
        if (run.rule.type.startsWith('value_')) for (const f of run.rule.field) fields.add(f);
        this.#fields.set(key, [...fields]);
      }
    }
    this.inputRules = inputs;
    this.#fingerprint = fingerprintOf(options.correlations);
  }

  /** Fields (Sigma names, after aliases) that matches of this rule must carry. */
  fieldsFor(ruleKey: string): readonly string[] {
    return this.#fields.get(ruleKey) ?? [];
  }

  /** The watermark: matches with an earlier event time are late. */
  get watermark(): number {
    return this.#maxSeen - this.#lateness;
  }

  /** Matches waiting for the watermark (released by later matches, advanceTo or finish). */
  get held(): number {
    return this.#buffer.length;
  }

  /** Groups alive now, over all correlations. */
  get groups(): number {
    let n = 0;
    for (const run of this.#runs) n += run.groups.size;
    return n;
  }

  /** One base-rule match, in input order; returns the correlation alerts that became due. */
  push(match: CorrelationMatch): CorrelationAlert[] {
    const out: CorrelationAlert[] = [];
    if (!this.#readers.has(match.ruleKey)) return out;
    if (Number.isNaN(match.timeMs)) {
      this.stats.noTime++;
      return out;
    }
    if (match.timeMs < this.watermark) {
      this.stats.late++;
      return out;
    }
    heapPush(this.#buffer, { ruleKey: match.ruleKey, timeMs: match.timeMs, seq: this.#seq++, fields: match.fields, source: match.source }, byTime);
    if (match.timeMs > this.#maxSeen) this.#maxSeen = match.timeMs;
    this.#release(this.watermark, out);
    return out;
  }

  /** Moves the watermark on to `timeMs - lateness` (an idle live stream); returns alerts that became due. */
  advanceTo(timeMs: number): CorrelationAlert[] {
    const out: CorrelationAlert[] = [];
    if (timeMs > this.#maxSeen) this.#maxSeen = timeMs;
    this.#release(this.watermark, out);
    return out;
  }

  /** End of a bounded input: every held match is processed and every open window decided. */
  finish(): CorrelationAlert[] {
    const out: CorrelationAlert[] = [];
    this.#release(Number.POSITIVE_INFINITY, out);
    return out;
  }

  #release(upTo: number, out: CorrelationAlert[]): void {
    const buffer = this.#buffer;
    while (buffer.length > 0 && (buffer[0] as Pending).timeMs <= upTo) {
      const next = heapPop(buffer, byTime) as Pending;
      this.#closeBefore(next.timeMs, out);
      this.#process(next.ruleKey, next.timeMs, next.fields, next.source, out);
    }
    // Windows that end before the watermark are complete: nothing earlier can come.
    this.#closeBefore(upTo, out);
  }

  /** Decides the upper-bound windows that end before `timeMs`, in order of their end. */
  #closeBefore(timeMs: number, out: CorrelationAlert[]): void {
    const timers = this.#timers;
    while (timers.length > 0 && (timers[0] as Timer).end < timeMs) {
      const timer = heapPop(timers, byEnd) as Timer;
      const run = this.#runs[timer.run] as Run;
      const group = run.groups.get(timer.key);
      if (group === undefined || group.start !== timer.start) continue; // dropped or started afresh
      run.groups.delete(group);
      const value = group.aggregate.value(group.entries, group.head);
      if (value !== null && holds(run.rule.condition, value)) {
        this.#fire(run, group, value, { start: group.start, end: timer.end }, out);
      }
    }
  }

  #process(
    ruleKey: string,
    timeMs: number,
    fields: Readonly<Record<string, unknown>>,
    source: { readonly path: string; readonly record: number },
    out: CorrelationAlert[],
  ): void {
    const readers = this.#readers.get(ruleKey);
    if (readers === undefined) return;
    for (const run of readers) {
      const rule = run.rule;
      // The group: its values, and a key that stays small whatever the values.
      let values: Record<string, unknown> | null = {};
      for (const name of rule.groupBy) {
        const value = fields[run.groupField(name, ruleKey)];
        if (value === undefined || value === null) {
          values = null;
          break;
        }
        values[name] = value;
      }
      if (values === null) {
        this.stats.missingGroupField++;
        continue;
      }
      let entryValue: string | number | null = null;
      if (rule.type.startsWith('value_')) {
        entryValue = this.#valueOf(rule.type === 'value_count', rule.field, fields);
        if (entryValue === null) continue;
      }
      const key = groupKey(values);
      let group = run.groups.get(key);
      if (group === undefined) {
        group = newGroup(key, boundedValues(values), createAggregate(rule.type, rule.rules, rule.percentile), timeMs);
        if (!run.isLowerOnly) heapPush(this.#timers, { end: timeMs + rule.timespanMs, seq: this.#seq++, run: run.index, key, start: timeMs }, byEnd);
      }
      run.groups.touch(group);
      const entry: WindowEntry = { timeMs, seq: this.#seq++, ruleKey, value: entryValue, source };
      if (run.isLowerOnly) {
        // Slide: [timeMs - timespan, timeMs], both edges inclusive.
        const from = timeMs - rule.timespanMs;
        while (group.head < group.entries.length && (group.entries[group.head] as WindowEntry).timeMs < from) dropHead(group);
      }
      group.entries.push(entry);
      group.aggregate.add(entry);
      if (group.entries.length - group.head > run.entryCap) {
        dropHead(group);
        this.stats.entriesDropped++;
      }
      if (group.head > 1024 && group.head * 2 > group.entries.length) {
        group.entries.splice(0, group.head);
        group.head = 0;
      }
      if (run.isLowerOnly) {
        const value = group.aggregate.value(group.entries, group.head);
        if (value !== null && holds(rule.condition, value)) {
          run.groups.delete(group); // reset: the next alert needs new matches
          const first = group.entries[group.head] as WindowEntry;
          this.#fire(run, group, value, { start: first.timeMs, end: timeMs }, out);
        }
      }
      this.#bound(run, timeMs);
    }
  }

  /** The aggregated field's value of a match: a distinct key (value_count) or a number; null when unusable. */
  #valueOf(isDistinct: boolean, names: readonly string[], fields: Readonly<Record<string, unknown>>): string | number | null {
    const raw = names.map((n) => fields[n]);
    if (raw.some((v) => v === undefined || v === null)) {
      this.stats.missingValueField++;
      return null;
    }
    if (isDistinct) return raw.length === 1 && typeof raw[0] === 'string' ? raw[0] : JSON.stringify(raw);
    const first = raw[0];
    const n = typeof first === 'number' ? first : typeof first === 'string' && first.trim() !== '' ? Number(first) : Number.NaN;
    if (!Number.isFinite(n)) {
      this.stats.nonNumeric++;
      return null;
    }
    return n;
  }

  /** Evicts groups no window of which can fire any more, and enforces the group cap. */
  #bound(run: Run, now: number): void {
    const groups = run.groups;
    if (run.isLowerOnly) {
      // Matches are processed in time order, so the first group (least recently active)
      // has the oldest newest match; once that is out of every future window, it goes.
      const horizon = now - run.rule.timespanMs;
      for (let group = groups.oldest; group !== null; group = groups.oldest) {
        const last = group.entries[group.entries.length - 1];
        if (last !== undefined && last.timeMs >= horizon) break;
        groups.delete(group);
        this.stats.groupsEvicted++;
      }
    }
    while (groups.size > this.#maxGroups) {
      groups.delete(groups.oldest as Group);
      this.stats.groupCapHits++;
      if (!run.isCapWarned) {
        run.isCapWarned = true;
        this.#onWarning(
          `correlation '${run.rule.title}' (${run.rule.key}) reached ${this.#maxGroups.toLocaleString('en-US')} groups at once; the least recently active are dropped (raise --max-groups, or shorten its timespan)`,
        );
      }
    }
  }

  #fire(run: Run, group: Group, value: number, window: { start: number; end: number }, out: CorrelationAlert[]): void {
    const rule = run.rule;
    const matches: { rule_id: string; source: { path: string; record: number } }[] = [];
    const total = group.entries.length - group.head;
    for (let i = group.head; i < group.entries.length && matches.length < this.#maxMatches; i++) {
      const e = group.entries[i] as WindowEntry;
      matches.push({ rule_id: e.ruleKey, source: e.source });
    }
    const end = new Date(window.end).toISOString();
    const alert: CorrelationAlert = {
      type: 'correlation',
      rule: { key: rule.key, id: rule.id, name: rule.name, title: rule.title, level: rule.level, correlation_type: rule.type },
      group: group.values,
      value,
      window: { start: new Date(window.start).toISOString(), end },
      timestamp: end,
      matches,
      matches_total: total,
    };
    run.alerts++;
    this.stats.alerts++;
    if (rule.shouldAlert) out.push(alert);
    // Chains: this alert is a match of the correlations that read this one, at the window's end.
    const last = group.entries[group.entries.length - 1] as WindowEntry;
    this.#process(rule.key, window.end, group.values, last.source, out);
  }

  /** Alerts made per correlation key (including correlations that only feed others). */
  alertsByCorrelation(): ReadonlyMap<string, number> {
    return new Map(this.#runs.map((r) => [r.rule.key, r.alerts]));
  }

  /**
   * Everything needed to continue where this correlator is (held matches, open windows,
   * watermark, counters), as JSON-safe data with a format version and a fingerprint of the
   * correlation rules.
   */
  snapshot(): CorrelatorState {
    return {
      version: STATE_VERSION,
      fingerprint: this.#fingerprint,
      maxSeen: Number.isFinite(this.#maxSeen) ? this.#maxSeen : null,
      seq: this.#seq,
      stats: { ...this.stats },
      buffer: this.#buffer.slice().sort(byTime),
      timers: this.#timers.slice().sort(byEnd),
      runs: this.#runs.map((run) => ({
        alerts: run.alerts,
        isCapWarned: run.isCapWarned,
        groups: [...run.groups.inOrder()].map((g) => ({ key: g.key, values: g.values, start: g.start, entries: g.entries.slice(g.head) })),
      })),
    };
  }

  /** A correlator that goes on from a {@link snapshot}; throws CorrelatorStateError when it does not fit these rules. */
  static restore(state: unknown, options: CorrelatorOptions): Correlator {
    const correlator = new Correlator(options);
    const s = state as Partial<CorrelatorState> | null;
    if (typeof s !== 'object' || s === null || typeof s.version !== 'number') throw new CorrelatorStateError('not a correlator state');
    if (s.version !== STATE_VERSION) throw new CorrelatorStateError(`state format version ${s.version}, this siemlite reads version ${STATE_VERSION}`);
    if (s.fingerprint !== correlator.#fingerprint) {
      throw new CorrelatorStateError('the state was saved with other correlation rules (added, removed or changed since); it cannot be continued with these');
    }
    if (!Array.isArray(s.buffer) || !Array.isArray(s.timers) || !Array.isArray(s.runs) || s.runs.length !== correlator.#runs.length || typeof s.seq !== 'number') {
      throw new CorrelatorStateError('the state is incomplete or damaged');
    }
    correlator.#maxSeen = s.maxSeen ?? Number.NEGATIVE_INFINITY;
    correlator.#seq = s.seq;
    Object.assign(correlator.stats, s.stats);
    correlator.#buffer = s.buffer.slice();
    correlator.#timers = s.timers.slice();
    s.runs.forEach((saved, i) => {
      const run = correlator.#runs[i] as Run;
      run.alerts = saved.alerts;
      run.isCapWarned = saved.isCapWarned;
      for (const g of saved.groups) {
        const group = newGroup(g.key, g.values, createAggregate(run.rule.type, run.rule.rules, run.rule.percentile), g.start);
        for (const e of g.entries) {
          group.entries.push(e);
          group.aggregate.add(e);
        }
        run.groups.touch(group);
      }
    });
    return correlator;
  }
}

/** What {@link Correlator.snapshot} gives: plain JSON data. */
export interface CorrelatorState {
  readonly version: number;
  readonly fingerprint: string;
  readonly maxSeen: number | null;
  readonly seq: number;
  readonly stats: CorrelationStats;
  readonly buffer: readonly Pending[];
  readonly timers: readonly Timer[];
  readonly runs: readonly {
    readonly alerts: number;
    readonly isCapWarned: boolean;
    readonly groups: readonly { key: string; values: Readonly<Record<string, unknown>>; start: number; entries: readonly WindowEntry[] }[];
  }[];
}

function newGroup(key: string, values: Readonly<Record<string, unknown>>, aggregate: Aggregate, start: number): Group {
  return { key, values, entries: [], head: 0, aggregate, start, prev: null, next: null };
}

function dropHead(group: Group): void {
  group.aggregate.remove(group.entries[group.head] as WindowEntry);
  group.head++;
}

/** All bounds hold (a range is several bounds). */
function holds(bounds: readonly CorrelationBound[], value: number): boolean {
  for (const b of bounds) {
    const ok =
      b.op === 'gt' ? value > b.value
      : b.op === 'gte' ? value >= b.value
      : b.op === 'lt' ? value < b.value
      : b.op === 'lte' ? value <= b.value
      : b.op === 'eq' ? value === b.value
      : value !== b.value;
    if (!ok) return false;
  }
  return true;
}

function groupKey(values: Readonly<Record<string, unknown>>): string {
  const key = JSON.stringify(values);
  return key.length <= MAX_GROUP_TEXT ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Group values as alerts show them: strings longer than 1,024 characters cut, with their length said (also the SQL correlations' alerts). */
export function boundedValues(values: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let out: Record<string, unknown> | null = null;
  for (const [name, value] of Object.entries(values)) {
    const text = typeof value === 'string' ? value : null;
    const isLong = text !== null ? text.length > MAX_GROUP_TEXT : JSON.stringify(value).length > MAX_GROUP_TEXT;
    if (!isLong) continue;
    out ??= { ...values };
    const full = text ?? JSON.stringify(value);
    out[name] = `${full.slice(0, MAX_GROUP_TEXT)}… (${full.length} characters)`;
  }
  return out ?? values;
}

function fingerprintOf(correlations: readonly CorrelationRule[]): string {
  const essence = correlations.map((c) => [c.key, c.type, c.rules, c.groupBy, c.timespanMs, c.condition, c.field, c.percentile, c.aliases, c.generate, c.shouldAlert]);
  return createHash('sha256').update(JSON.stringify([STATE_VERSION, essence])).digest('hex');
}

function byTime(a: Pending, b: Pending): number {
  return a.timeMs - b.timeMs || a.seq - b.seq;
}

function byEnd(a: Timer, b: Timer): number {
  return a.end - b.end || a.seq - b.seq;
}

function heapPush<T>(heap: T[], item: T, less: (a: T, b: T) => number): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (less(heap[i] as T, heap[parent] as T) >= 0) break;
    [heap[i], heap[parent]] = [heap[parent] as T, heap[i] as T];
    i = parent;
  }
}

function heapPop<T>(heap: T[], less: (a: T, b: T) => number): T | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last !== undefined) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l] as T, heap[m] as T) < 0) m = l;
      if (r < heap.length && less(heap[r] as T, heap[m] as T) < 0) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as T, heap[i] as T];
      i = m;
    }
  }
  return top;
}
