// Worker entry of the DetectorPool (loaded by piscina from dist/pool/worker.js). Compiles
// each rule set once, from workerData, when a task first needs it; then per task: parse
// records, normalize, route each event to its rule set(s), build a batch per set,
// evaluate, and reply with compact match lists. A hot path (STYLE.md §5): typed arrays and
// arrays reused per chunk, no closures or object literals per record, and the one
// try/catch at the task boundary.
import { workerData } from 'node:worker_threads';
import { BatchBuilder } from '../batch/batch-builder.js';
import { compileRuleSet, type RuleSetPlan } from '../compile/compile-rule-set.js';
import { evaluateBatch } from '../eval/evaluate-batch.js';
import { eventTimestamp } from '../event/event-time.js';
import { isWindowsEvent } from '../event/is-windows-event.js';
import { normalizeEvent } from '../event/normalize-event.js';
import { RecordFailure, parseRecordObject } from '../io/parse-record.js';
import {
  decodeBatch,
  decodeConditions,
  movableReply,
  type ArrowReply,
  type ArrowTask,
  type FailedReply,
  type RecordsReply,
  type RecordsTask,
  type WorkerConfig,
  type WorkerReply,
  type WorkerRuleSet,
  type WorkerTask,
} from './wire.js';

const ROUTE_ALL = 0;
const ROUTE_WINDOWS = 1;
const ROUTE_NOT_WINDOWS = 2;

/**
 * One rule set, decoded and compiled on first use (a worker only compiles the sets its
 * events need: with --pipeline auto over Windows logs, the set for other events never is),
 * with the arrays it fills per chunk (reused: a worker runs one task at a time).
 */
class RuleSetSlot {
  readonly route: number;
  /** First global rule index of this set. */
  readonly offset: number;
  /** Indexed like the Engine's alert rules: by position in the rules given. */
  readonly alerting: Uint8Array;
  readonly events: Record<string, unknown>[] = [];
  /** Per row of `events`: the record as parsed, which keyword search reads. */
  readonly sources: Record<string, unknown>[] = [];
  /** Per row of `events`: its record index in the chunk. */
  readonly indexes: number[] = [];
  readonly #wire: WorkerRuleSet;
  #plan: RuleSetPlan | null = null;
  #builder: BatchBuilder | null = null;

  constructor(wire: WorkerRuleSet, offset: number) {
    this.#wire = wire;
    this.route = wire.events === 'windows' ? ROUTE_WINDOWS : wire.events === 'not-windows' ? ROUTE_NOT_WINDOWS : ROUTE_ALL;
    this.offset = offset;
    this.alerting = wire.alerting;
  }

  get plan(): RuleSetPlan {
    this.#plan ??= compileRuleSet(decodeConditions(this.#wire).map((condition) => ({ condition })));
    return this.#plan;
  }

  get builder(): BatchBuilder {
    this.#builder ??= new BatchBuilder({ fields: this.plan.fields, withKeywords: this.plan.hasKeywords });
    return this.#builder;
  }
}

interface WorkerState {
  readonly sets: readonly RuleSetSlot[];
  readonly totalRules: number;
  readonly needsWindowsTest: boolean;
}

const setup: WorkerState = prepare(workerData as WorkerConfig);

function prepare(config: WorkerConfig): WorkerState {
  const sets: RuleSetSlot[] = [];
  let offset = 0;
  for (const wire of config.ruleSets) {
    sets.push(new RuleSetSlot(wire, offset));
    offset += wire.ruleCount;
  }
  return { sets, totalRules: offset, needsWindowsTest: sets.some((s) => s.route !== ROUTE_ALL) };
}

/**
 * Runs one task. Never throws: a failure comes back as a FailedReply naming the error, so
 * the pool can say which chunk failed instead of losing it.
 */
