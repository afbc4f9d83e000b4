// The evaluation half of detection, shared by every executor (the pool's worker threads, the
// pool's in-thread mode and the embedding Engine): route each normalized event to the rule
// sets that see it, build one batch per set, evaluate, and return the matches that anyone
// downstream wants (rules that alert, and rules whose matches feed correlations) as one
// sorted list. A hot path (STYLE.md §5): arrays reused per call, no closures or object
// literals per event.
import { BatchBuilder } from '../batch/batch-builder.js';
import { compileRuleSet, type RuleSetPlan } from '../compile/compile-rule-set.js';
import { evaluateBatch } from '../eval/evaluate-batch.js';
import type { Node } from '../ir/nodes.js';
import { EventKeys, keysFit, NO_KEY, ruleKeysOf, type RuleKeys } from './key-routing.js';
import { ROUTE_UNKNOWN, ROUTE_WINDOWS, SourceRouter, type RuleLogsource, type SourceOptions } from '../source/source-router.js';

/**
 * Which events a rule set sees. `windows`/`not-windows` split events with `isWindowsEvent`;
 * `by-logsource` sees the events that are not Windows events, and runs each rule only on
 * those whose recognized logsource fits the rule's (SourceRouter).
 */
export type EventRoute = 'all' | 'windows' | 'not-windows' | 'by-logsource';

/** One rule set as the evaluator needs it: conditions only, decoded on first need. */
export interface EvaluatorRuleSet {
  readonly events: EventRoute;
  readonly ruleCount: number;
  /** 1 where the rule's matches are wanted downstream (it alerts, or feeds a correlation). */
  readonly reported: Uint8Array;
  /** The rules' conditions in rule order; called once, when the first event reaches the set. */
  readonly conditions: () => readonly Node[];
  /** Rule `index`'s condition alone, so a subset compiles without the others' (default: from `conditions`). */
  readonly conditionAt?: (index: number) => Node;
  /** Each rule's (Channel, EventID) keys without the conditions (default: read from `conditions`). */
  readonly keys?: () => readonly RuleKeys[];
  /** `by-logsource` sets: each rule's logsource, in rule order. */
  readonly logsources?: readonly RuleLogsource[];
  /**
   * `by-logsource` sets: Windows events are evaluated too, with all the set's rules (what
   * routes rules to Windows events is the windows pipeline's conditions inside them). The
   * Engine's `sources` option; hunt has a windows set of its own instead.
   */
  readonly windowsAllRules?: boolean;
}

/** Rule subsets share one plan of their union when their Jaccard similarity is at least this. */
const MERGE_SIMILARITY = 0.75;

const ROUTE_ALL = 0;
const ROUTE_ONLY_WINDOWS = 1;
const ROUTE_NOT_WINDOWS = 2;
const ROUTE_BY_LOGSOURCE = 3;

/** Events headed for one compiled plan, with the arrays it fills per call. */
class Batch {
  readonly events: Record<string, unknown>[] = [];
  /** Per row of `events`: the record as read, which keyword search reads. */
  readonly sources: Record<string, unknown>[] = [];
  /** Per row of `events`: its index in the call's input. */
  readonly indexes: number[] = [];
  /** Plan rule index -> the set's rule index; null when the plan holds all the set's rules. */
  readonly ruleMap: Int32Array | null;
  readonly #compile: () => RuleSetPlan;
  #plan: RuleSetPlan | null = null;
  #builder: BatchBuilder | null = null;

  constructor(compile: () => RuleSetPlan, ruleMap: Int32Array | null) {
    this.#compile = compile;
    this.ruleMap = ruleMap;
  }

  get plan(): RuleSetPlan {
    this.#plan ??= this.#compile();
    return this.#plan;
  }

  get builder(): BatchBuilder {
    this.#builder ??= new BatchBuilder({ fields: this.plan.fields, withKeywords: this.plan.hasKeywords });
    return this.#builder;
  }

  add(event: Record<string, unknown>, source: Record<string, unknown>, index: number): void {
    this.events.push(event);
    this.sources.push(source);
    this.indexes.push(index);
  }

  clear(): void {
    this.events.length = 0;
    this.sources.length = 0;
    this.indexes.length = 0;
  }
}

