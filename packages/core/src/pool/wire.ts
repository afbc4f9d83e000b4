// What crosses between the main thread and the pool's workers, and how: plain clonable
// objects (the IR is frozen JSON-safe data, STYLE.md §2.1), with the big buffers moved in
// transfer lists instead of copied, and Arrow IPC for batches built elsewhere.
import { arrow } from '../lazy/lazy-modules.js';
import { deserialize, serialize } from 'node:v8';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { EventBatch } from '../batch/event-batch.js';
import type { DetectionRule } from '../ir/rules.js';
import type { Exists, Keyword, Match, Node } from '../ir/nodes.js';
import { mapLeaves } from '../ir/dispatch.js';
import { keysOfRule, type RuleKeys } from '../detect/key-routing.js';

import type { EventRoute } from '../detect/routed-evaluator.js';
import type { RuleLogsource, SourceOptions } from '../source/source-router.js';
import type { TextFormat } from '../io/formats/text-formats.js';
import type { TextHeader } from '../io/formats/header-formats.js';

export type { EventRoute };

/** One rule set of a pool, as given. */
export interface WireRuleSet {
  readonly rules: readonly DetectionRule[];
  readonly events: EventRoute;
}

/**
 * One rule set as a worker receives it. Workers only evaluate, so only each rule's
 * condition travels, without the source locations of its leaves (a third of the bytes),
 * and pre-serialized (`v8.serialize`), rule by rule:
 * the Worker constructor would otherwise serialize the IR again for every worker on the
 * main thread (SigmaHQ's two sets for `hunt --pipeline auto` are 20 MB, about 0.5 s per
 * worker), and a worker decodes only the rules its events reach, as their (Channel,
 * EventID) subsets compile (key-routing.ts): the keys come decoded, so routing the first
 * event decodes nothing. What the worker needs before that comes decoded.
 */
export interface WorkerRuleSet {
  readonly events: EventRoute;
  readonly ruleCount: number;
  /**
   * 1 where the rule's matches come back: it alerts (`shouldAlert`), or its matches feed a
   * correlation (rules a correlation silences still run).
   */
  readonly reported: Uint8Array;
  /** 1 where the rule alerts (its matched records go back with an EvtxReply). */
  readonly alerts: Uint8Array;
  /**
   * The rules' conditions, in rule order, each serialized on its own, end to end. In a
   * pool's workers, a growable SharedArrayBuffer the main thread fills after the workers
   * have started ({@link ConditionsWriter}); read once `written` says so.
   */
  readonly conditions: Uint8Array | SharedArrayBuffer;
  /** Per rule: where its condition ends in `conditions` (it starts where the previous one ends). */
  readonly conditionEnds: Uint32Array;
  /** With shared `conditions`: one element, {@link PENDING} until written, then {@link WRITTEN} (or {@link FAILED}). */
  readonly written?: Int32Array;
  /** With shared `conditions`: one element, set to 1 (and notified) by a worker that waits for them. */
  readonly wanted?: Int32Array;
  /** Per rule: its (Channel, EventID) keys (key-routing.ts `keysOfRule`). */
  readonly keys: readonly RuleKeys[];
  /** `by-logsource` sets: each rule's logsource (product, service, category), in rule order. */
  readonly logsources?: readonly RuleLogsource[];
}

/**
 * `workerData` of every worker: sent once, when the worker starts. Rule indexes in replies
 * count over all sets, set 0's rules first ("global rule index").
 */
export interface WorkerConfig {
  readonly ruleSets: readonly WorkerRuleSet[];
  /**
   * Per global rule index: the fields whose values its matches carry back for the
   * correlator (group-by and value fields), or null when its matches feed no correlation.
   * Each field is a list of names to look up in the normalized event, first present wins
   * (a processing pipeline may have renamed the Sigma field: `Image` or `NewProcessName`).
   */
  readonly correlationFields: readonly (readonly (readonly string[])[] | null)[];
  /** `--time-field`: the only field event time is read from; null for the usual fields. */
  readonly timeField: string | null;
  /** How `by-logsource` sets recognize events' sources (custom recognizers, `--source`). */
  readonly sources?: SourceOptions;
  /** Prepare every rule set when the worker starts instead of on first need (DetectorPoolOptions.startAllWorkers). */
  readonly compileAtStart?: boolean;
}

/** What decides, besides the rules, what a worker sends back. */
export interface ReportOptions {
  /** Per global rule index, as {@link WorkerConfig.correlationFields}. */
  readonly correlationFields: readonly (readonly (readonly string[])[] | null)[];
  readonly timeField: string | null;
  readonly sources?: SourceOptions;
}