export function runDetectorTask(task: WorkerTask): unknown {
  let reply: WorkerReply;
  try {
    reply = task.kind === 'records' ? evaluateRecords(setup, task) : evaluateArrow(setup, task);
  } catch (error) {
    reply = failed(error);
  }
  return movableReply(reply);
}

function failed(error: unknown): FailedReply {
  const isError = error instanceof Error;
  return { kind: 'failed', message: isError ? error.message : String(error), stack: isError ? (error.stack ?? null) : null };
}

function evaluateRecords(state: WorkerState, task: RecordsTask): RecordsReply {
  const { count, ends, lines } = task;
  const text = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  const sets = state.sets;
  for (let k = 0; k < sets.length; k++) {
    const set = sets[k] as RuleSetSlot;
    set.events.length = 0;
    set.sources.length = 0;
    set.indexes.length = 0;
  }
  const normalized: (Record<string, unknown> | undefined)[] = new Array(count);
  const badAt: number[] = [];
  const badCodes: ('bad-json' | 'not-object')[] = [];
  const badMessages: string[] = [];

  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i] as number;
    const value = parseRecordObject(text.toString('utf8', start, end), lines[i] as number);
    start = end;
    if (value instanceof RecordFailure) {
      badAt.push(i);
      badCodes.push(value.code);
      badMessages.push(value.message);
      continue;
    }
    const event = normalizeEvent(value);
    normalized[i] = event;
    const isWindows = state.needsWindowsTest && isWindowsEvent(value);
    for (let k = 0; k < sets.length; k++) {
      const set = sets[k] as RuleSetSlot;
      if (set.route === ROUTE_ALL || (set.route === ROUTE_WINDOWS) === isWindows) {
        set.events.push(event);
        set.sources.push(value);
        set.indexes.push(i);
      }
    }
  }

  // Alerting matches as one sortable key each: record first, then global rule index, which
  // is the Engine's order (input order, then rule order; sets in order).
  const keys: number[] = [];
  const totalRules = state.totalRules;
  for (let k = 0; k < sets.length; k++) {
    const set = sets[k] as RuleSetSlot;
    if (set.events.length === 0) continue;
    const matches = evaluateBatch(set.plan, set.builder.build(set.events, set.sources));
    for (let j = 0; j < matches.count; j++) {
      const rule = matches.ruleIndexes[j] as number;
      if (set.alerting[rule] === 0) continue;
      keys.push((set.indexes[matches.rows[j] as number] as number) * totalRules + set.offset + rule);
    }
  }
  const sorted = Float64Array.from(keys).sort();
  const pairs = new Int32Array(sorted.length * 2);
  const timestamps: (string | null)[] = [];
  let last = -1;
  for (let j = 0; j < sorted.length; j++) {
    const key = sorted[j] as number;
    const record = Math.floor(key / totalRules);
    pairs[2 * j] = record;
    pairs[2 * j + 1] = key - record * totalRules;
    if (record !== last) {
      last = record;
      timestamps.push(eventTimestamp(normalized[record] as Record<string, unknown>));
    }
  }
  for (let k = 0; k < sets.length; k++) {
    const set = sets[k] as RuleSetSlot;
    set.events.length = 0; // don't keep a chunk's events alive until the next task
    set.sources.length = 0;
    set.indexes.length = 0;
  }
  return { kind: 'records', bytes: task.bytes, matches: pairs, timestamps, badAt, badCodes, badMessages };
}

function evaluateArrow(state: WorkerState, task: ArrowTask): ArrowReply {
  const set = state.sets[task.ruleSet];
  if (set === undefined) throw new RangeError(`no rule set ${task.ruleSet} in this pool`);
  const matches = evaluateBatch(set.plan, decodeBatch(task.ipc));
  // Exact copies of our own: the evaluator may hand out views of buffers it reuses, which must not be moved away.
  return { kind: 'arrow', ruleIndexes: matches.ruleIndexes.slice(0, matches.count), rows: matches.rows.slice(0, matches.count), count: matches.count };
}
