// The embedding API: compile a rule set once, push events, receive alerts. One executor of
// the detection path: the evaluation (RoutedEvaluator) and the alert assembly (AlertAssembler,
// where the correlator attaches) are the same code the DetectorPool runs.
import type { EngineAlert } from '../alert/alert.js';
import { AlertAssembler, type CorrelationStage } from '../detect/alert-assembler.js';
import { RoutedEvaluator } from '../detect/routed-evaluator.js';
import type { Node } from '../ir/nodes.js';
import type { SourceOptions } from '../source/source-router.js';
import type { RuleSetPlan } from '../compile/compile-rule-set.js';
import { eventTimestamp } from '../event/event-time.js';
import { compileFieldPath, compileFirstPresent, type FieldAccessor } from '../event/lookup-field.js';
import { normalizeEvent } from '../event/normalize-event.js';
import { Correlator, type CorrelationStats, type CorrelatorOptions, type CorrelatorState } from '../correlate/correlator.js';
import type { CorrelationRule, DetectionRule } from '../ir/rules.js';

/** An event with where it came from; what the readers produce. */
export interface EngineRecord {
  readonly path: string;
  readonly record: number;
  readonly value: Record<string, unknown>;
}

/** Options of `createEngine` and `detect`. */
export interface EngineOptions {
  /** Detection rules lowered to IR (from `loadRules` of @siemlite/rules). */
  readonly rules: readonly DetectionRule[];
  /** Rows per batch (default 2048): larger batches share more dictionary work. */
  readonly batchRows?: number;
  /**
   * Called for each alert as soon as its batch is evaluated (in input order); alerts() then
   * stays empty. Match alerts and correlation alerts (`alert.type`) alike.
   */
  readonly onAlert?: (alert: EngineAlert) => void;
  /**
   * Sigma correlation rules over this engine's matches (from `loadRules(...).correlations`);
   * their alerts (`type: 'correlation'`) join the same stream. The detection rules they read
   * must be among `rules`.
   */
  readonly correlations?: readonly CorrelationRule[];
  /** Correlator settings (lateness, group cap, ...) and a state from `correlationState()` to go on from. */
  readonly correlation?: Omit<CorrelatorOptions, 'correlations'> & { readonly state?: unknown };
  /** A correlation stage of your own instead of `correlations` (advanced). */
  readonly correlator?: CorrelationStage | null;
  /** Read event time only from this field (default: the usual time fields, see eventTimestamp). */
  readonly timeField?: string | null;
  /**
   * Route events by source: each event that is not a Windows event gets a logsource from
   * the recognizers (SourceRouter) and each rule runs only on events whose logsource fits
   * the rule's; Windows events still see every rule. `{}` uses the shipped recognizers;
   * add your own, or a `fallback` logsource for events none recognizes. Default: no
   * routing, every rule runs on every event (logsource-blind).
   */
  readonly sources?: SourceOptions | null;
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
  readonly #evaluator: RoutedEvaluator;
  readonly #assembler: AlertAssembler;
  readonly #batchRows: number;
  readonly #onAlert: ((alert: EngineAlert) => void) | undefined;
  readonly #timeField: FieldAccessor | undefined;
  readonly #correlator: Correlator | null = null;
  /** Per rule: accessors of the fields its matches carry to the correlator, or null. */
  readonly #correlationReaders: readonly (readonly FieldAccessor[] | null)[];
  #pending: EngineRecord[] = [];
  #normalized: Record<string, unknown>[] = [];
  #pushed = 0;
  #unrecognized = 0;
  #closed = false;
  readonly #queue: EngineAlert[] = [];
  #wake: (() => void) | null = null;
  #collector: EngineAlert[] | null = null;