/** One rule set compiled on first use: one batch, or (by-logsource) one batch per route with rules that fit it. */
class RuleSetSlot {
  readonly route: number;
  /** First global rule index of this set. */
  readonly offset: number;
  readonly reported: Uint8Array;
  /** All the set's rules. */
  readonly whole: Batch;
  /** by-logsource: per route id, the batch of the rules that fit it (null: none fit; undefined: not built yet). */
  readonly byRoute: (Batch | null | undefined)[] = [];
  readonly logsources: readonly RuleLogsource[] | null;
  readonly windowsAllRules: boolean;
  readonly #conditions: () => readonly Node[];
  readonly #conditionAt: ((index: number) => Node) | undefined;
  readonly #keys: (() => readonly RuleKeys[]) | undefined;
  readonly #ruleCount: number;
  #decoded: readonly Node[] | null = null;
  /** Per rule: the (Channel, EventID) keys its condition needs (key-routing.ts); computed on first need. */
  #ruleKeys: readonly RuleKeys[] | null = null;
  readonly #eventKeys = new EventKeys();
  /** Per event key: the batch of the rules that key can reach (null: none; undefined: not built yet). */
  readonly #byKey: (Batch | null | undefined)[] = [];
  /** Keyed batches by the rules a key reaches, so keys reaching the same rules share one plan. */
  readonly #bySubset = new Map<string, Batch>();
  /** The distinct keyed batches. */
  readonly #subsetBatches = new Set<Batch>();

  constructor(set: EvaluatorRuleSet, offset: number) {
    this.route =
      set.events === 'windows'
        ? ROUTE_ONLY_WINDOWS
        : set.events === 'not-windows'
          ? ROUTE_NOT_WINDOWS
          : set.events === 'by-logsource'
            ? ROUTE_BY_LOGSOURCE
            : ROUTE_ALL;
    if (this.route === ROUTE_BY_LOGSOURCE && set.logsources?.length !== set.ruleCount) {
      throw new RangeError(`a by-logsource rule set needs one logsource per rule (${set.ruleCount} rules, ${set.logsources?.length ?? 0} logsources)`);
    }
    this.offset = offset;
    this.reported = set.reported;
    this.logsources = this.route === ROUTE_BY_LOGSOURCE ? (set.logsources as readonly RuleLogsource[]) : null;
    this.windowsAllRules = set.windowsAllRules === true;
    this.#conditions = set.conditions;
    this.#conditionAt = set.conditionAt;
    this.#keys = set.keys;
    this.#ruleCount = set.ruleCount;
    this.whole = new Batch(() => compileRuleSet(this.conditions.map((condition) => ({ condition }))), null);
  }

  get conditions(): readonly Node[] {
    this.#decoded ??= this.#conditions();
    return this.#decoded;
  }

  /** The batch for events of `route` (built on first need), or null when no rule of the set fits it. */
  batchFor(route: number, router: SourceRouter): Batch | null {
    const known = this.byRoute[route];
    if (known !== undefined) return known;
    const logsources = this.logsources as readonly RuleLogsource[];
    const fit: number[] = [];
    for (let r = 0; r < logsources.length; r++) if (router.fits(logsources[r] as RuleLogsource, route)) fit.push(r);
    const batch = fit.length === 0 ? null : fit.length === logsources.length ? this.whole : this.#batchOf(fit);
    this.byRoute[route] = batch;
    return batch;
  }

  /**
   * The batch of the rules that can match `event` by its Channel and EventID (all the set's
   * rules when it has no such key), built on first need; null when no rule can match it.
   */
  batchByKey(event: Record<string, unknown>): Batch | null {
    const key = this.#eventKeys.keyOf(event);
    if (key === NO_KEY) return this.whole;
    const known = this.#byKey[key];
    if (known !== undefined) return known;
    const ruleKeys = this.#keysOfRules();
    const channel = this.#eventKeys.channels[key] as string;
    const eventId = this.#eventKeys.eventIds[key] ?? null;
    const fit: number[] = [];
    for (let r = 0; r < ruleKeys.length; r++) if (keysFit(ruleKeys[r] as RuleKeys, channel, eventId)) fit.push(r);
    const batch = fit.length === 0 ? null : fit.length === ruleKeys.length ? this.whole : this.#subsetBatch(fit);
    this.#byKey[key] = batch;
    return batch;
  }

  /** Distinct subset batches (one per plan), whatever signatures lead to them. */
  get subsetBatchCount(): number {
    return this.#subsetBatches.size;
  }

