// What a detection task does, wherever it runs: in a worker thread (worker.ts, with the
// config from workerData) or on the calling thread (the DetectorPool with `workers: 0`).
// Per records task: parse, normalize, route and evaluate (RoutedEvaluator), then reply with
// the reported matches, each matched record's time and the field values correlations read.
// A hot path (STYLE.md §5): no closures or object literals per record, and the one
// try/catch at the task boundary.
import { RoutedEvaluator, type EvaluatorRuleSet } from '../detect/routed-evaluator.js';
import type { Node } from '../ir/nodes.js';
import { ruleAccess } from '../detect/key-routing.js';
import type { CompilableRule } from '../compile/compile-rule-set.js';
import { evaluateBatch } from '../eval/evaluate-batch.js';
import { eventTimestamp } from '../event/event-time.js';
import { compileFieldPath, compileFirstPresent, type FieldAccessor } from '../event/lookup-field.js';
import { normalizeEvent } from '../event/normalize-event.js';
import { chunkItems } from '../io/evtx/read-evtx.js';
import { evtxBadRecord } from '../io/evtx/evtx-decoder.js';
import { RecordFailure, parseRecordObject } from '../io/parse-record.js';
import { LineFailure, lineParser } from '../io/formats/text-formats.js';
import {
  decodeBatch,
  decodeCondition,
  type ArrowReply,
  type ArrowTask,
  type EvtxReply,
  type EvtxTask,
  type FailedReply,
  type RecordsReply,
  type RecordsTask,
  type WorkerConfig,
  type WorkerReply,
  type WorkerRuleSet,
  type WorkerTask,
} from './wire.js';

/** Runs tasks for one configuration; never throws (failures come back as FailedReply). */
export type TaskRunner = (task: WorkerTask) => WorkerReply;

/**
 * The task function for a configuration. Rule sets are decoded and compiled on first need,
 * so a worker whose events never reach a set never pays for it. `rulesOf` gives the rules
 * directly instead of decoding their conditions (a pool that runs on the calling thread);
 * a rule's condition is then read only when a subset it is in compiles (key-routing.ts).
 */
export function createTaskRunner(config: WorkerConfig, rulesOf?: (ruleSet: number) => readonly CompilableRule[]): TaskRunner {
  const evaluator = new RoutedEvaluator(
    config.ruleSets.map((set, index) => ({
      events: set.events,
      ruleCount: set.ruleCount,
      reported: set.reported,
      ...(rulesOf === undefined ? wireAccess(set) : ruleAccess(() => rulesOf(index))),
      ...(set.logsources === undefined ? {} : { logsources: set.logsources }),
    })),
    config.sources ?? {},
  );
  const accessors: (readonly FieldAccessor[] | null)[] = config.correlationFields.map((fields) =>
    fields === null ? null : fields.map(compileFirstPresent),
  );
  const timeField = config.timeField === null ? undefined : compileFieldPath(config.timeField);
  const offsets = setOffsets(config);
  const alerts = new Uint8Array(evaluator.totalRules);
  config.ruleSets.forEach((set, index) => alerts.set(set.alerts, offsets[index]));
  const state: RunnerState = { evaluator, accessors, timeField, offsets, alerts };
  if (config.compileAtStart === true) for (let set = 0; set < config.ruleSets.length; set++) evaluator.prepare(set);
  return (task) => {
    try {
      if (task.kind === 'records') return evaluateRecords(state, task);
      return task.kind === 'evtx' ? evaluateEvtx(state, task) : evaluateArrow(state, task);
    } catch (error) {
      return failed(error);
    }
  };
}

/**
 * How the evaluator reads a rule set as a worker received it: each condition decoded on
 * first need and kept (a rule in several subsets is decoded once), the keys as they came.
 */
function wireAccess(set: WorkerRuleSet): Pick<EvaluatorRuleSet, 'conditions' | 'conditionAt' | 'keys'> {
  const decoded: (Node | undefined)[] = new Array(set.ruleCount);
  const conditionAt = (index: number): Node => (decoded[index] ??= decodeCondition(set, index));
  return {
    conditions: () => Array.from({ length: set.ruleCount }, (_, index) => conditionAt(index)),
    conditionAt,
    keys: () => set.keys,
  };
}

interface RunnerState {
  readonly evaluator: RoutedEvaluator;
  /** Per global rule: accessors of the fields its matches carry to the correlator. */
  readonly accessors: readonly (readonly FieldAccessor[] | null)[];
  readonly timeField: FieldAccessor | undefined;
  /** First global rule index of each set. */
  readonly offsets: readonly number[];
  /** Per global rule: 1 where it alerts. */
  readonly alerts: Uint8Array;
}

function setOffsets(config: WorkerConfig): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const set of config.ruleSets) {
    offsets.push(offset);
    offset += set.ruleCount;
  }
  return offsets;
}

function failed(error: unknown): FailedReply {
  const isError = error instanceof Error;
  return { kind: 'failed', message: isError ? error.message : String(error), stack: isError ? (error.stack ?? null) : null };
}

