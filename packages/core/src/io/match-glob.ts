/**
 * The small glob dialect of `siemlite` inputs: `*` (any run of characters within one path
 * segment), `?` (one character) and `**` (a whole segment: zero or more folders). Node 20
 * has no `fs.glob`, and shells on Windows don't expand patterns, so we do.
 */

/** Whether an input uses glob syntax (and so may be expanded when no such path exists). */
export function isGlobPattern(input: string): boolean {
  return input.includes('*') || input.includes('?');
}

/**
 * Matches one path segment against one pattern segment (no `/` in either).
 *
 * @example
 * matchGlobSegment('*.json?', 'a.jsonl'); // true
 */
export function matchGlobSegment(pattern: string, name: string): boolean {
  // Iterative wildcard matching with one backtrack point: linear for `*` runs, no regex to escape.
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && (pc === 0x3f /* ? */ || pc === name.charCodeAt(n))) {
      p++;
      n++;
    } else if (p < pattern.length && pc === 0x2a /* * */) {
      starP = p++;
      starN = n;
    } else if (starP !== -1) {
      p = starP + 1;
      n = ++starN;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 0x2a) p++;
  return p === pattern.length;
}