  /**
   * The batch for the rules `fit` (ascending set indexes). Subsets that mostly overlap share
   * one plan of their union (Sysmon process creation and Security 4688 reach nearly the same
   * 1,400 SigmaHQ rules: one plan, not two copies of the biggest field matchers). A plan with
   * more rules than a key needs is still right: a rule whose keys do not fit an event's key
   * cannot match it.
   */
  #subsetBatch(fit: number[]): Batch {
    const signature = fit.join(',');
    const known = this.#bySubset.get(signature);
    if (known !== undefined) return known;
    const mark = new Uint8Array(this.#ruleCount);
    for (const r of fit) mark[r] = 1;
    for (const other of this.#subsetBatches) {
      const rules = other.ruleMap as Int32Array;
      if (Math.min(rules.length, fit.length) < Math.max(rules.length, fit.length) * MERGE_SIMILARITY) continue;
      let common = 0;
      for (let i = 0; i < rules.length; i++) common += mark[rules[i] as number] as number;
      if (common < (rules.length + fit.length - common) * MERGE_SIMILARITY) continue;
      for (let i = 0; i < rules.length; i++) mark[rules[i] as number] = 1;
      const union: number[] = [];
      for (let r = 0; r < mark.length; r++) if (mark[r] === 1) union.push(r);
      const merged = this.#newSubsetBatch(union);
      // Events this call already put in the old batch go with it (row order within a batch
      // does not matter: matches are sorted by input index at the end).
      for (let i = 0; i < other.events.length; i++) merged.add(other.events[i] as Record<string, unknown>, other.sources[i] as Record<string, unknown>, other.indexes[i] as number);
      other.clear();
      this.#subsetBatches.delete(other);
      for (const [sig, b] of this.#bySubset) if (b === other) this.#bySubset.set(sig, merged);
      for (let k = 0; k < this.#byKey.length; k++) if (this.#byKey[k] === other) this.#byKey[k] = merged;
      this.#bySubset.set(signature, merged);
      this.#bySubset.set(union.join(','), merged);
      return merged;
    }
    const batch = this.#newSubsetBatch(fit);
    this.#bySubset.set(signature, batch);
    return batch;
  }

  #newSubsetBatch(rules: readonly number[]): Batch {
    const batch = this.#batchOf(rules);
    this.#subsetBatches.add(batch);
    return batch;
  }

  /** A batch of the set's rules `rules` (ascending), its plan compiled on first use. */
  #batchOf(rules: readonly number[]): Batch {
    const at = this.#conditionAt ?? ((r: number) => this.conditions[r] as Node);
    return new Batch(() => compileRuleSet(rules.map((r) => ({ condition: at(r) }))), Int32Array.from(rules));
  }

