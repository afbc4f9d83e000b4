// Calendar parts of a timestamp string as written, without time-zone conversion (§4.10).
import type { TimePart } from '../ir/values.js';

// The whole value must be a timestamp (date, optional time, fraction and zone); §4.10.
const TIMESTAMP = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/** The part, or NaN when the text is not a timestamp. `week` is the ISO-8601 week. */
export function timePart(text: string, part: TimePart): number {
  const m = TIMESTAMP.exec(text);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // An impossible date or time is not a timestamp (2024-13-01, 2023-02-30, 24:00).
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return NaN;
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

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday = 1 ... Sunday = 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // Thursday of this week decides the year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}
