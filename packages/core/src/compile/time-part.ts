// Calendar parts of a timestamp string as written, without time-zone conversion (§4.10).
import type { TimePart } from '../ir/values.js';

const TIMESTAMP = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?/;

/** The part, or NaN when the text is not a timestamp. `week` is the ISO-8601 week. */
export function timePart(text: string, part: TimePart): number {
  const m = TIMESTAMP.exec(text);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  switch (part) {
    case 'year':
      return year;
    case 'month':
      return month;
    case 'day':
      return day;
    case 'hour':
      return m[4] === undefined ? NaN : Number(m[4]);
    case 'minute':
      return m[5] === undefined ? NaN : Number(m[5]);
    case 'week':
      return isoWeek(year, month, day);
  }
}

function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday = 1 ... Sunday = 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // Thursday of this week decides the year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}
