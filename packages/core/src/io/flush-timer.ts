// Live sources (stdin, followed files) can stay silent for long. Records they sent must not
// wait in a partly filled chunk until it fills: a chunk that holds records leaves at most
// `flushIntervalMs` after its first bytes arrived (like Kafka's linger.ms). Reads of a
// bounded file never wait, so readers only use this for live sources.
import { setTimeout as sleep } from 'node:timers/promises';

/** Default `flushIntervalMs`: a partly filled chunk of a live source waits at most this long. */
export const DEFAULT_FLUSH_INTERVAL_MS = 200;

/** What {@link FlushTimer.wait} gives when the chunk is due before the read finished. */
export const FLUSH_DUE: unique symbol = Symbol('flush due');

/** `value`, or `fallback` when undefined; throws RangeError unless a whole number of milliseconds, 1 or more. @internal */
export function flushInterval(value: number | undefined, fallback: number = DEFAULT_FLUSH_INTERVAL_MS): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`flushIntervalMs must be a whole number of milliseconds, 1 or more, got ${value}`);
  return value;
}

/**
 * The deadline of the partly filled chunk of one live source.
 * @internal
 *
 * @example
 * const timer = new FlushTimer(200);
 * const next = await timer.wait(read); // FLUSH_DUE: hand out the partial chunk now
 */
export class FlushTimer {
  readonly #ms: number;
  #deadline = Number.POSITIVE_INFINITY;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Bytes were pushed: the records they hold must leave within the interval (the clock starts unless running). */
  added(): void {
    if (this.#deadline === Number.POSITIVE_INFINITY) this.#deadline = performance.now() + this.#ms;
  }

  /** The partial chunk was handed out (or nothing is held): no deadline. */
  flushed(): void {
    this.#deadline = Number.POSITIVE_INFINITY;
  }

  /** True when the deadline has passed. */
  get isDue(): boolean {
    return performance.now() >= this.#deadline;
  }

  /** Milliseconds until the deadline (Infinity without one). */
  get remainingMs(): number {
    return this.#deadline - performance.now();
  }

  /** `read`'s value, or {@link FLUSH_DUE} if the deadline comes first (the read stays pending: wait on it again). */
  async wait<T>(read: Promise<T>): Promise<T | typeof FLUSH_DUE> {
    const remaining = this.remainingMs;
    if (remaining === Number.POSITIVE_INFINITY) return read;
    if (remaining <= 0) return FLUSH_DUE;
    const abort = new AbortController();
    try {
      return await Promise.race([read, sleep(Math.ceil(remaining), FLUSH_DUE, { signal: abort.signal, ref: false })]);
    } finally {
      abort.abort(); // the timer must not outlive the read
    }
  }
}