/** States of {@link WorkerRuleSet.written}. */
const PENDING = 0;
const WRITTEN = 1;
const FAILED = 2;

/**
 * Most bytes of one rule set's serialized conditions in a pool's workers (address space
 * reserved, not memory): SigmaHQ's 3,752 rules take about 10 MB.
 */
const MAX_SHARED_CONDITION_BYTES = 1 << 30;

/** A SharedArrayBuffer that grows (ES2024; Node 20 has it, the TypeScript lib in use does not). */
interface GrowableShared extends SharedArrayBuffer {
  grow(byteLength: number): void;
}
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (byteLength: number, options: { readonly maxByteLength: number }) => GrowableShared;

/**
 * Writes the conditions of one rule set of a config made by {@link encodeSharedWorkerConfig}
 * (once; later calls for the set do nothing). A worker that needs a set's conditions before
 * they are written asks for them (the set's `wanted`) and waits.
 */
export type ConditionsWriter = (ruleSet: number) => void;

/**
 * The `workerData` for these rule sets, without their conditions serialized yet: each set
 * gets shared memory that `write` fills later (`whenWanted` tells when a worker asks for a
 * set), so the workers can start (load their modules,
 * route their first event on the keys) while the calling thread serializes (about 0.5 s for
 * SigmaHQ's two sets in `hunt --pipeline auto`).
 */
export function encodeSharedWorkerConfig(
  ruleSets: readonly WireRuleSet[],
  report: ReportOptions,
): { config: WorkerConfig; write: ConditionsWriter; whenWanted: (ruleSet: number, then: () => void) => void } {
  const config = encodeWorkerConfig(ruleSets, report, { withConditions: false });
  const shared = config.ruleSets.map((set, index) => ({
    ...set,
    conditions: new GrowableSharedArrayBuffer(0, { maxByteLength: MAX_SHARED_CONDITION_BYTES }),
    conditionEnds: new Uint32Array(new SharedArrayBuffer(4 * set.ruleCount)),
    written: new Int32Array(new SharedArrayBuffer(4)),
    wanted: new Int32Array(new SharedArrayBuffer(4)),
    keys: (ruleSets[index] as WireRuleSet).rules.map(keysOfRule),
  }));
  const write = (index: number): void => {
    const set = shared[index] as (typeof shared)[number];
    if (Atomics.load(set.written, 0) !== PENDING) return;
    try {
      const { conditions, conditionEnds } = serializeConditions((ruleSets[index] as WireRuleSet).rules);
      if (conditions.length > MAX_SHARED_CONDITION_BYTES) throw new RangeError(`the rule conditions of set ${index} take ${conditions.length} bytes, over ${MAX_SHARED_CONDITION_BYTES}`);
      set.conditions.grow(conditions.length);
      new Uint8Array(set.conditions).set(conditions);
      set.conditionEnds.set(conditionEnds);
      Atomics.store(set.written, 0, WRITTEN);
    } catch (error) {
      Atomics.store(set.written, 0, FAILED);
      throw error;
    } finally {
      Atomics.notify(set.written, 0);
    }
  };
  // Calls `then` once a worker asks for set `index`'s conditions (on the next turn if one
  // already has). Waiting does not keep the process alive.
  const whenWanted = (index: number, then: () => void): void => {
    const asked = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync((shared[index] as (typeof shared)[number]).wanted, 0, 0);
    if (asked.async) void (asked.value as Promise<string>).then(then);
    else setImmediate(then);
  };
  return { config: { ...config, ruleSets: shared }, write, whenWanted };
}

/** `Atomics.waitAsync` (ES2024; Node 20 has it, the TypeScript lib in use does not). */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { readonly async: boolean; readonly value: Promise<string> | string };
}

/** The `workerData` for these rule sets. */
export function encodeWorkerConfig(
  ruleSets: readonly WireRuleSet[],
  report: ReportOptions,
  options: { readonly withConditions?: boolean } = {},
): WorkerConfig {
  // On the calling thread (a pool without threads) the conditions are used as they are.
  const withConditions = options.withConditions ?? true;
  let offset = 0;
  return {
    ruleSets: ruleSets.map((s) => {
      const start = offset;
      offset += s.rules.length;
      return {
        events: s.events,
        ruleCount: s.rules.length,
        reported: Uint8Array.from(s.rules, (r, i) => (r.shouldAlert || (report.correlationFields[start + i] ?? null) !== null ? 1 : 0)),
        alerts: Uint8Array.from(s.rules, (r) => (r.shouldAlert ? 1 : 0)),
        ...(withConditions ? serializeConditions(s.rules) : { conditions: new Uint8Array(0), conditionEnds: new Uint32Array(0) }),
        keys: withConditions ? s.rules.map(keysOfRule) : [],
        ...(s.events === 'by-logsource' ? { logsources: s.rules.map((r) => logsourceOf(r)) } : {}),
      };
    }),
    correlationFields: report.correlationFields,
    timeField: report.timeField,
    ...(report.sources === undefined ? {} : { sources: report.sources }),
  };
}

