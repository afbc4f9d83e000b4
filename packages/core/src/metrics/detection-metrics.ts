// SecOps numbers of a detection run: events in, bad records, alerts by rule and level,
// detection lag (alert wall time minus event time) as p50/p95/p99, and the pool's queue
// depth; rendered as Prometheus text (exposition format 0.0.4) and as summary lines.
import type { EngineAlert } from '../alert/alert.js';
import type { RawChunk, RawRecordStream } from '../io/read-raw-records.js';

/** Sub-buckets per power of two: a quantile is reported within 2^(1/8) - 1 ≈ 9% of the truth. */
const SUB = 8;
/** Up to 2^42 ms (about 139 years): older event times land in the last bucket. */
const BUCKETS = 42 * SUB + 1;

/** A log-scale histogram of milliseconds: fixed memory, no allocation per value. */
export class LagHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sum = 0;

  add(ms: number): void {
    const v = ms < 1 ? 1 : ms;
    const i = Math.min(BUCKETS - 1, Math.floor(Math.log2(v) * SUB));
    this.#counts[i]!++;
    this.#count++;
    this.#sum += ms < 0 ? 0 : ms;
  }

  get count(): number {
    return this.#count;
  }

  /** Sum of the values in ms (negative lags, from clock skew, count as 0). */
  get sum(): number {
    return this.#sum;
  }

  /** The q-quantile in ms (upper bound of its bucket), or null with no values. */
  quantile(q: number): number | null {
    if (this.#count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return i === 0 ? 1 : 2 ** ((i + 1) / SUB);
    }
    return null;
  }
}

interface RuleCount {
  readonly id: string;
  readonly title: string;
  readonly level: string;
  count: number;
}

const MAX_MARKS = 4096;

