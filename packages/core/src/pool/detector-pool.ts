// The worker pool (DESIGN.md "Why workers", STYLE.md §5 "Pool"): piscina threads that each
// compile the rule sets once (IR through workerData), parse and evaluate chunks of raw
// records or Arrow batches, and reply with compact match lists. The main thread keeps at
// most `maxInFlight` chunks between reading and handing results out (backpressure: memory
// stays flat however large the input and however slow the consumer), and hands results
// out in input order (a FIFO of pending replies is the reorder buffer, as Vector's
// `run_concurrently`), so alerts come out exactly as the single-thread Engine's.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineAlert } from '../alert/alert.js';
import { AlertAssembler, type CorrelationStage, type FieldNameMapper } from '../detect/alert-assembler.js';
import type { EventBatch } from '../batch/event-batch.js';
import type { BatchMatches } from '../eval/evaluate-batch.js';
import type { DetectionRule } from '../ir/rules.js';
import { BadRunLimit } from '../io/bad-run-limit.js';
import { recycleChunkBuffer, takeChunkBuffer } from '../io/chunk-buffers.js';
import { lineParser } from '../io/formats/text-formats.js';
import type { EvtxReply } from './wire.js';
import type { SourceOptions } from '../source/source-router.js';
import type { RawChunk, RawRecordStream } from '../io/read-raw-records.js';
import type { BadRecord } from '../io/read-records.js';
import { createTaskRunner, type TaskRunner } from './run-task.js';
import {
  WORKER_HANDLER,
  encodeBatch,
  encodeSharedWorkerConfig,
  encodeWorkerConfig,
  taskTransferList,
  type ArrowTask,
  type EvtxTask,
  type EventRoute,
  type FailedReply,
  type RecordsReply,
  type RecordsTask,
  type WorkerConfig,
  type WorkerReply,
  type WorkerTask,
} from './wire.js';

/** A rule set of a pool and the events it sees (default all). */
export interface DetectorRuleSet {
  readonly rules: readonly DetectionRule[];
  /**
   * `windows` / `not-windows` split events with `isWindowsEvent`; `by-logsource` sees the
   * other events too and runs each rule only on events whose recognized logsource fits its
   * own (hunt's `--pipeline auto`).
   */
  readonly events?: EventRoute;
  /** How this set's events name a Sigma field a correlation reads (a pipeline's renames); default the name itself. */
  readonly mapField?: FieldNameMapper;
}

/** What a {@link DetectorPool} runs and how: rule sets, worker threads, tasks in flight, correlations. */
export interface DetectorPoolOptions {
  /** Evaluated in this order; an event seen by several sets alerts for set 0's rules first. */
  readonly ruleSets: readonly DetectorRuleSet[];
  /**
   * Worker threads; default `os.availableParallelism()`. 0 runs every task on the calling
   * thread instead (the same code and output, without threads).
   */
  readonly workers?: number;
  /** The correlator that reads the base-rule matches (correlation alerts join `alerts`). */
  readonly correlator?: CorrelationStage | null;
  /** Read event time only from this field (`--time-field`); default the usual fields (eventTimestamp). */
  readonly timeField?: string | null;
  /** How `by-logsource` sets recognize events' sources: custom recognizers, a declared fallback (`--source`). */
  readonly sources?: SourceOptions;
  /**
   * Chunks or batches submitted and not yet handed out, at most, per `detect` or
   * `evaluateArrowBatches` run (default 2 × workers): enough to keep every worker busy
   * while the main thread reads and writes, and the bound on memory held in the pool.
   */
  readonly maxInFlight?: number;
  /**
   * Start every worker thread now, before its first chunk (default false: threads start as
   * work arrives). For live input: a thread started mid-stream holds the chunk it got, and
   * every later result, while it starts. A worker receives each rule's (Channel, EventID)
   * keys decoded and its condition serialized on its own; it decodes and compiles the rules
   * of a key on the first event that reaches them (detect/key-routing.ts), a few hundred at most.
   */
  readonly startAllWorkers?: boolean;
  /**
   * Young generation of each worker thread's heap, in MB (Node's `resourceLimits.
   * maxYoungGenerationSizeMb`); default V8's own (16 MB semi-spaces). For a pool fed
   * {@link DetectorPool.evaluateArrowBatches}: a worker turns a batch's dictionaries into
   * strings (several MB a batch of 2,048 Windows events) that live while the batch is
   * evaluated, and with small semi-spaces each scavenge copies them, then promotes them for a
   * full collection to find. On 50,000 OTRF events with the SigmaHQ rules, 128 MB took one
   * worker's CPU from 26 to about 20 µs an event (benchmarks/evaluate.bench.mjs, `--young-mb`);
   * with two workers, and over 300,000 events, the difference was within the noise. For
   * {@link DetectorPool.detect}, a worker holds a chunk's parsed events (up to 2,048) while it
   * evaluates them: `siemlite hunt` gives its workers 96 MB, which took 2 workers over the
   * 1M mixed corpus from 51 to 44 CPU s at the same peak RSS (OTRF: within noise). Larger
   * young generations cost RSS, up to the size given per worker.
   */
  readonly youngGenerationMb?: number;
}

