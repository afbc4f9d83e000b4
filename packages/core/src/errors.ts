/**
 * A position in a source file. Lines and columns are 1-based, as editors show them.
 *
 * @example
 * const at: SourceLocation = { file: 'rules/x.yml', line: 12, column: 5 };
 */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Stable error codes. Tests assert these, never the message text.
 */
export type ErrorCode =
  | 'io'
  | 'yaml-syntax'
  | 'yaml-duplicate-key'
  | 'yaml-alias'
  | 'yaml-too-large'
  | 'empty-document'
  | 'schema'
  | 'unknown-key'
  | 'duplicate-id'
  | 'condition-syntax'
  | 'condition-unknown-identifier'
  | 'unknown-modifier'
  | 'modifier-type'
  | 'modifier-order'
  | 'invalid-regex'
  | 'unsafe-regex'
  | 'invalid-cidr'
  | 'unknown-placeholder'
  | 'unknown-reference'
  | 'collection-action'
  | 'pipeline'
  | 'unsupported';

/** Severity of a diagnostic: errors reject the rule, warnings only inform. */
export type Severity = 'error' | 'warning';

/**
 * Plain record of an error, safe to send across worker threads and to print as JSON.
 * Structured clone drops subclasses, so errors travel in this form.
 */
export interface ErrorRecord {
  readonly code: ErrorCode;
  readonly message: string;
  readonly severity: Severity;
  readonly location: SourceLocation | null;
  /** The id (or name) of the rule the error belongs to, when known. */
  readonly ruleId: string | null;
}

/**
 * Root of every error siemlite raises on purpose. Carries a stable code and, where
 * the error comes from a file, the location.
 */
export class SiemliteError extends Error {
  readonly code: ErrorCode;
  readonly location: SourceLocation | null;
  readonly severity: Severity;
  readonly ruleId: string | null;

  constructor(
    code: ErrorCode,
    message: string,
    location: SourceLocation | null = null,
    options: { readonly cause?: unknown; readonly severity?: Severity; readonly ruleId?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SiemliteError';
    this.code = code;
    this.location = location;
    this.severity = options.severity ?? 'error';
    this.ruleId = options.ruleId ?? null;
  }

  /** The plain, clonable form of this error. */
  toRecord(): ErrorRecord {
    return errorRecord(this.code, this.message, this.location, this.ruleId, this.severity);
  }
}

/** Builds a frozen {@link ErrorRecord}. */
export function errorRecord(
  code: ErrorCode,
  message: string,
  location: SourceLocation | null,
  ruleId: string | null = null,
  severity: Severity = 'error',
): ErrorRecord {
  return Object.freeze({ code, message, severity, location, ruleId });
}

/** Formats a location as `file:line:col`, the form compilers and editors understand. */
export function formatLocation(location: SourceLocation | null): string {
  if (location === null) return '<unknown>';
  return `${location.file}:${location.line}:${location.column}`;
}