  /** Each rule's (Channel, EventID) keys, read from the conditions once. */
  #keysOfRules(): readonly RuleKeys[] {
    this.#ruleKeys ??= this.#keys?.() ?? this.conditions.map(ruleKeysOf);
    return this.#ruleKeys;
  }

  /** Decodes the conditions and reads each rule's keys now rather than on the first event. */
  prepare(): void {
    this.#keysOfRules();
  }

  /** The batches events were added to in this call. */
  *batches(): Iterable<Batch> {
    if (this.whole.events.length > 0) yield this.whole;
    for (const b of this.byRoute) if (b !== null && b !== undefined && b !== this.whole && b.events.length > 0) yield b;
    for (const b of this.#subsetBatches) if (b.events.length > 0) yield b;
  }

  clear(): void {
    this.whole.clear();
    for (const b of this.byRoute) b?.clear();
    for (const b of this.#subsetBatches) b.clear();
  }
}

/**
 * Rule sets evaluated together. Rule indexes count over all sets, set 0's rules first
 * ("global rule index"); an event seen by several sets reports set 0's rules first.
 *
 * @example
 * const evaluator = new RoutedEvaluator([{ events: 'all', ruleCount: 1, reported: Uint8Array.of(1), conditions: () => [node] }]);
 * const keys = evaluator.evaluate(normalized, raw, normalized.length); // record * totalRules + rule, ascending
 */
export class RoutedEvaluator {
  readonly totalRules: number;
  readonly #sets: readonly RuleSetSlot[];
  /** Null when no set needs routing (all sets see all events). */
  readonly #router: SourceRouter | null;
  readonly #byLogsource: boolean;
  #unrecognized = 0;

  constructor(sets: readonly EvaluatorRuleSet[], sources: SourceOptions = {}) {
    const slots: RuleSetSlot[] = [];
    let offset = 0;
    for (const set of sets) {
      slots.push(new RuleSetSlot(set, offset));
      offset += set.ruleCount;
    }
    this.#sets = slots;
    this.totalRules = offset;
    this.#byLogsource = slots.some((s) => s.route === ROUTE_BY_LOGSOURCE);
    // Windows-only splits need only isWindowsEvent; by-logsource sets need the recognizers.
    this.#router = this.#byLogsource
      ? new SourceRouter(sources)
      : slots.some((s) => s.route !== ROUTE_ALL)
        ? new SourceRouter({ shipped: false })
        : null;
  }

  /**
   * Does now what the first event reaching set `index` would otherwise pay for, short of
   * compiling: decodes its conditions and reads their (Channel, EventID) keys. Each rule
   * subset is still compiled on the first event of a key that reaches it.
   */
  prepare(index: number): void {
    const set = this.#sets[index];
    if (set === undefined) throw new RangeError(`no rule set ${index}`);
    set.prepare();
  }

  /** How many rule subsets set `index` has a batch and plan for so far (key routing; tests and memory checks). */
  subsetPlanCount(index: number): number {
    const set = this.#sets[index];
    if (set === undefined) throw new RangeError(`no rule set ${index}`);
    return set.subsetBatchCount;
  }

  /** The compiled plan of set `index` (compiled now if no event reached it yet). */
  plan(index: number): RuleSetPlan {
    const set = this.#sets[index];
    if (set === undefined) throw new RangeError(`no rule set ${index}`);
    return set.whole.plan;
  }

  /**
   * Events of the last {@link evaluate} call that a by-logsource set saw with no recognized
   * source (only rules stating no logsource ran on them); 0 without such a set.
   */
  get unrecognized(): number {
    return this.#unrecognized;
  }

  /**
   * Evaluates `count` events. `events[i]` is event i normalized (undefined: not an event,
   * skipped), `sources[i]` the same record as read (routing and keyword search use it).
   * Events of a source whose field names differ from Sigma's are replaced in `events` by a
   * copy with the Sigma names added (SourceRouter.withSigmaFields), so what reads matched
   * events afterwards sees what the rules saw.
   * Returns the reported matches as keys `i * totalRules + globalRule`, ascending: input
   * order, then rule order, which is the order alerts go out in.
   */
  evaluate(
    events: (Record<string, unknown> | undefined)[],
    sources: readonly (Record<string, unknown> | undefined)[],
    count: number,
  ): Float64Array {
    const sets = this.#sets;
    const router = this.#router;
    for (let k = 0; k < sets.length; k++) (sets[k] as RuleSetSlot).clear(); // a call that threw may have left rows
    let unrecognized = 0;
    for (let i = 0; i < count; i++) {
      let event = events[i];
      if (event === undefined) continue;
      const source = sources[i] as Record<string, unknown>;
      const route = router === null ? ROUTE_UNKNOWN : router.route(source);
      const isWindows = route === ROUTE_WINDOWS;
      if (this.#byLogsource && !isWindows) {
        if (route === ROUTE_UNKNOWN && (router as SourceRouter).logsource(route) === undefined) unrecognized++; // no --source fallback
        const withNames = (router as SourceRouter).withSigmaFields(event, route);
        if (withNames !== event) events[i] = event = withNames;
      }
      for (let k = 0; k < sets.length; k++) {
        const set = sets[k] as RuleSetSlot;
        if (set.route === ROUTE_ALL) set.batchByKey(event)?.add(event, source, i);
        else if (set.route === ROUTE_BY_LOGSOURCE) {
          if (!isWindows) set.batchFor(route, router as SourceRouter)?.add(event, source, i);
          else if (set.windowsAllRules) set.batchByKey(event)?.add(event, source, i);
        } else if ((set.route === ROUTE_ONLY_WINDOWS) === isWindows) set.batchByKey(event)?.add(event, source, i);
      }
    }
    this.#unrecognized = unrecognized;
    const keys: number[] = [];
    const totalRules = this.totalRules;
    for (let k = 0; k < sets.length; k++) {
      const set = sets[k] as RuleSetSlot;
      for (const batch of set.batches()) {
        const matches = evaluateBatch(batch.plan, batch.builder.build(batch.events, batch.sources));
        const ruleMap = batch.ruleMap;
        for (let j = 0; j < matches.count; j++) {
          const planRule = matches.ruleIndexes[j] as number;
          const rule = ruleMap === null ? planRule : (ruleMap[planRule] as number);
          if (set.reported[rule] === 0) continue;
          keys.push((batch.indexes[matches.rows[j] as number] as number) * totalRules + set.offset + rule);
        }
      }
      set.clear(); // don't keep the events alive until the next call
    }
    return Float64Array.from(keys).sort();
  }
}