/** What one RawChunk gave: its bad records and alerts, in file order. */
export interface ChunkDetections {
  readonly path: string;
  /** {@link RawChunk.file}. */
  readonly file: number;
  /** Records that parsed to objects: the events readRecords would have yielded. */
  readonly events: number;
  /**
   * In input order, then rule order (rule sets in order): the Engine's order. Correlation
   * alerts come right after the match that made them due.
   */
  readonly alerts: readonly EngineAlert[];
  /** Problems found while splitting and while parsing, merged in file order. */
  readonly bad: readonly BadRecord[];
  /** Events a by-logsource rule set saw with no recognized source (only rules stating no logsource ran on them). */
  readonly unrecognized: number;
}

/** A chunk without records needs no worker. */
const NO_RECORDS: RecordsReply = Object.freeze({
  kind: 'records',
  bytes: new Uint8Array(0),
  matches: new Int32Array(0),
  timestamps: [],
  fieldValues: [],
  badAt: [],
  unrecognized: 0,
  badCodes: [],
  badMessages: [],
});

/**
 * A pool of detection workers. Create it once per run, feed it chunks from
 * `readRawRecords` ({@link detect}) or built batches ({@link evaluateArrowBatches}), and
 * `close()` it at the end (workers keep the process alive until then).
 *
 * @example
 * const pool = createDetectorPool({ ruleSets: [{ rules }], workers: 4 });
 * try {
 *   for await (const { alerts, bad } of pool.detect(readRawRecords(['logs/']))) write(alerts, bad);
 * } finally {
 *   await pool.close();
 * }
 */
export class DetectorPool {
  readonly workers: number;
  readonly maxInFlight: number;
  /** Null when tasks run on the calling thread (`workers: 0`). */
  readonly #piscina: Piscina | null;
  readonly #inline: TaskRunner | null;
  readonly #assembler: AlertAssembler;
  readonly #setCount: number;
  /** Tasks not yet answered, so a worker failing outside a task (its module can't load) can't leave them waiting forever. */
  readonly #waiting = new Set<(reply: WorkerReply) => void>();
  #broken: FailedReply | null = null;
  #inFlight = 0;
  #peakInFlight = 0;
  #isClosed = false;

