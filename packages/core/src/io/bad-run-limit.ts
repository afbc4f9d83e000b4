import type { BadRecordCode } from './record-types.js';

/** Stop a file after this many invalid records in a row before any valid one. */
const MAX_BAD_BEFORE_FIRST_GOOD = 100;

/**
 * Decides when a file is given up on because its records keep failing: a file whose
 * first 100 records are all invalid is not JSON (a text log, a binary file that slipped
 * past format detection), so it costs 100 reports instead of millions. Once a file has
 * given one valid record it is JSON and is read to its end: garbage inside it (binary
 * lines, NUL blocks left by a crash or a full disk) costs only the bad records, each
 * reported, however many there are in a row (there used to be a stop after 1,000 invalid
 * records in a row, which lost every good record after a long garbage block).
 * One instance per file, fed every record in file order.
 *
 * Kept apart from the splitter because with `readRawRecords` JSON errors are only known
 * after the workers parsed the records: the pool applies the same limit to the merged,
 * ordered outcome, and the files stop at exactly the same record as with `readRecords`.
 * @internal
 *
 * @example
 * const limit = new BadRunLimit();
 * limit.good();
 * const stop = limit.bad('bad-json', 7); // null until a limit is reached, then the message to report
 */
export class BadRunLimit {
  #hasGood = false;
  #consecutiveBad = 0;

  /** A record that parsed to an object. */
  good(): void {
    this.#consecutiveBad = 0;
    this.#hasGood = true;
  }

  /**
   * A reported problem. `too-large` and problems that are not one record's (`record` 0)
   * are no evidence that the file isn't JSON and don't count. Returns the message of the
   * `io` report that stops the file, or null.
   */
  bad(code: BadRecordCode, record: number): string | null {
    if (code === 'too-large' || record === 0) return null;
    this.#consecutiveBad++;
    if (!this.#hasGood && this.#consecutiveBad >= MAX_BAD_BEFORE_FIRST_GOOD) {
      return `file does not look like JSON: its first ${MAX_BAD_BEFORE_FIRST_GOOD} records are all invalid; stopped reading it`;
    }
    return null;
  }
}
