// Event time for correlation windows and alert timestamps (DESIGN.md "Correlation": windows
// run on event time, never the wall clock). Called once per event, so parsing is hand-written
// over char codes: no regexes, no Date objects, no per-event allocation except the result
// string (STYLE.md §5).
//
// Fields, in order, and what the shared datasets carry:
// - `TimeCreated_SystemTime` (normalized evtx; 6, 7 or 9 fraction digits, always `Z`), or the
//   same attribute inside a raw `Event.System.TimeCreated` in either attribute style.
// - `@timestamp` (Mordor and CloudTrail through Logstash, `2020-06-10T02:50:56.537Z`). In
//   Mordor this is the collector's time, about 2 s after Sysmon's `UtcTime`; it still comes
//   first because it is the only zoned time on most flat records.
// - `timestamp` (auditd: epoch seconds as text, `"1604996384.965"`).
// - `eventTime` (CloudTrail as AWS writes it, `2020-09-13T17:16:47Z`).
// - `UtcTime` (Sysmon, `2019-07-19 14:46:51.883`, UTC by definition).
// - `TimeCreated` (flat Windows: ISO with `Z` in the LSASS campaigns; `2020-10-18 10:56:18.799`
//   without zone on 5,518 Mordor records that lack `@timestamp`).
// - `EventTime` (NXLog, `2020-06-09 22:50:54`).
// - `date` (web access logs, `17/May/2015:10:05:03 +0000`).
// A value that does not parse falls through to the next field; null when none parses.
//
// Decisions: the result is always `YYYY-MM-DDTHH:MM:SS.sssZ` (what `Date#toISOString` gives),
// so results sort as text and parse everywhere; finer fractions are truncated, not rounded.
// Times without a zone are read as UTC: right for Sysmon `UtcTime`, but NXLog `EventTime`
// and zone-less `TimeCreated` are the host's local time, which the record does not state.
// Numbers (and all-digit strings) are epoch times; the unit follows the magnitude: seconds
// below 1e11, then milliseconds, microseconds, nanoseconds.

import type { FieldAccessor } from './lookup-field.js';

const CANDIDATE_FIELDS: readonly string[] = [
  '@timestamp',
  'timestamp',
  'eventTime',
  'UtcTime',
  'TimeCreated',
  'EventTime',
  'date',
];

const MS_PER_DAY = 86_400_000;

/** `jan` … `dec` as three lower-case char codes packed in one number → month 1–12. */
const MONTHS: ReadonlyMap<number, number> = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
    (name, index) => [packMonth(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2)), index + 1],
  ),
);

/**
 * The event time as ISO-8601 UTC with milliseconds, from the first field that parses, or
 * null. Works on normalized evtx (`TimeCreated_SystemTime`), raw evtx JSON and the flat
 * shapes of the shared datasets (list and order at the top of this file).
 *
 * @example
 * eventTimestamp({ TimeCreated_SystemTime: '2020-06-23T09:35:56.825510000Z' }) // '2020-06-23T09:35:56.825Z'
 * eventTimestamp({ timestamp: '1604996384.965' })                            // '2020-11-10T08:19:44.965Z'
 * eventTimestamp({ date: '17/May/2015:10:05:03 +0000' })                      // '2015-05-17T10:05:03.000Z'
 *
 * With `timeField` (a compiled accessor of the field the user named: `--time-field`), only
 * that field is read, with the same value formats, and null when it is absent or unusable.
 */
export function eventTimestamp(event: Record<string, unknown>, timeField?: FieldAccessor): string | null {
  if (timeField !== undefined) return timeText(timeField(event));
  let iso = timeText(event['TimeCreated_SystemTime']);
  if (iso !== null) return iso;
  iso = timeText(rawSystemTime(event['Event']));
  if (iso !== null) return iso;
  for (let i = 0; i < CANDIDATE_FIELDS.length; i++) {
    iso = timeText(event[CANDIDATE_FIELDS[i] ?? '']);
    if (iso !== null) return iso;
  }
  return null;
}