  constructor(options: EngineOptions) {
    const correlations = options.correlations ?? [];
    if (correlations.length > 0) {
      const settings = { ...options.correlation, correlations };
      this.#correlator = options.correlation?.state === undefined ? new Correlator(settings) : Correlator.restore(options.correlation.state, settings);
    }
    this.#assembler = new AlertAssembler([{ rules: options.rules }], options.correlator ?? this.#correlator);
    const reported = Uint8Array.from(options.rules, (_, i) => (this.#assembler.alerts(i) || this.#assembler.correlationFields[i] !== null ? 1 : 0));
    const sources = options.sources ?? null;
    const conditions = (): readonly Node[] => options.rules.map((r) => r.condition);
    this.#evaluator =
      sources === null
        ? new RoutedEvaluator([{ events: 'all', ruleCount: options.rules.length, reported, conditions }])
        : new RoutedEvaluator(
            [{ events: 'by-logsource', windowsAllRules: true, ruleCount: options.rules.length, reported, conditions, logsources: options.rules.map((r) => r.logsource) }],
            sources,
          );
    this.plan = this.#evaluator.plan(0);
    this.#correlationReaders = this.#assembler.correlationFields.map((fields) => (fields === null ? null : fields.map(compileFirstPresent)));
    this.#batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.#onAlert = options.onAlert;
    this.#timeField = options.timeField === undefined || options.timeField === null ? undefined : compileFieldPath(options.timeField);
  }

  /** Adds plain events; their alerts carry path `<push>` and a running record number. */
  push(events: Iterable<Record<string, unknown>>): void {
    for (const value of events) this.#add({ path: '<push>', record: ++this.#pushed, value });
  }

  /** Adds records that know their source file and record number (what the readers yield). */
  pushRecords(records: Iterable<EngineRecord>): void {
    for (const record of records) this.#add(record);
  }

  /**
   * Evaluates records now and returns their alerts, which then go nowhere else (not to
   * onAlert, not to alerts()): memory never holds alerts nobody reads.
   */
  evaluate(records: readonly EngineRecord[]): EngineAlert[] {
    const collected: EngineAlert[] = [];
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

  /**
   * The correlator's state (JSON-safe), to save and give back as `correlation.state` to a
   * later engine, which then goes on as if the stream had never stopped. Take it after
   * `flush()` and instead of `close()`: close() ends the input and releases what is held.
   */
  correlationState(): CorrelatorState | null {
    return this.#correlator?.snapshot() ?? null;
  }

  /** Correlation counters (late matches, groups evicted, ...), or null without correlations. */
  get correlationStats(): CorrelationStats | null {
    return this.#correlator?.stats ?? null;
  }

  /** Flushes, releases the correlation alerts still held (end of input) and ends the alert stream. */
  /** With `sources`: events evaluated so far whose source no recognizer knew (only rules stating no logsource ran on them). */
  get unrecognizedEvents(): number {
    return this.#unrecognized;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    const out: EngineAlert[] = [];
    this.#assembler.finish(out);
    this.#deliver(out);
    this.#closed = true;
    this.#wakeUp();
  }

  /** Alerts in input order; ends after `close()`. Alerts wait here until read: read while pushing, or use onAlert. */
  async *alerts(): AsyncGenerator<EngineAlert> {
    for (;;) {
      while (this.#queue.length > 0) yield this.#queue.shift() as EngineAlert;
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
    const values = records.map((r) => r.value);
    const keys = this.#evaluator.evaluate(events, values, events.length);
    this.#unrecognized += this.#evaluator.unrecognized;
    if (keys.length === 0) return;
    const assembler = this.#assembler;
    const totalRules = this.#evaluator.totalRules;
    const out: EngineAlert[] = [];
    let last = -1;
    let timestamp: string | null = null;
    let source = { path: '', record: 0 };
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j] as number;
      const row = Math.floor(key / totalRules);
      const rule = key - row * totalRules;
      const event = events[row] as Record<string, unknown>;
      const record = records[row] as EngineRecord;
      if (row !== last) {
        last = row;
        timestamp = eventTimestamp(event, this.#timeField);
        source = { path: record.path, record: record.record };
      }
      const readers = this.#correlationReaders[rule] ?? null;
      const fieldValues = readers === null ? null : readers.map((read) => read(event));
      assembler.match(rule, source, timestamp, record.value, fieldValues, out);
    }
    this.#deliver(out);
  }

  #deliver(alerts: readonly EngineAlert[]): void {
    if (alerts.length === 0) return;
    if (this.#collector !== null) {
      for (const a of alerts) this.#collector.push(a);
      return;
    }
    // With a callback, alerts are not also queued: nobody may be reading alerts().
    if (this.#onAlert !== undefined) for (const a of alerts) this.#onAlert(a);
    else {
      for (const a of alerts) this.#queue.push(a);
      this.#wakeUp();
    }
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
  options: Omit<EngineOptions, 'onAlert'>,
): Promise<EngineAlert[]> {
  const alerts: EngineAlert[] = [];
  const engine = new Engine({ ...options, onAlert: (a) => alerts.push(a) });
  if (Symbol.asyncIterator in events) {
    for await (const e of events) engine.push([e]);
  } else {
    engine.push(events);
  }
  await engine.close();
  return alerts;
}
