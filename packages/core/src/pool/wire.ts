// What crosses between the main thread and the pool's workers, and how: plain clonable
// objects (the IR is frozen JSON-safe data, STYLE.md §2.1), with the big buffers moved in
// transfer lists instead of copied, and Arrow IPC for batches built elsewhere.
import { RecordBatchStreamWriter, tableFromIPC } from 'apache-arrow';
import { deserialize, serialize } from 'node:v8';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { EventBatch } from '../batch/event-batch.js';
import type { DetectionRule } from '../ir/rules.js';
import type { Exists, Keyword, Match, Node } from '../ir/nodes.js';
import { mapLeaves } from '../ir/dispatch.js';

/** Which events a rule set sees. `windows`/`not-windows` split events with `isWindowsEvent`. */
export type EventRoute = 'all' | 'windows' | 'not-windows';

/** One rule set of a pool, as given. */
export interface WireRuleSet {
  readonly rules: readonly DetectionRule[];
  readonly events: EventRoute;
}

/**
 * One rule set as a worker receives it. Workers only evaluate, so only each rule's
 * condition travels, without the source locations of its leaves (a third of the bytes),
 * and pre-serialized (`v8.serialize`):
 * the Worker constructor would otherwise serialize the IR again for every worker on the
 * main thread (SigmaHQ's two sets for `hunt --pipeline auto` are 20 MB, about 0.5 s per
 * worker), and a worker only decodes (about 0.5 s per set) and compiles the sets its
 * events need. What the worker needs before that comes decoded.
 */
export interface WorkerRuleSet {
  readonly events: EventRoute;
  readonly ruleCount: number;
  /** 1 where the rule alerts: `shouldAlert` (rules a correlation silences still run). */
  readonly alerting: Uint8Array;
  /** The rules' conditions, in rule order, serialized. */
  readonly conditions: Uint8Array;
}

/**
 * `workerData` of every worker: sent once, when the worker starts. Rule indexes in replies
 * count over all sets, set 0's rules first ("global rule index").
 */
export interface WorkerConfig {
  readonly ruleSets: readonly WorkerRuleSet[];
}

/** The `workerData` for these rule sets. */
export function encodeWorkerConfig(ruleSets: readonly WireRuleSet[]): WorkerConfig {
  return {
    ruleSets: ruleSets.map((s) => ({
      events: s.events,
      ruleCount: s.rules.length,
      alerting: Uint8Array.from(s.rules, (r) => (r.shouldAlert ? 1 : 0)),
      conditions: serialize(s.rules.map((r) => mapLeaves(r.condition, withoutOrigin))),
    })),
  };
}

function withoutOrigin(leaf: Match | Keyword | Exists): Node {
  return leaf.origin === null ? leaf : { ...leaf, origin: null };
}

/** The conditions of one {@link WorkerRuleSet}'s rules, in rule order. */
export function decodeConditions(ruleSet: WorkerRuleSet): readonly Node[] {
  return deserialize(ruleSet.conditions) as readonly Node[];
}

/** Records of a RawChunk to parse, route, batch and evaluate. `bytes` is transferred. */
export interface RecordsTask {
  readonly kind: 'records';
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly ends: Int32Array;
  readonly lines: Float64Array;
}

/** A batch built elsewhere, as Arrow IPC stream bytes (transferred), for one rule set. */
export interface ArrowTask {
  readonly kind: 'arrow';
  readonly ruleSet: number;
  readonly ipc: Uint8Array;
}

export type WorkerTask = RecordsTask | ArrowTask;

/**
 * Outcome of a RecordsTask. Only alerting matches come back, and only matched records'
 * data (their time here; their text stays in `bytes`, handed back), so replies stay small.
 */
export interface RecordsReply {
  readonly kind: 'records';
  /** The task's bytes, moved back: the main thread parses matched records' text for the alert. */
  readonly bytes: Uint8Array;
  /** Pairs (record index in the chunk, global rule index), records ascending, then rules ascending. */
  readonly matches: Int32Array;
  /** Event time of each distinct matched record, in the order of `matches`. */
  readonly timestamps: readonly (string | null)[];
  /** Records that are not JSON objects, ascending: index in the chunk, code and message. */
  readonly badAt: readonly number[];
  readonly badCodes: readonly ('bad-json' | 'not-object')[];
  readonly badMessages: readonly string[];
}

/** Outcome of an ArrowTask: evaluateBatch's matches (rule index within the set, row). */
export interface ArrowReply {
  readonly kind: 'arrow';
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

export type WorkerReply = RecordsReply | ArrowReply | FailedReply;

/** Name of the task function that worker.ts exports (piscina's `name` option). */
export const WORKER_HANDLER = 'runDetectorTask';

/** The buffers of a task to move instead of copy. */
export function taskTransferList(task: WorkerTask): ArrayBuffer[] {
  const buffer = task.kind === 'records' ? task.bytes.buffer : task.ipc.buffer;
  // A view of nothing may share a buffer with other empty views; there is nothing to move.
  return buffer.byteLength === 0 ? [] : [buffer as ArrayBuffer];
}

/** Wraps a reply so piscina moves its buffers back to the main thread. */
export function movableReply(reply: WorkerReply): unknown {
  const transfer: ArrayBuffer[] = [];
  if (reply.kind === 'records') {
    if (reply.bytes.buffer.byteLength > 0) transfer.push(reply.bytes.buffer as ArrayBuffer);
    if (reply.matches.buffer.byteLength > 0) transfer.push(reply.matches.buffer as ArrayBuffer);
  } else if (reply.kind === 'arrow' && reply.count > 0) {
    transfer.push(reply.ruleIndexes.buffer as ArrayBuffer, reply.rows.buffer as ArrayBuffer);
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
  const bytes = RecordBatchStreamWriter.writeAll([batch.toArrow({ omitAbsentColumns: true })]).toUint8Array(true);
  // Moving a view's buffer moves all of it: copy when the bytes share a larger buffer.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** The EventBatch of {@link encodeBatch}'s bytes. */
export function decodeBatch(ipc: Uint8Array): EventBatch {
  const table = tableFromIPC(ipc);
  const batch = table.batches[0];
  if (batch === undefined) throw new Error('Arrow IPC bytes hold no record batch');
  return EventBatch.fromArrow(batch);
}
