/**
 * What a text-format parser returns for one line: the record, or a failure located by
 * 1-based column so the reader can report `file:line:column` and keep going.
 */
export type LineRecord = Record<string, unknown>;

/** A text-format parser's answer for one line: `{ ok: true, record }`, or the 1-based column and reason it failed. */
export type LineResult =
  | { readonly ok: true; readonly record: LineRecord }
  | { readonly ok: false; readonly column: number; readonly reason: string };

/** Lines longer than this are rejected whole (a bad record), never truncated silently. */
export const MAX_LINE_CHARS = 65_536;

export function lineFailure(column: number, reason: string): LineResult {
  return { ok: false, column, reason };
}

export function lineRecord(record: LineRecord): LineResult {
  return { ok: true, record };
}

/** The common first check of every parser: empty and oversized lines fail at column 1. */
export function checkLine(line: string): LineResult | null {
  if (line.length === 0) return lineFailure(1, 'empty line');
  if (line.length > MAX_LINE_CHARS) return lineFailure(1, `line longer than ${MAX_LINE_CHARS} characters`);
  return null;
}
