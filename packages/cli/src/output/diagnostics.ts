// Prints diagnostics the way compilers do: `file:line:col: code: message`, optionally
// followed by the source line and a caret under the column.
import { readFileSync } from 'node:fs';
import type { ErrorRecord } from '@siemlite/core';

export function formatDiagnostic(e: ErrorRecord): string {
  const where = e.location === null ? '<unknown>' : `${e.location.file}:${e.location.line}:${e.location.column}`;
  const severity = e.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${severity}${e.code}: ${e.message}`;
}

/** Adds the source line and a caret under the column; reads each file once. */
export class SourceExcerpts {
  readonly #cache = new Map<string, readonly string[] | null>();

  excerpt(e: ErrorRecord): string | null {
    const loc = e.location;
    if (loc === null) return null;
    let lines = this.#cache.get(loc.file);
    if (lines === undefined) {
      try {
        lines = readFileSync(loc.file, 'utf8').split(/\r?\n/);
      } catch {
        // An unreadable file already has its own diagnostic; the excerpt is optional.
        lines = null;
      }
      this.#cache.set(loc.file, lines);
    }
    const line = lines?.[loc.line - 1];
    if (line === undefined || line.length > 300) return null;
    const pad = line.slice(0, Math.max(0, loc.column - 1)).replace(/[^\t]/g, ' ');
    return `    ${line}\n    ${pad}^`;
  }
}
