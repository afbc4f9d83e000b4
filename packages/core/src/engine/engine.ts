// The embedding API: compile a rule set once, push events, receive alerts.
import { alertRuleOf, type Alert, type AlertRule } from '../alert/alert.js';
import { BatchBuilder } from '../batch/batch-builder.js';
import { compileRuleSet, type RuleSetPlan } from '../compile/compile-rule-set.js';
import { evaluateBatch } from '../eval/evaluate-batch.js';
import { eventTimestamp } from '../event/event-time.js';
import { normalizeEvent } from '../event/normalize-event.js';
import type { DetectionRule } from '../ir/rules.js';

/** An event with where it came from; what the readers produce. */
export interface EngineRecord {
  readonly path: string;
  readonly record: number;
  readonly value: Record<string, unknown>;
}

export interface EngineOptions {
  /** Detection rules lowered to IR (from `loadRules` of @siemlite/rules). */
  readonly rules: readonly DetectionRule[];
  /** Rows per batch (default 2048): larger batches share more dictionary work. */
  readonly batchRows?: number;
  /** Called for each alert as soon as its batch is evaluated (in input order); alerts() then stays empty. */
  readonly onAlert?: (alert: Alert) => void;
}

const DEFAULT_BATCH_ROWS = 2048;

/**
 * A detection engine over one compiled rule set. Events are buffered into batches;
 * alerts come out in input order through `onAlert`, `alerts()` or the return of `evaluate`.
 *
 * @example
 * const engine = createEngine({ rules: ruleSet.rules });
 * engine.push(events);
 * await engine.close();
 * for await (const alert of engine.alerts()) console.log(alert.rule.title);
 */
export class Engine {
  readonly plan: RuleSetPlan;
  readonly #builder: BatchBuilder;
  readonly #batchRows: number;
  readonly #alertRules: readonly (AlertRule | null)[];
  readonly #onAlert: ((alert: Alert) => void) | undefined;
  #pending: EngineRecord[] = [];
  #normalized: Record<string, unknown>[] = [];
  #pushed = 0;
  #closed = false;
  readonly #queue: Alert[] = [];
  #wake: (() => void) | null = null;
  #collector: Alert[] | null = null;

  constructor(options: EngineOptions) {
    this.plan = compileRuleSet(options.rules);
    this.#builder = new BatchBuilder({ fields: this.plan.fields, withKeywords: this.plan.hasKeywords });
    this.#batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    // Rules silenced by a correlation (generate: false) still run, but alert nothing here.
    this.#alertRules = options.rules.map((r) => (r.shouldAlert ? alertRuleOf(r) : null));
    this.#onAlert = options.onAlert;
  }

  /** Adds plain events; their alerts carry path `<push>` and a running record number. */
  push(events: Iterable<Record<string, unknown>>): void {
    for (const value of events) this.#add({ path: '<push>', record: ++this.#pushed, value });
  }

  /** Adds records that know their source file and record number (what the readers yield). */
  pushRecords(records: Iterable<EngineRecord>): void {
    for (const record of records) this.#add(record);
  }

  /** Evaluates records now and returns their alerts (in addition to onAlert / alerts()). */
  evaluate(records: readonly EngineRecord[]): Alert[] {
    const collected: Alert[] = [];
    this.#collector = collected;
    try {
      this.pushRecords(records);
      this.flush();
    } finally {
      this.#collector = null;
    }
    return collected;
  }

  #add(record: EngineRecord): void {
    if (this.#closed) throw new Error('engine is closed');
    this.#pending.push(record);
    this.#normalized.push(normalizeEvent(record.value));
    if (this.#pending.length >= this.#batchRows) this.#runBatch();
  }

  /** Evaluates the events buffered so far, even if the batch is not full. */
  flush(): void {
    if (this.#pending.length > 0) this.#runBatch();
  }

  /** Flushes and ends the alert stream. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#wakeUp();
  }

  /** Alerts in input order; ends after `close()`. */
  async *alerts(): AsyncGenerator<Alert> {
    for (;;) {
      while (this.#queue.length > 0) yield this.#queue.shift() as Alert;
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #runBatch(): void {
    const records = this.#pending;
    const events = this.#normalized;
    this.#pending = [];
    this.#normalized = [];
    const matches = evaluateBatch(this.plan, this.#builder.build(events, records.map((r) => r.value)));
    if (matches.count === 0) return;
    // Matches come grouped by rule; alerts go out in input order, then rule order.
    const order = new Int32Array(matches.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => (matches.rows[a] as number) - (matches.rows[b] as number) || a - b);
    const times = new Map<number, string | null>();
    for (let i = 0; i < order.length; i++) {
      const m = order[i] as number;
      const rule = this.#alertRules[matches.ruleIndexes[m] as number];
      if (rule === null || rule === undefined) continue;
      const row = matches.rows[m] as number;
      const record = records[row] as EngineRecord;
      let timestamp = times.get(row);
      if (timestamp === undefined) {
        timestamp = eventTimestamp(events[row] as Record<string, unknown>);
        times.set(row, timestamp);
      }
      const alert: Alert = { type: 'match', rule, source: { path: record.path, record: record.record }, timestamp, event: record.value };
      this.#collector?.push(alert);
      // With a callback, alerts are not also queued: nobody may be reading alerts().
      if (this.#onAlert !== undefined) this.#onAlert(alert);
      else this.#queue.push(alert);
    }
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** Creates an engine for a rule set (compiled once). */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/**
 * One-shot detection: every alert for `events` under `rules`.
 *
 * @example
 * const alerts = await detect(events, { rules: ruleSet.rules });
 */
export async function detect(
  events: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  options: { readonly rules: readonly DetectionRule[]; readonly batchRows?: number },
): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const engine = new Engine({ ...options, onAlert: (a) => alerts.push(a) });
  if (Symbol.asyncIterator in events) {
    for await (const e of events) engine.push([e]);
  } else {
    engine.push(events);
  }
  await engine.close();
  return alerts;
}