  constructor(options: DetectorPoolOptions) {
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be a whole number (0: no threads), got ${workers}`);
    const maxInFlight = options.maxInFlight ?? 2 * Math.max(1, workers);
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    if (options.ruleSets.length === 0) throw new RangeError('a detector pool needs at least one rule set');
    const young = options.youngGenerationMb;
    if (young !== undefined && !(Number.isFinite(young) && young > 0)) throw new RangeError(`youngGenerationMb must be a positive number of MB, got ${young}`);
    this.workers = workers;
    this.maxInFlight = maxInFlight;
    this.#setCount = options.ruleSets.length;
    this.#assembler = new AlertAssembler(options.ruleSets, options.correlator ?? null);
    const report = {
      correlationFields: this.#assembler.correlationFields,
      timeField: options.timeField ?? null,
      ...(options.sources === undefined ? {} : { sources: options.sources }),
    };
    const wireSets = options.ruleSets.map((s) => ({ rules: s.rules, events: s.events ?? 'all' }));
    if (workers === 0) {
      this.#piscina = null;
      this.#inline = createTaskRunner(encodeWorkerConfig(wireSets, report, { withConditions: false }), (set) =>
        (options.ruleSets[set] as DetectorRuleSet).rules,
      );
      return;
    }
    this.#inline = null;
    const startAll = options.startAllWorkers === true;
    // The workers start now; the conditions follow, written into shared memory by this
    // thread: set 0 right away, the others when a worker asks (see writeConditions).
    const shared = encodeSharedWorkerConfig(wireSets, report);
    const workerData: WorkerConfig = { ...shared.config, ...(startAll ? { compileAtStart: true } : {}) };
    const piscina = new Piscina({
      filename: workerFile(),
      name: WORKER_HANDLER,
      // Threads start as work arrives: a small input (one chunk) never pays for starting a
      // second thread, which on a 2-core machine slowed its only busy worker down (a
      // one-event hunt with the SigmaHQ rules and --workers 2: 4.1 s with both threads
      // started up front, 3.7 s with one). A started thread stays until close().
      minThreads: startAll ? workers : 1,
      maxThreads: workers,
      idleTimeout: Infinity,
      // Never more than maxInFlight tasks are submitted; the queue bound is a second guard.
      maxQueue: maxInFlight,
      workerData,
      ...(options.youngGenerationMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: options.youngGenerationMb } }),
    });
    piscina.on('error', (error: unknown) => this.#fail(error));
    this.#piscina = piscina;
    this.#writeConditions(shared);
  }

  /** The pool cannot go on: every task waiting and every later one gets this failure. */
  #fail(error: unknown): void {
    this.#broken = failedReply(error);
    for (const answer of this.#waiting) answer(this.#broken);
    this.#waiting.clear();
  }

  /**
   * Serializes the rule sets' conditions for the workers on this thread's event loop, so
   * that reading input and submitting the first chunks go on meanwhile: set 0 (the windows
   * set of `hunt`) on the next turn, every other set when a worker first asks for it (a
   * Windows log never needs the others). Waiting for a worker to ask does not keep the
   * process alive.
   */
  #writeConditions(shared: ReturnType<typeof encodeSharedWorkerConfig>): void {
    const writeSet = (index: number): void => {
      try {
        shared.write(index);
      } catch (error) {
        this.#fail(error);
      }
    };
    setImmediate(writeSet, 0);
    for (let index = 1; index < shared.config.ruleSets.length; index++) shared.whenWanted(index, () => writeSet(index));
  }

  /** Worker threads started so far: they start as work arrives, up to {@link workers}. */
  get startedWorkers(): number {
    return this.#piscina?.threads.length ?? 0;
  }

  /** Correlation alerts given out so far. */
  get correlationAlerts(): number {
    return this.#assembler.correlationAlerts;
  }

  /**
   * End of a bounded input: the correlation alerts still held (matches within the allowed
   * lateness of the newest event). Not called when the stream goes on in a later run (state saved).
   */
  finish(): EngineAlert[] {
    const out: EngineAlert[] = [];
    this.#assembler.finish(out);
    return out;
  }

  /** Chunks or batches submitted and not yet handed out. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most that were ever in flight at once (never more than {@link maxInFlight}). */
  get peakInFlight(): number {
    return this.#peakInFlight;
  }

  /**
   * Parses and evaluates raw chunks in the workers and yields what each gave, in input
   * order. Bad records of a chunk (from splitting and from parsing) come merged in file
   * order, and the per-file limit on invalid records in a row is applied exactly as
   * readRecords does; when it is reached, the stream's `stopFile` is called and the rest
   * of that file is dropped. Throws (naming the file and records) if a worker fails.
   *
   * @example
   * for await (const r of pool.detect(readRawRecords(inputs))) { report(r.bad); write(r.alerts); }
   */
  async *detect(chunks: AsyncIterable<RawChunk> | RawRecordStream): AsyncGenerator<ChunkDetections> {
    const stream = chunks as Partial<RawRecordStream>;
    let file = Number.NaN;
    let limit = new BadRunLimit();
    let stoppedFile = Number.NaN;
    /** Records of the current file before this chunk (EVTX records are numbered here, in file order). */
    let evtxRecords = 0;
    const toTask = (chunk: RawChunk): RecordsTask | EvtxTask | null => {
      if (chunk.file === stoppedFile) return null;
      const evtx = chunk.evtx;
      if (evtx !== undefined) return { kind: 'evtx', bytes: chunk.bytes, ends: evtx.ends, first: evtx.first, claimedChunks: evtx.claimedChunks };
      if (chunk.count === 0) return null;
      const task = { kind: 'records', count: chunk.count, bytes: chunk.bytes, ends: chunk.ends, lines: chunk.lines } as const;
      return chunk.text === undefined ? task : { ...task, text: chunk.text, ...(chunk.header === undefined ? {} : { header: chunk.header }) };
    };
    const finish = (chunk: RawChunk, reply: WorkerReply): ChunkDetections | null => {
      if (reply.kind === 'failed') throw workerError(reply, chunk);
      if (chunk.file !== file) {
        file = chunk.file;
        limit = new BadRunLimit();
        evtxRecords = 0;
      }
      if (reply.kind === 'evtx') {
        const detections = this.#evtxDetections(chunk, reply, evtxRecords);
        evtxRecords += reply.recordCount;
        return detections;
      }
      if (reply.kind !== 'records') throw new Error(`detector pool: expected a records reply, got ${reply.kind}`);
      if (chunk.file === stoppedFile) return null;
      const result = this.#detections(chunk, chunk.count === 0 ? NO_RECORDS : reply, limit);
      // The alerts hold strings, nothing a view of the chunk's bytes: the next chunk reuses them.
      if (chunk.count > 0) recycleChunkBuffer(reply.bytes);
      if (result.isStopped) {
        stoppedFile = chunk.file;
        stream.stopFile?.(chunk.file);
      }
      return result.detections;
    };
    yield* this.#ordered(chunks, toTask, finish);
  }

  /**
   * Evaluates batches built elsewhere (BatchBuilder over the rule set's `plan.fields`)
   * in the workers: each goes as Arrow IPC bytes (`encodeBatch`; bytes given are copied,
   * never taken from the caller), is rebuilt with `EventBatch.fromArrow`, and its
   * `evaluateBatch` matches come back, in input order. Rule indexes are within the set.
   *
   * @example
   * for await (const m of pool.evaluateArrowBatches(batches, { ruleSet: 0 })) total += m.count;
   */
  async *evaluateArrowBatches(
    batches: AsyncIterable<EventBatch | Uint8Array> | Iterable<EventBatch | Uint8Array>,
    options: { readonly ruleSet?: number } = {},
  ): AsyncGenerator<BatchMatches> {
    const ruleSet = options.ruleSet ?? 0;
    if (!Number.isInteger(ruleSet) || ruleSet < 0 || ruleSet >= this.#setCount) throw new RangeError(`no rule set ${ruleSet} in this pool`);
    const toTask = (batch: EventBatch | Uint8Array): ArrowTask => ({
      kind: 'arrow',
      ruleSet,
      // A copy of our own (also of a Node Buffer, whose slice() would be a view of the caller's
      // memory), written into a buffer an earlier batch's reply gave back when one fits.
      ipc: batch instanceof Uint8Array ? copyOf(batch) : encodeBatch(batch),
    });
    const finish = (_batch: EventBatch | Uint8Array, reply: WorkerReply): BatchMatches => {
      if (reply.kind === 'failed') throw workerError(reply, null);
      if (reply.kind !== 'arrow') throw new Error(`detector pool: expected an arrow reply, got ${reply.kind}`);
      recycleChunkBuffer(reply.ipc);
      return { ruleIndexes: reply.ruleIndexes, rows: reply.rows, count: reply.count };
    };
    yield* this.#ordered(batches, toTask, finish);
  }

  /** Waits for running tasks and stops the workers. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.#piscina?.close();
  }

  /**
   * Submits inputs while fewer than maxInFlight are pending, and hands results out in
   * submission order. Inputs are only pulled when there is room, so a slow consumer
   * slows the reader down instead of piling chunks up.
   */
  async *#ordered<I, O>(
    inputs: AsyncIterable<I> | Iterable<I>,
    toTask: (input: I) => WorkerTask | null,
    finish: (input: I, reply: WorkerReply) => O | null,
  ): AsyncGenerator<O> {
    if (this.#isClosed) throw new Error('detector pool is closed');
    const iterator: AsyncIterator<I> | Iterator<I> =
      Symbol.asyncIterator in inputs ? inputs[Symbol.asyncIterator]() : inputs[Symbol.iterator]();
    const pending: { readonly input: I; readonly reply: Promise<WorkerReply> }[] = [];
    let isEnd = false;
    /** The read still waiting for input (a live source can stay silent for long). */
    let reading: Promise<IteratorResult<I>> | null = null;
    try {
      for (;;) {
        while (!isEnd && pending.length < this.maxInFlight) {
          reading ??= Promise.resolve(iterator.next());
          // A result that is ready never waits for more input (a live source may not send any soon).
          if (pending.length > 0 && (await firstSettled(reading, (pending[0] as { reply: Promise<WorkerReply> }).reply)) === 1) break;
          const next = await reading;
          reading = null;
          if (next.done === true) {
            isEnd = true;
            break;
          }
          const task = toTask(next.value);
          pending.push({ input: next.value, reply: task === null ? Promise.resolve(NO_RECORDS) : this.#run(task) });
          this.#inFlight++;
          if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
        }
        const head = pending.shift();
        if (head === undefined) return;
        const reply = await head.reply;
        this.#inFlight--;
        const out = finish(head.input, reply);
        if (out !== null) yield out;
      }
    } finally {
      // Abandoned (consumer broke out, or a worker failed): replies still due are dropped.
      this.#inFlight -= pending.length;
      // A read still waiting on a live source would hold return() back until input comes.
      if (reading === null) await iterator.return?.();
      else void reading.then(() => iterator.return?.()).catch(ignore);
    }
  }

  /** Never rejects: failures come back as FailedReply. (No Promise.race with a long-lived promise: each race would keep its reply reachable.) */
  #run(task: WorkerTask): Promise<WorkerReply> {
    if (this.#broken !== null) return Promise.resolve(this.#broken);
    if (this.#inline !== null) return Promise.resolve(this.#inline(task));
    const piscina = this.#piscina as Piscina;
    return new Promise<WorkerReply>((resolve) => {
      const answer = (reply: WorkerReply): void => {
        if (this.#waiting.delete(answer)) resolve(reply);
      };
      this.#waiting.add(answer);
      piscina.run(task, { transferList: taskTransferList(task) }).then(
        (reply: unknown) => answer(reply as WorkerReply),
        (error: unknown) => answer(failedReply(error)),
      );
    });
  }

  /** Merges a chunk's bad records in file order, applies the bad-run limit and builds its alerts. */
  #detections(chunk: RawChunk, reply: RecordsReply, limit: BadRunLimit): { detections: ChunkDetections; isStopped: boolean } {
    const count = chunk.count;
    const bad: BadRecord[] = [];
    let stopAt = count; // records from here on are dropped (the file was given up on)
    let failures = 0;
    let isStopped = false;
    const splitBad = chunk.bad;
    const parseBad = reply.badAt;
    if (splitBad.length === 0 && parseBad.length === 0) {
      if (count > 0) limit.good();
    } else {
      let s = 0;
      let p = 0;
      let next = 0; // first record not yet known to be good or bad
      while (s < splitBad.length || p < parseBad.length) {
        // A splitting problem at position `at` came before record `at` was even split off.
        const isSplit = s < splitBad.length && (p >= parseBad.length || (chunk.badAt[s] as number) <= (parseBad[p] as number));
        let at: number;
        let report: BadRecord;
        if (isSplit) {
          at = chunk.badAt[s] as number;
          report = splitBad[s] as BadRecord;
          s++;
        } else {
          at = parseBad[p] as number;
          report = Object.freeze({
            path: chunk.path,
            record: chunk.records[at] as number,
            line: chunk.lines[at] as number,
            code: reply.badCodes[p] as 'bad-json' | 'not-object' | 'bad-line',
            message: reply.badMessages[p] as string,
          });
          p++;
          failures++;
        }
        if (at > next) limit.good(); // records next..at-1 parsed to objects
        next = isSplit ? at : at + 1;
        bad.push(report);
        const stop = limit.bad(report.code, report.record);
        if (stop !== null) {
          bad.push(Object.freeze({ path: chunk.path, record: 0, line: 0, code: 'io', message: stop }));
          stopAt = next;
          isStopped = true;
          break;
        }
      }
      if (!isStopped && next < count) limit.good();
    }
    return {
      detections: { path: chunk.path, file: chunk.file, events: stopAt - failures, alerts: this.#alerts(chunk, reply, stopAt), bad, unrecognized: reply.unrecognized },
      isStopped,
    };
  }

  /** An EVTX chunk's detections: damage found here and in the worker merged in file order; records numbered from `before + 1`. */
  #evtxDetections(chunk: RawChunk, reply: EvtxReply, before: number): ChunkDetections {
    const bad: BadRecord[] = [];
    let s = 0;
    for (let d = 0; d < reply.damageChunk.length; d++) {
      // What this thread found before EVTX chunk k (the file header) comes before chunk k's damage.
      while (s < chunk.bad.length && (chunk.badAt[s] as number) <= (reply.damageChunk[d] as number)) bad.push(chunk.bad[s++] as BadRecord);
      bad.push(Object.freeze({ path: chunk.path, record: 0, line: 0, code: 'bad-evtx', message: reply.damageMessages[d] as string }));
    }
    while (s < chunk.bad.length) bad.push(chunk.bad[s++] as BadRecord);
    const alerts: EngineAlert[] = [];
    const matches = reply.matches;
    const assembler = this.#assembler;
    let last = -1;
    let t = -1;
    let v = 0;
    let source = { path: chunk.path, record: 0 };
    for (let j = 0; j < matches.length; j += 2) {
      const index = matches[j] as number;
      const rule = matches[j + 1] as number;
      if (index !== last) {
        t++;
        source = { path: chunk.path, record: before + index + 1 };
        last = index;
      }
      const values = assembler.correlationFields[rule] === null ? null : (reply.fieldValues[v++] ?? null);
      assembler.match(rule, source, reply.timestamps[t] ?? null, reply.events[t] ?? null, values, alerts);
    }
    return { path: chunk.path, file: chunk.file, events: reply.recordCount, alerts, bad, unrecognized: reply.unrecognized };
  }

  #alerts(chunk: RawChunk, reply: RecordsReply, stopAt: number): EngineAlert[] {
    const matches = reply.matches;
    const alerts: EngineAlert[] = [];
    if (matches.length === 0) return alerts;
    const assembler = this.#assembler;
    const text = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
    const ends = chunk.ends;
    let last = -1;
    let t = -1;
    let v = 0;
    let event: Record<string, unknown> | null = null;
    let parseLine: ((line: string) => unknown) | null = null;
    let timestamp: string | null = null;
    let source = { path: chunk.path, record: 0 };
    for (let j = 0; j < matches.length; j += 2) {
      const index = matches[j] as number;
      if (index >= stopAt) break;
      const rule = matches[j + 1] as number;
      if (index !== last) {
        t++;
        timestamp = reply.timestamps[t] ?? null;
        source = { path: chunk.path, record: chunk.records[index] as number };
        event = null;
        last = index;
      }
      // The worker parsed this text already; parsing again here is only for records that alert.
      if (event === null && assembler.alerts(rule)) {
        const line = text.toString('utf8', index === 0 ? 0 : (ends[index - 1] as number), ends[index] as number);
        parseLine ??= chunk.text === undefined ? JSON.parse : lineParser(chunk.text, chunk.header ?? null);
        event = parseLine(line) as Record<string, unknown>;
      }
      const values = assembler.correlationFields[rule] === null ? null : (reply.fieldValues[v++] ?? null);
      assembler.match(rule, source, timestamp, event, values, alerts);
    }
    return alerts;
  }
}

/** Creates a detector pool; its workers start (and compile the rules) right away. */
export function createDetectorPool(options: DetectorPoolOptions): DetectorPool {
  return new DetectorPool(options);
}

/**
 * The worker entry as JavaScript. From dist this is the sibling worker.js. Under vitest the
 * pool itself runs from src/*.ts, but worker threads can't load TypeScript, so it points at
 * the build output: tests that use the pool need `npx turbo run build` first (`npm test`
 * builds before it runs vitest).
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts') ? resolve(dirname(here), '../../dist/pool/worker.js') : resolve(dirname(here), 'worker.js');
  if (!existsSync(file)) throw new Error(`detector pool: worker script ${file} not found; build @siemlite/core first (npx turbo run build)`);
  return file;
}

/**
 * 0 if `a` settles first, 1 if `b` does (ties: `a`); never rejects. A Promise.race on
 * promises that both settle soon: the pool races one read against the head reply.
 */
function firstSettled(a: Promise<unknown>, b: Promise<unknown>): Promise<0 | 1> {
  return Promise.race([a.then(zero, zero), b.then(one, one)]);
}

function zero(): 0 {
  return 0;
}

function one(): 1 {
  return 1;
}

function ignore(): void {
  // The pool was abandoned; a late read's outcome does not matter.
}

function failedReply(error: unknown): FailedReply {
  const isError = error instanceof Error;
  return { kind: 'failed', message: isError ? error.message : String(error), stack: isError ? (error.stack ?? null) : null };
}

/** A worker failure as an error that names the chunk, with the worker's stack for a bug report. */
function workerError(reply: FailedReply, chunk: RawChunk | null): Error {
  let where = 'a batch';
  if (chunk !== null) {
    const first = chunk.records[0];
    const last = chunk.records[chunk.count - 1];
    where = first === undefined ? chunk.path : `${chunk.path}, records ${first}-${last}`;
    if (chunk.evtx !== undefined) where = `${chunk.path}, EVTX chunks ${chunk.evtx.first}-${chunk.evtx.first + chunk.evtx.count - 1}`;
  }
  const error = new Error(`detector pool: a worker failed on ${where}: ${reply.message}`);
  if (reply.stack !== null) error.stack = `${error.message}\n--- in the worker:\n${reply.stack}`;
  return error;
}

/** `bytes` copied into a buffer of their own (a recycled one when one fits), as a view of exactly their length. */
function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = takeChunkBuffer(bytes.length).subarray(0, bytes.length);
  copy.set(bytes);
  return copy;
}
