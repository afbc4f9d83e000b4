// Bad records on stderr as hunt reports them: the first 20 with file and line, then a count.
import type { BadRecord } from '@siemlite/core';

const MAX_BAD_RECORDS_SHOWN = 20;

/** A bad-record callback for core's readers and the count of bad records seen. */
export function badRecordReporter(stderr: (text: string) => void, beforeLine: () => void = () => undefined): { onBadRecord: (b: BadRecord) => void; count: () => number } {
  let bad = 0;
  const onBadRecord = (b: BadRecord): void => {
    bad++;
    if (bad <= MAX_BAD_RECORDS_SHOWN) {
      beforeLine();
      stderr(`${b.path}:${b.line}: ${b.code}: ${b.message}${b.record > 0 ? ` (record ${b.record} skipped)` : ''}\n`);
    } else if (bad === MAX_BAD_RECORDS_SHOWN + 1) stderr(`(more bad records are counted in the summary)\n`);
  };
  return { onBadRecord, count: () => bad };
}
