// The record types every reader and decoder shares (kept apart from read-records.ts, which
// drives the reading loop, so record-splitter, bad-run-limit, expand-inputs and the EVTX
// decoder import them without an import circle).

/**
 * One event read from an input, with where it came from, so detections and errors can
 * point back at the file.
 */
export interface SourceRecord {
  /** The file as given or as found in a folder or glob; `<stdin>` for standard input. */
  readonly path: string;
  /** 1-based ordinal of the record in its file, counting bad records too. */
  readonly record: number;
  readonly value: Record<string, unknown>;
}

/** Why a record (or, with `io`, a whole file or input) was skipped. */
export type BadRecordCode = 'bad-json' | 'bad-utf8' | 'too-large' | 'not-object' | 'io' | 'bad-evtx' | 'bad-line';

/** `--input-format`: auto (told from content), json, or a text format (io/formats/text-formats.ts). */
export type InputFormat = 'auto' | 'json' | 'access-log' | 'auditd' | 'syslog' | 'cef' | 'zeek-tsv' | 'w3c' | 'csv';

/**
 * A record that was skipped, reported instead of thrown so one bad line never stops a hunt.
 * `record` and `line` are 0 when the problem is not one record's: an input that can't be
 * read, a file that is not JSON, a gzip stream cut short, an array missing its `]`.
 *
 * @example
 * { path: 'a.jsonl', record: 7, line: 9, code: 'bad-json', message: "Unexpected token '}'" }
 */
export interface BadRecord {
  readonly path: string;
  readonly record: number;
  /** 1-based line where the record starts. */
  readonly line: number;
  readonly code: BadRecordCode;
  readonly message: string;
}

/** Options of {@link readRecords}. */
export interface ReadOptions {
  /** Default 16 MiB. A longer record is reported `too-large` and streamed past, never buffered whole. */
  readonly maxRecordBytes?: number;
  /** Records per yielded chunk, default 1024. */
  readonly chunkRecords?: number;
  /** Called as soon as a bad record is found, possibly before the chunk holding the good records before it is yielded. */
  readonly onBadRecord?: (bad: BadRecord) => void;
  /** At most 4 times a second per file, plus once when a file is done. Compressed bytes for gzip. */
  readonly onProgress?: (progress: { path: string; bytesRead: number; totalBytes: number | null }) => void;
  /**
   * How files are read: `auto` (default) tells JSON, EVTX and the text formats apart by
   * content; `json` reads JSON only; a text format reads every file as lines of that format.
   */
  readonly inputFormat?: InputFormat;
  /** Standard input, for tests; default `process.stdin`. */
  readonly stdin?: NodeJS.ReadableStream;
  /**
   * Standard input is live (it may stay open and silent): records it sent leave in a partly
   * filled chunk at most this many milliseconds after they arrived. Default 200.
   */
  readonly flushIntervalMs?: number;
  /**
   * Stops reading when aborted: the file being read (stdin too) ends where it is, as if at
   * its end (what was read is still decoded and handed out); later inputs are not read.
   */
  readonly signal?: AbortSignal;
}

