// The one place where matches become output (DESIGN.md "The data path": everything after
// the evaluator attaches once, to the ordered output both executors produce). Every
// executor (the DetectorPool's worker threads, its in-thread mode, the embedding Engine)
// hands its matches here in input order, then rule order; this turns them into match alerts
// for rules that alert, and into correlator inputs for rules that correlations read, whose
// correlation alerts join the same ordered output.
import { alertRuleOf, type Alert, type AlertRule, type EngineAlert } from '../alert/alert.js';
import type { CorrelationAlert } from '../alert/alert.js';
import type { DetectionRule } from '../ir/rules.js';

/** What a correlator receives per base-rule match (see the Correlator). */
export interface CorrelationMatch {
  readonly ruleKey: string;
  /** Event time in epoch ms; NaN when the event has no usable time. */
  readonly timeMs: number;
  /** The fields the correlator asked for (`fieldsFor`), absent ones left out. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly source: { readonly path: string; readonly record: number };
}

/** The correlator as the detection path sees it: what it reads, and matches in, alerts out. */
export interface CorrelationStage {
  /** Keys of the detection rules whose matches it reads. */
  readonly inputRules: ReadonlySet<string>;
  /** Fields (Sigma names) that matches of this rule must carry. */
  fieldsFor(ruleKey: string): readonly string[];
  push(match: CorrelationMatch): readonly CorrelationAlert[];
  /** End of a bounded input: what is still held is released. */
  finish(): readonly CorrelationAlert[];
}

/** Maps a Sigma field to the names it may have in a rule set's events (pipeline renames); default: itself. */
export type FieldNameMapper = (rule: DetectionRule, field: string) => readonly string[];

/**
 * Match alerts and correlation alerts from matches, in the order given.
 *
 * @example
 * const assembler = new AlertAssembler([rules], correlator);
 * assembler.match(0, source, timestamp, event, values, out); // out gets 0..n alerts
 */
export class AlertAssembler {
  /** Per global rule index: its alert's rule part, or null when it does not alert. */
  readonly alertRules: readonly (AlertRule | null)[];
  /**
   * Per global rule index: for each field the correlator wants, the names to look it up
   * by (first present wins); null when the rule feeds no correlation.
   */
  readonly correlationFields: readonly (readonly (readonly string[])[] | null)[];
  readonly #keys: readonly string[];
  readonly #fieldNames: readonly (readonly string[] | null)[];
  readonly #stage: CorrelationStage | null;
  #correlationAlerts = 0;

  /**
   * @param ruleSets the rule sets in global order, each with how its events name fields
   * @param stage the correlator, or null
   */
  constructor(ruleSets: readonly { readonly rules: readonly DetectionRule[]; readonly mapField?: FieldNameMapper }[], stage: CorrelationStage | null) {
    const alertRules: (AlertRule | null)[] = [];
    const keys: string[] = [];
    const fieldNames: (readonly string[] | null)[] = [];
    const lookups: (readonly (readonly string[])[] | null)[] = [];
    for (const set of ruleSets) {
      for (const rule of set.rules) {
        alertRules.push(rule.shouldAlert ? alertRuleOf(rule) : null);
        keys.push(rule.key);
        const feeds = stage !== null && stage.inputRules.has(rule.key);
        const names = feeds ? stage.fieldsFor(rule.key) : null;
        fieldNames.push(names);
        lookups.push(names === null ? null : names.map((f) => (set.mapField === undefined ? [f] : set.mapField(rule, f))));
      }
    }
    this.alertRules = alertRules;
    this.#keys = keys;
    this.#fieldNames = fieldNames;
    this.correlationFields = lookups;
    this.#stage = stage;
  }

  /** True when matches of this rule make a match alert (the caller then needs the event). */
  alerts(ruleIndex: number): boolean {
    return this.alertRules[ruleIndex] !== null;
  }

  /** Correlation alerts given out so far. */
  get correlationAlerts(): number {
    return this.#correlationAlerts;
  }

  /**
   * One match: its match alert (when the rule alerts) and then any correlation alerts it
   * made due, appended to `out`. `values` are the rule's correlationFields values, in order.
   */
  match(
    ruleIndex: number,
    source: { readonly path: string; readonly record: number },
    timestamp: string | null,
    event: Record<string, unknown> | null,
    values: readonly unknown[] | null,
    out: EngineAlert[],
  ): void {
    const rule = this.alertRules[ruleIndex];
    if (rule !== null && rule !== undefined && event !== null) {
      const alert: Alert = { type: 'match', rule, source, timestamp, event };
      out.push(alert);
    }
    const names = this.#fieldNames[ruleIndex];
    if (names === null || names === undefined || this.#stage === null) return;
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const value = values?.[i];
      if (value !== undefined) fields[names[i] as string] = value;
    }
    const timeMs = timestamp === null ? Number.NaN : Date.parse(timestamp);
    this.#emit(this.#stage.push({ ruleKey: this.#keys[ruleIndex] as string, timeMs, fields, source }), out);
  }

  /** End of input: correlation alerts still due. */
  finish(out: EngineAlert[]): void {
    if (this.#stage !== null) this.#emit(this.#stage.finish(), out);
  }

  #emit(alerts: readonly CorrelationAlert[], out: EngineAlert[]): void {
    for (let i = 0; i < alerts.length; i++) out.push(alerts[i] as CorrelationAlert);
    this.#correlationAlerts += alerts.length;
  }
}