/** `Event.System.TimeCreated` SystemTime of evtx JSON that was not normalized. */
function rawSystemTime(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return undefined;
  const system = (event as Record<string, unknown>)['System'];
  if (typeof system !== 'object' || system === null) return undefined;
  const systemObject = system as Record<string, unknown>;
  let attributes: unknown;
  const created = systemObject['TimeCreated'];
  if (typeof created === 'object' && created !== null) attributes = (created as Record<string, unknown>)['#attributes'];
  if (typeof attributes !== 'object' || attributes === null) attributes = systemObject['TimeCreated_attributes'];
  if (typeof attributes !== 'object' || attributes === null) return undefined;
  return (attributes as Record<string, unknown>)['SystemTime'];
}

function timeText(value: unknown): string | null {
  let ms = Number.NaN;
  if (typeof value === 'string') {
    // Canonical already (Logstash `@timestamp`): validate and return the same string.
    if (value.length === 24 && value.charCodeAt(23) === 90 /* Z */ && value.charCodeAt(19) === 46 /* . */) {
      ms = parseIso(value);
      if (Number.isNaN(ms)) return null;
      // A leap second (`:60`) or a `t`/space separator still needs the rewrite.
      return value.charCodeAt(10) === 84 /* T */ && value.charCodeAt(17) !== 54 /* 6 */ ? value : formatIso(ms);
    }
    ms = parseText(value);
  } else if (typeof value === 'number') {
    ms = epochMs(value);
  }
  return Number.isNaN(ms) ? null : formatIso(ms);
}

function parseText(text: string): number {
  const length = text.length;
  if (length === 0) return Number.NaN;
  const first = text.charCodeAt(0);
  if (first === 32 || text.charCodeAt(length - 1) === 32) return parseText(text.trim());
  if (length >= 10 && text.charCodeAt(4) === 45 /* - */) return parseIso(text);
  if (length >= 20 && text.charCodeAt(2) === 47 /* / */) return parseCommonLog(text);
  return parseEpochText(text);
}

/**
 * `YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fraction]]][Z|z|±HH[:]MM|±HH]`; no zone means UTC.
 */
function parseIso(text: string): number {
  const length = text.length;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  let offsetMinutes = 0;
  let at = 10;
  if (at < length) {
    const separator = text.charCodeAt(at);
    if (separator !== 84 /* T */ && separator !== 116 /* t */ && separator !== 32) return Number.NaN;
    hour = digits(text, 11, 2);
    minute = digits(text, 14, 2);
    if (hour < 0 || minute < 0 || text.charCodeAt(13) !== 58 /* : */) return Number.NaN;
    at = 16;
    if (text.charCodeAt(at) === 58) {
      second = digits(text, 17, 2);
      if (second < 0) return Number.NaN;
      at = 19;
      const mark = text.charCodeAt(at);
      if (mark === 46 /* . */ || mark === 44 /* , */) {
        at++;
        const fractionStart = at;
        while (at < length && isDigit(text.charCodeAt(at))) {
          if (at - fractionStart < 3) millisecond = millisecond * 10 + (text.charCodeAt(at) - 48);
          at++;
        }
        const fractionLength = at - fractionStart;
        if (fractionLength === 0) return Number.NaN;
        if (fractionLength === 1) millisecond *= 100;
        else if (fractionLength === 2) millisecond *= 10;
      }
    }
    if (at < length) {
      const zone = text.charCodeAt(at);
      if (zone === 90 /* Z */ || zone === 122 /* z */) {
        at++;
      } else if (zone === 43 /* + */ || zone === 45 /* - */) {
        const offset = parseOffset(text, at + 1);
        if (Number.isNaN(offset)) return Number.NaN;
        offsetMinutes = zone === 45 ? -offset : offset;
        at = length;
      } else {
        return Number.NaN;
      }
      if (at !== length) return Number.NaN;
    }
  }
  return utcMs(year, month, day, hour, minute, second, millisecond, offsetMinutes);
}

/** `HH`, `HHMM` or `HH:MM` up to the end of `text`, as minutes. */
function parseOffset(text: string, at: number): number {
  const rest = text.length - at;
  const hours = digits(text, at, 2);
  let minutes = 0;
  if (rest === 4) minutes = digits(text, at + 2, 2);
  else if (rest === 5 && text.charCodeAt(at + 2) === 58) minutes = digits(text, at + 3, 2);
  else if (rest !== 2) return Number.NaN;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return Number.NaN;
  return hours * 60 + minutes;
}