function logsourceOf(rule: DetectionRule): RuleLogsource {
  const { product, service, category } = rule.logsource;
  return { product, service, category };
}

function withoutOrigin(leaf: Match | Keyword | Exists): Node {
  return leaf.origin === null ? leaf : { ...leaf, origin: null };
}

/** Each rule's condition without origins, serialized, end to end (a worker decodes one without the others). */
function serializeConditions(rules: readonly DetectionRule[]): { conditions: Uint8Array; conditionEnds: Uint32Array } {
  const parts = rules.map((r) => serialize(mapLeaves(r.condition, withoutOrigin)));
  const conditionEnds = new Uint32Array(parts.length);
  let end = 0;
  for (let i = 0; i < parts.length; i++) {
    end += (parts[i] as Buffer).length;
    conditionEnds[i] = end;
  }
  return { conditions: Buffer.concat(parts, end), conditionEnds };
}

/**
 * The condition of rule `index` of a {@link WorkerRuleSet}. Shared conditions not written
 * yet are waited for (in a worker thread, which the calling thread does not wait on).
 */
export function decodeCondition(ruleSet: WorkerRuleSet, index: number): Node {
  if (!Number.isInteger(index) || index < 0 || index >= ruleSet.ruleCount) throw new RangeError(`no rule ${index} in a set of ${ruleSet.ruleCount}`);
  const written = ruleSet.written;
  if (written !== undefined) {
    if (Atomics.load(written, 0) === PENDING) {
      const wanted = ruleSet.wanted;
      if (wanted !== undefined) {
        Atomics.store(wanted, 0, 1);
        Atomics.notify(wanted, 0);
      }
      Atomics.wait(written, 0, PENDING);
    }
    if (Atomics.load(written, 0) !== WRITTEN) throw new Error('the rule conditions could not be sent to the worker threads (see the error on the main thread)');
  }
  const start = index === 0 ? 0 : (ruleSet.conditionEnds[index - 1] as number);
  const end = ruleSet.conditionEnds[index] as number;
  const conditions = ruleSet.conditions;
  return deserialize(conditions instanceof Uint8Array ? conditions.subarray(start, end) : new Uint8Array(conditions, start, end - start)) as Node;
}

/** Records of a RawChunk to parse, route, batch and evaluate. `bytes` is transferred. */
export interface RecordsTask {
  readonly kind: 'records';
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly ends: Int32Array;
  readonly lines: Float64Array;
  /** Lines of this text format, else JSON records. */
  readonly text?: TextFormat;
  /** Header formats: the header the lines are read under. */
  readonly header?: TextHeader;
}

/**
 * EVTX chunks of a RawChunk (its `evtx`) to decode, then route, batch and evaluate like
 * records. `bytes` is transferred and not sent back.
 */
export interface EvtxTask {
  readonly kind: 'evtx';
  readonly bytes: Uint8Array;
  /** End of each EVTX chunk in `bytes`. */
  readonly ends: Int32Array;
  /** 0-based index in the file of the first chunk. */
  readonly first: number;
  readonly claimedChunks: number;
}

/** A batch built elsewhere, as Arrow IPC stream bytes (transferred), for one rule set. */
export interface ArrowTask {
  readonly kind: 'arrow';
  readonly ruleSet: number;
  readonly ipc: Uint8Array;
}

export type WorkerTask = RecordsTask | EvtxTask | ArrowTask;

/**
 * Outcome of a RecordsTask. Only reported matches come back (alerting, or feeding a
 * correlation), and only matched records' data (their time and the few field values
 * correlations read; their text stays in `bytes`, handed back), so replies stay small.
 */
export interface RecordsReply {
  readonly kind: 'records';
  /** The task's bytes, moved back: the main thread parses matched records' text for the alert. */
  readonly bytes: Uint8Array;
  /** Pairs (record index in the chunk, global rule index), records ascending, then rules ascending. */
  readonly matches: Int32Array;
  /** Event time of each distinct matched record, in the order of `matches`. */
  readonly timestamps: readonly (string | null)[];
  /**
   * For each match of a rule with {@link WorkerConfig.correlationFields}, in the order of
   * `matches`: the values of those fields (undefined: absent).
   */
  readonly fieldValues: readonly (readonly unknown[])[];
  /** Records that are not JSON objects, ascending: index in the chunk, code and message. */
  readonly badAt: readonly number[];
  /** Events a by-logsource rule set saw with no recognized source. */
  readonly unrecognized: number;
  readonly badCodes: readonly ('bad-json' | 'not-object' | 'bad-line')[];
  readonly badMessages: readonly string[];
}