function evaluateRecords(state: RunnerState, task: RecordsTask): RecordsReply {
  const { count, ends, lines } = task;
  const text = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  const normalized: (Record<string, unknown> | undefined)[] = new Array(count);
  const sources: (Record<string, unknown> | undefined)[] = new Array(count);
  const badAt: number[] = [];
  const badCodes: ('bad-json' | 'not-object' | 'bad-line')[] = [];
  const parseLine = task.text === undefined ? null : lineParser(task.text, task.header ?? null);
  const badMessages: string[] = [];

  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = ends[i] as number;
    const line = text.toString('utf8', start, end);
    const value = parseLine === null ? parseRecordObject(line, lines[i] as number) : parseLine(line);
    start = end;
    if (value instanceof RecordFailure || value instanceof LineFailure) {
      badAt.push(i);
      badCodes.push(value.code);
      badMessages.push(value.message);
      continue;
    }
    sources[i] = value;
    normalized[i] = normalizeEvent(value);
  }

  const { matches, timestamps, fieldValues, unrecognized } = collectMatches(state, normalized, sources, count, null);
  return { kind: 'records', bytes: task.bytes, matches, timestamps, fieldValues, badAt, unrecognized, badCodes, badMessages };
}

/** Decodes a task's EVTX chunks (damage reported, then skipped), then evaluates their records as evaluateRecords does. */
function evaluateEvtx(state: RunnerState, task: EvtxTask): EvtxReply {
  const bytes = task.bytes;
  const sources: Record<string, unknown>[] = [];
  const damageChunk: number[] = [];
  const damageMessages: string[] = [];
  let start = 0;
  for (let k = 0; k < task.ends.length; k++) {
    const end = task.ends[k] as number;
    for (const item of chunkItems(task.first + k, bytes.subarray(start, end), task.claimedChunks)) {
      if (item.kind === 'record') {
        sources.push(item.record.value);
      } else {
        damageChunk.push(k);
        damageMessages.push(evtxBadRecord('', item.damage).message);
      }
    }
    start = end;
  }
  const count = sources.length;
  const normalized: Record<string, unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) normalized[i] = normalizeEvent(sources[i] as Record<string, unknown>);
  const events: (Record<string, unknown> | null)[] = [];
  const { matches, timestamps, fieldValues, unrecognized } = collectMatches(state, normalized, sources, count, events);
  return { kind: 'evtx', recordCount: count, matches, timestamps, fieldValues, events, unrecognized, damageChunk, damageMessages };
}

/**
 * Evaluates the events and collects the reported matches: pairs (record, global rule),
 * each distinct matched record's time, the values correlations read; with `events`, also
 * each distinct matched record as read when a rule that alerts matched it (else null);
 * and how many events of a by-logsource rule set had no recognized source.
 */
function collectMatches(
  state: RunnerState,
  normalized: (Record<string, unknown> | undefined)[],
  sources: readonly (Record<string, unknown> | undefined)[],
  count: number,
  events: (Record<string, unknown> | null)[] | null,
): { matches: Int32Array; timestamps: (string | null)[]; fieldValues: unknown[][]; unrecognized: number } {
  const totalRules = state.evaluator.totalRules;
  const sorted = state.evaluator.evaluate(normalized, sources, count);
  const pairs = new Int32Array(sorted.length * 2);
  const timestamps: (string | null)[] = [];
  const fieldValues: unknown[][] = [];
  let last = -1;
  for (let j = 0; j < sorted.length; j++) {
    const key = sorted[j] as number;
    const record = Math.floor(key / totalRules);
    const rule = key - record * totalRules;
    pairs[2 * j] = record;
    pairs[2 * j + 1] = rule;
    const event = normalized[record] as Record<string, unknown>;
    if (record !== last) {
      last = record;
      timestamps.push(eventTimestamp(event, state.timeField));
      if (events !== null) events.push(null);
    }
    if (events !== null && state.alerts[rule] === 1) events[events.length - 1] = sources[record] as Record<string, unknown>;
    const accessors = state.accessors[rule];
    if (accessors !== null && accessors !== undefined) fieldValues.push(accessors.map((read) => read(event)));
  }
  return { matches: pairs, timestamps, fieldValues, unrecognized: state.evaluator.unrecognized };
}

function evaluateArrow(state: RunnerState, task: ArrowTask): ArrowReply {
  if (task.ruleSet < 0 || task.ruleSet >= state.offsets.length) throw new RangeError(`no rule set ${task.ruleSet} in this pool`);
  const matches = evaluateBatch(state.evaluator.plan(task.ruleSet), decodeBatch(task.ipc));
  // Exact copies of our own: the evaluator may hand out views of buffers it reuses, which must not be moved away.
  // The decoded batch is not read after this, so its bytes can go back to be reused.
  return { kind: 'arrow', ipc: task.ipc, ruleIndexes: matches.ruleIndexes.slice(0, matches.count), rows: matches.rows.slice(0, matches.count), count: matches.count };
}