/** Apache/NCSA common log time: `17/May/2015:10:05:03 +0000`. */
function parseCommonLog(text: string): number {
  const day = digits(text, 0, 2);
  const month = MONTHS.get(packMonth(text.charCodeAt(3), text.charCodeAt(4), text.charCodeAt(5))) ?? -1;
  const year = digits(text, 7, 4);
  const hour = digits(text, 12, 2);
  const minute = digits(text, 15, 2);
  const second = digits(text, 18, 2);
  if (
    day < 0 || month < 0 || year < 0 || hour < 0 || minute < 0 || second < 0 ||
    text.charCodeAt(6) !== 47 || text.charCodeAt(11) !== 58 || text.charCodeAt(14) !== 58 ||
    text.charCodeAt(17) !== 58
  ) {
    return Number.NaN;
  }
  let offsetMinutes = 0;
  if (text.length > 20) {
    const sign = text.charCodeAt(21);
    if (text.charCodeAt(20) !== 32 || (sign !== 43 && sign !== 45)) return Number.NaN;
    const offset = parseOffset(text, 22);
    if (Number.isNaN(offset)) return Number.NaN;
    offsetMinutes = sign === 45 ? -offset : offset;
  }
  return utcMs(year, month, day, hour, minute, second, 0, offsetMinutes);
}

/** Epoch time as text: digits with at most one `.` (auditd `1604996384.965`). */
function parseEpochText(text: string): number {
  const length = text.length;
  let whole = 0;
  let wholeDigits = 0;
  let at = 0;
  while (at < length && isDigit(text.charCodeAt(at))) {
    whole = whole * 10 + (text.charCodeAt(at) - 48);
    wholeDigits++;
    at++;
  }
  if (wholeDigits === 0 || wholeDigits > 19) return Number.NaN;
  let fraction = 0; // milliseconds, when `whole` is seconds
  if (at < length) {
    if (text.charCodeAt(at) !== 46) return Number.NaN;
    at++;
    const fractionStart = at;
    while (at < length && isDigit(text.charCodeAt(at))) {
      if (at - fractionStart < 3) fraction = fraction * 10 + (text.charCodeAt(at) - 48);
      at++;
    }
    const fractionLength = at - fractionStart;
    if (at !== length || fractionLength === 0) return Number.NaN;
    if (fractionLength === 1) fraction *= 100;
    else if (fractionLength === 2) fraction *= 10;
  }
  // Whole seconds and the fraction are kept apart so `.965` stays exactly 965 ms.
  return whole < 1e11 ? checkRange(whole * 1000 + fraction) : epochMs(whole);
}

/** A JSON number as epoch time, the unit chosen by magnitude. */
function epochMs(value: number): number {
  if (!Number.isFinite(value) || value < 0) return Number.NaN;
  if (value < 1e11) return checkRange(Math.round(value * 1000));
  if (value < 1e14) return checkRange(Math.floor(value));
  if (value < 1e17) return checkRange(Math.floor(value / 1e3));
  return checkRange(Math.floor(value / 1e6));
}

/** Up to 9999-12-31T23:59:59.999Z, so the output keeps its four-digit year. */
function checkRange(ms: number): number {
  return ms >= 0 && ms < 253_402_300_800_000 ? ms : Number.NaN;
}

function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
  offsetMinutes: number,
): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 60) return Number.NaN; // 60: a leap second rolls over
  const days = daysFromCivil(year, month, day);
  const ms = days * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millisecond;
  return ms >= -62_167_219_200_000 && ms < 253_402_300_800_000 ? ms : Number.NaN;
}

function formatIso(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm; proleptic Gregorian).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const millisecond = rest - second * 1000;
  return (
    pad(year, 4) + '-' + pad(month, 2) + '-' + pad(day, 2) + 'T' + pad(hour, 2) + ':' + pad(minute, 2) + ':' +
    pad(second, 2) + '.' + pad(millisecond, 3) + 'Z'
  );
}

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The non-negative integer in `count` digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0000'.slice(0, width - text.length) + text;
}

function packMonth(a: number, b: number, c: number): number {
  return ((a | 32) << 16) | ((b | 32) << 8) | (c | 32);
}
