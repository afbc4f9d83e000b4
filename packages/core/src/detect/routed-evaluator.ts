// The evaluation half of detection, shared by every executor (the pool's worker threads, the
// pool's in-thread mode and the embedding Engine): route each normalized event to the rule
// sets that see it, build one batch per set, evaluate, and return the matches that anyone
// downstream wants (rules that alert, and rules whose matches feed correlations) as one
// sorted list. A hot path (STYLE.md §5): arrays reused per call, no closures or object
// literals per event.
import { BatchBuilder } from '../batch/batch-builder.js';
import { compileRuleSet, type RuleSetPlan } from '../compile/compile-rule-set.js';
import { evaluateBatch } from '../eval/evaluate-batch.js';
import { isWindowsEvent } from '../event/is-windows-event.js';
import type { Node } from '../ir/nodes.js';

/** Which events a rule set sees. `windows`/`not-windows` split events with `isWindowsEvent`. */
export type EventRoute = 'all' | 'windows' | 'not-windows';

/** One rule set as the evaluator needs it: conditions only, decoded on first need. */
export interface EvaluatorRuleSet {
  readonly events: EventRoute;
  readonly ruleCount: number;
  /** 1 where the rule's matches are wanted downstream (it alerts, or feeds a correlation). */
  readonly reported: Uint8Array;
  /** The rules' conditions in rule order; called once, when the first event reaches the set. */
  readonly conditions: () => readonly Node[];
}

const ROUTE_ALL = 0;
const ROUTE_WINDOWS = 1;
const ROUTE_NOT_WINDOWS = 2;

/** One rule set compiled on first use, with the arrays it fills per call. */
class RuleSetSlot {
  readonly route: number;
  /** First global rule index of this set. */
  readonly offset: number;
  readonly reported: Uint8Array;
  readonly events: Record<string, unknown>[] = [];
  /** Per row of `events`: the record as read, which keyword search reads. */
  readonly sources: Record<string, unknown>[] = [];
  /** Per row of `events`: its index in the call's input. */
  readonly indexes: number[] = [];
  readonly #conditions: () => readonly Node[];
  #plan: RuleSetPlan | null = null;
  #builder: BatchBuilder | null = null;

  constructor(set: EvaluatorRuleSet, offset: number) {
    this.route = set.events === 'windows' ? ROUTE_WINDOWS : set.events === 'not-windows' ? ROUTE_NOT_WINDOWS : ROUTE_ALL;
    this.offset = offset;
    this.reported = set.reported;
    this.#conditions = set.conditions;
  }

  get plan(): RuleSetPlan {
    this.#plan ??= compileRuleSet(this.#conditions().map((condition) => ({ condition })));
    return this.#plan;
  }

  get builder(): BatchBuilder {
    this.#builder ??= new BatchBuilder({ fields: this.plan.fields, withKeywords: this.plan.hasKeywords });
    return this.#builder;
  }

  clear(): void {
    this.events.length = 0;
    this.sources.length = 0;
    this.indexes.length = 0;
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
  readonly #needsWindowsTest: boolean;

  constructor(sets: readonly EvaluatorRuleSet[]) {
    const slots: RuleSetSlot[] = [];
    let offset = 0;
    for (const set of sets) {
      slots.push(new RuleSetSlot(set, offset));
      offset += set.ruleCount;
    }
    this.#sets = slots;
    this.totalRules = offset;
    this.#needsWindowsTest = slots.some((s) => s.route !== ROUTE_ALL);
  }

  /** The compiled plan of set `index` (compiled now if no event reached it yet). */
  plan(index: number): RuleSetPlan {
    const set = this.#sets[index];
    if (set === undefined) throw new RangeError(`no rule set ${index}`);
    return set.plan;
  }

  /**
   * Evaluates `count` events. `events[i]` is event i normalized (undefined: not an event,
   * skipped), `sources[i]` the same record as read (routing and keyword search use it).
   * Returns the reported matches as keys `i * totalRules + globalRule`, ascending: input
   * order, then rule order, which is the order alerts go out in.
   */
  evaluate(
    events: readonly (Record<string, unknown> | undefined)[],
    sources: readonly (Record<string, unknown> | undefined)[],
    count: number,
  ): Float64Array {
    const sets = this.#sets;
    for (let k = 0; k < sets.length; k++) (sets[k] as RuleSetSlot).clear(); // a call that threw may have left rows
    for (let i = 0; i < count; i++) {
      const event = events[i];
      if (event === undefined) continue;
      const source = sources[i] as Record<string, unknown>;
      const isWindows = this.#needsWindowsTest && isWindowsEvent(source);
      for (let k = 0; k < sets.length; k++) {
        const set = sets[k] as RuleSetSlot;
        if (set.route === ROUTE_ALL || (set.route === ROUTE_WINDOWS) === isWindows) {
          set.events.push(event);
          set.sources.push(source);
          set.indexes.push(i);
        }
      }
    }
    const keys: number[] = [];
    const totalRules = this.totalRules;
    for (let k = 0; k < sets.length; k++) {
      const set = sets[k] as RuleSetSlot;
      if (set.events.length === 0) continue;
      const matches = evaluateBatch(set.plan, set.builder.build(set.events, set.sources));
      for (let j = 0; j < matches.count; j++) {
        const rule = matches.ruleIndexes[j] as number;
        if (set.reported[rule] === 0) continue;
        keys.push((set.indexes[matches.rows[j] as number] as number) * totalRules + set.offset + rule);
      }
      set.clear(); // don't keep the events alive until the next call
    }
    return Float64Array.from(keys).sort();
  }
}