/**
 * Outcome of an EvtxTask: like a RecordsReply, but the records were decoded in the worker,
 * so it says how many there were, sends the matched records that alert (their text is not
 * on the main thread) and the damage found, in file order.
 */
export interface EvtxReply {
  readonly kind: 'evtx';
  /** Records decoded, in file order; record `i` of the reply is record `base + i + 1` of its file. */
  readonly recordCount: number;
  /** As {@link RecordsReply.matches}, record indexes counting the reply's records. */
  readonly matches: Int32Array;
  readonly timestamps: readonly (string | null)[];
  readonly fieldValues: readonly (readonly unknown[])[];
  /** For each distinct matched record, in the order of `matches`: the record as read when a rule that alerts matched it, else null. */
  readonly events: readonly (Record<string, unknown> | null)[];
  /** As {@link RecordsReply.unrecognized}. */
  readonly unrecognized: number;
  /** Damage, in file order: the task's EVTX chunk it is in (0-based), and its report's message. */
  readonly damageChunk: readonly number[];
  readonly damageMessages: readonly string[];
}

/**
 * Outcome of an ArrowTask: evaluateBatch's matches (rule index within the set, row), and
 * the task's IPC bytes moved back for the next batch to be written into (see
 * io/chunk-buffers.ts: a new buffer per batch is external memory, answered by V8 with full
 * collections in the thread that receives it).
 */
export interface ArrowReply {
  readonly kind: 'arrow';
  readonly ipc: Uint8Array;
  readonly ruleIndexes: Int32Array;
  readonly rows: Int32Array;
  readonly count: number;
}

/** A task that threw in the worker (our bug, or a rule set that failed to compile). */
export interface FailedReply {
  readonly kind: 'failed';
  readonly message: string;
  readonly stack: string | null;
}

export type WorkerReply = RecordsReply | EvtxReply | ArrowReply | FailedReply;

/** Name of the task function that worker.ts exports (piscina's `name` option). */
export const WORKER_HANDLER = 'runDetectorTask';

/** The buffers of a task to move instead of copy. */
export function taskTransferList(task: WorkerTask): ArrayBuffer[] {
  const buffer = task.kind === 'arrow' ? task.ipc.buffer : task.bytes.buffer;
  // A view of nothing may share a buffer with other empty views; there is nothing to move.
  return buffer.byteLength === 0 ? [] : [buffer as ArrayBuffer];
}

/** Wraps a reply so piscina moves its buffers back to the main thread. */
export function movableReply(reply: WorkerReply): unknown {
  const transfer: ArrayBuffer[] = [];
  if (reply.kind === 'records') {
    if (reply.bytes.buffer.byteLength > 0) transfer.push(reply.bytes.buffer as ArrayBuffer);
    if (reply.matches.buffer.byteLength > 0) transfer.push(reply.matches.buffer as ArrayBuffer);
  } else if (reply.kind === 'evtx') {
    if (reply.matches.buffer.byteLength > 0) transfer.push(reply.matches.buffer as ArrayBuffer);
  } else if (reply.kind === 'arrow') {
    if (reply.ipc.buffer.byteLength > 0) transfer.push(reply.ipc.buffer as ArrayBuffer);
    if (reply.count > 0) transfer.push(reply.ruleIndexes.buffer as ArrayBuffer, reply.rows.buffer as ArrayBuffer);
  }
  return move({ [transferableSymbol]: transfer, [valueSymbol]: reply } as never);
}

/**
 * An EventBatch as Arrow IPC stream bytes in a buffer of their own (transferable).
 *
 * @example
 * const ipc = encodeBatch(builder.build(events)); // then decodeBatch(ipc) in a worker
 */
export function encodeBatch(batch: EventBatch): Uint8Array {
  const bytes = arrow().RecordBatchStreamWriter.writeAll([batch.toArrow({ omitAbsentColumns: true })]).toUint8Array(true);
  // Moving a view's buffer moves all of it: copy when the bytes share a larger buffer.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** The EventBatch of {@link encodeBatch}'s bytes. */
export function decodeBatch(ipc: Uint8Array): EventBatch {
  const table = arrow().tableFromIPC(ipc);
  const batch = table.batches[0];
  if (batch === undefined) throw new Error('Arrow IPC bytes hold no record batch');
  return EventBatch.fromArrow(batch);
}