/** The quantiles of detection lag that `prometheus()` and `summaryLines()` report. */
export const LAG_QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * The numbers of one detection run (events, bad records, alerts by rule and level, detection
 * and read-to-write lag, the pool's queue depth), fed by `addAlerts`, `watchReads` and
 * `watchQueue`, read as Prometheus text (`prometheus()`) or summary lines.
 */
export class DetectionMetrics {
  events = 0;
  badRecords = 0;
  /** Detection lag: alert wall time minus event time (alerts with an event time only). */
  readonly lag = new LagHistogram();
  /** Read-to-write lag: alert wall time minus when the chunk holding its event was read. */
  readonly readLag = new LagHistogram();
  /** Chunks read, oldest first from #head: path, last record number, read time. */
  #marks: { readonly path: string; readonly last: number; readonly time: number }[] = [];
  #head = 0;
  readonly #byRule = new Map<string, RuleCount>();
  #inFlight: () => number = () => 0;
  #peakInFlight: () => number = () => 0;

  /** Where the queue depth is read from (e.g. a DetectorPool's inFlight and peakInFlight). */
  watchQueue(inFlight: () => number, peak: () => number): void {
    this.#inFlight = inFlight;
    this.#peakInFlight = peak;
  }

  /**
   * Wraps a raw record stream to note when each chunk was read (for readLag). At most
   * MAX_MARKS chunks are remembered: far more than a pool keeps in flight.
   */
  watchReads(stream: RawRecordStream): RawRecordStream {
    const note = (chunk: RawChunk): void => this.#noteRead(chunk);
    async function* noted(): AsyncGenerator<RawChunk> {
      for await (const chunk of stream) {
        note(chunk);
        yield chunk;
      }
    }
    return { [Symbol.asyncIterator]: () => noted(), stopFile: (file) => stream.stopFile(file) };
  }

  #noteRead(chunk: RawChunk): void {
    if (chunk.count === 0) return;
    const marks = this.#marks;
    marks.push({ path: chunk.path, last: chunk.records[chunk.count - 1] ?? 0, time: Date.now() });
    if (marks.length - this.#head > MAX_MARKS) this.#head = marks.length - MAX_MARKS;
    if (this.#head > MAX_MARKS) {
      marks.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Counts alerts written at wall time `now` (ms since the epoch). */
  addAlerts(alerts: readonly EngineAlert[], now = Date.now()): void {
    for (const a of alerts) {
      let entry = this.#byRule.get(a.rule.key);
      if (entry === undefined) {
        entry = { id: a.rule.id ?? a.rule.key, title: a.rule.title, level: a.rule.level ?? 'none', count: 0 };
        this.#byRule.set(a.rule.key, entry);
      }
      entry.count++;
      if (a.type === 'match') {
        // Alerts come in input order: the chunks before this alert's are done.
        const marks = this.#marks;
        while (this.#head < marks.length && (marks[this.#head]!.path !== a.source.path || marks[this.#head]!.last < a.source.record)) this.#head++;
        if (this.#head < marks.length) this.readLag.add(now - marks[this.#head]!.time);
      }
      if (a.timestamp !== null) {
        const t = Date.parse(a.timestamp);
        if (!Number.isNaN(t)) this.lag.add(now - t);
      }
    }
  }

  get alerts(): number {
    let n = 0;
    for (const r of this.#byRule.values()) n += r.count;
    return n;
  }

  /** Prometheus text exposition. */
  prometheus(): string {
    const out: string[] = [
      '# HELP siemlite_events_total Events read and evaluated.',
      '# TYPE siemlite_events_total counter',
      `siemlite_events_total ${this.events}`,
      '# HELP siemlite_bad_records_total Records skipped as bad (invalid JSON or UTF-8, oversized).',
      '# TYPE siemlite_bad_records_total counter',
      `siemlite_bad_records_total ${this.badRecords}`,
      '# HELP siemlite_alerts_total Alerts written, by rule and level.',
      '# TYPE siemlite_alerts_total counter',
    ];
    for (const r of this.#byRule.values()) out.push(`siemlite_alerts_total{rule_id="${label(r.id)}",rule_title="${label(r.title)}",level="${label(r.level)}"} ${r.count}`);
    out.push(
      '# HELP siemlite_detection_lag_seconds Alert wall time minus event time.',
      '# TYPE siemlite_detection_lag_seconds summary',
    );
    for (const q of LAG_QUANTILES) {
      const v = this.lag.quantile(q);
      out.push(`siemlite_detection_lag_seconds{quantile="${q}"} ${v === null ? 'NaN' : v / 1000}`);
    }
    out.push(
      `siemlite_detection_lag_seconds_sum ${this.lag.sum / 1000}`,
      `siemlite_detection_lag_seconds_count ${this.lag.count}`,
      '# HELP siemlite_read_to_alert_seconds Alert wall time minus when its event was read.',
      '# TYPE siemlite_read_to_alert_seconds summary',
      ...LAG_QUANTILES.map((q) => {
        const v = this.readLag.quantile(q);
        return `siemlite_read_to_alert_seconds{quantile="${q}"} ${v === null ? 'NaN' : v / 1000}`;
      }),
      `siemlite_read_to_alert_seconds_sum ${this.readLag.sum / 1000}`,
      `siemlite_read_to_alert_seconds_count ${this.readLag.count}`,
      '# HELP siemlite_queue_in_flight Chunks submitted to the detector pool and not yet handed out.',
      '# TYPE siemlite_queue_in_flight gauge',
      `siemlite_queue_in_flight ${this.#inFlight()}`,
      '# HELP siemlite_queue_in_flight_peak The most chunks ever in flight at once.',
      '# TYPE siemlite_queue_in_flight_peak gauge',
      `siemlite_queue_in_flight_peak ${this.#peakInFlight()}`,
    );
    return `${out.join('\n')}\n`;
  }

  /** The summary lines: detection lag quantiles and the peak queue depth. */
  summaryLines(): string[] {
    const q = (h: LagHistogram): string => LAG_QUANTILES.map((x) => `p${Math.round(x * 100)} ${formatMs(h.quantile(x))}`).join(', ');
    return [
      `detection lag (alert time - event time, ${this.lag.count} alerts): ${q(this.lag)}; read to alert: ${q(this.readLag)}; peak queue depth ${this.#peakInFlight()} chunks`,
    ];
  }
}

/** Prometheus label value escaping: backslash, double quote, newline. */
function label(s: string): string {
  return s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n');
}

function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 172_800_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 86_400_000).toFixed(0)} d`;
}
