// Required literals for the regex prefilter: RE2 is the costliest value test, and most Sigma
// regexes contain plain text that every match must have (`\\cmd\.exe\s+/c` needs `\cmd.exe`).
// The engine runs RE2 only on values that contain that text, case-folded, so a literal here
// must be PROVEN: a small conservative scanner over the RE2 syntax (as node-re2 rewrites it)
// that keeps runs of literal characters in the concatenation and gives up (null) on anything
// it does not fully understand. Case never matters: the prefilter compares folded text.

/** Thrown inside the scanner for syntax RE2 rejects (or that we do not model); never escapes. */
class Unsupported extends Error {}

/** One operand of a concatenation with its repetition count; `max` may be Infinity. */
interface Operand {
  readonly kind: 'char' | 'group' | 'other';
  /** The character (kind 'char') or the group's own best literal ('' when none). */
  readonly text: string;
  min: number;
  max: number;
}

/** A piece of the concatenation that RE2 does not treat as an operand: `(?i)`, empty `\Q\E`. */
interface Marker {
  readonly kind: 'marker';
}

type Piece = Operand | Marker;

/** Shortest literal worth a prefilter: shorter ones occur in too many values to pay off. */
const MIN_LITERAL = 3;

/** Repetition counts above this are not spelled out in a literal (only its ends are kept). */
const MAX_SPELLED_REPEAT = 16;

// Escaped letters RE2 reads as a one-character class or an empty-width assertion.
const CLASS_OR_ASSERTION_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'A', 'z', 'C']);

const CONTROL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['t', '\t'],
  ['n', '\n'],
  ['r', '\r'],
  ['f', '\f'],
  ['v', '\v'],
]);

/**
 * Characters never put in a literal. Node hands RE2 UTF-8, so a lone surrogate (pattern or
 * value) becomes U+FFFD and the two are indistinguishable to RE2. The Greek letters are case
 * variants for RE2 ((?i)ΐ matches U+1FD3) that foldCase keeps apart.
 */
function isUnsafeChar(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if (cp >= 0xd800 && cp <= 0xdfff) return true;
  return cp === 0xfffd || cp === 0x0390 || cp === 0x03b0 || cp === 0x1fd3 || cp === 0x1fe3;
}

const isAsciiAlnum = (ch: string | undefined): boolean => ch !== undefined && /^[0-9A-Za-z]$/.test(ch);
const isOctal = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '7';

/** A recursive-descent pass over the code points of one pattern. */
class Scanner {
  private pos = 0;

  constructor(private readonly cps: readonly string[]) {}

  /** The best literal of the whole pattern, or null when it has a top-level alternation. */
  pattern(): string | null {
    const best = this.sequence(false);
    if (this.pos !== this.cps.length) throw new Unsupported('unbalanced )');
    return best;
  }

  /**
   * Scans a concatenation up to `)` or the end and returns its longest required literal
   * ('' when none), or null when it has an alternation. Stops before the `)`.
   */
  private sequence(inGroup: boolean): string | null {
    const pieces: Piece[] = [];
    let hasAlternation = false;
    // The operand a quantifier applies to: markers are transparent, `|` starts afresh.
    let last: Operand | null = null;
    const push = (operand: Operand): void => {
      pieces.push(operand);
      last = operand;
    };
    while (this.pos < this.cps.length) {
      const ch = this.cps[this.pos] as string;
      if (ch === ')') {
        if (!inGroup) throw new Unsupported('unbalanced )');
        break;
      }
      if (ch === '|') {
        hasAlternation = true;
        pieces.push({ kind: 'marker' });
        last = null;
        this.pos++;
        continue;
      }
      const repeat = this.quantifier();
      if (repeat !== null) {
        if (last === null) throw new Unsupported('missing argument to repetition');
        const target: Operand = last;
        target.min *= repeat.min;
        target.max = target.max === 0 || repeat.max === 0 ? 0 : target.max * repeat.max;
        continue;
      }
      const piece = this.atom();
      if (piece.kind === 'marker') pieces.push(piece);
      else push(piece);
    }
    return hasAlternation ? null : bestLiteral(pieces);
  }

  /** A quantifier at the cursor (consumed, with a lazy `?`), or null (nothing consumed). */
  private quantifier(): { min: number; max: number } | null {
    const ch = this.cps[this.pos];
    let found: { min: number; max: number } | null = null;
    if (ch === '*') found = { min: 0, max: Infinity };
    else if (ch === '+') found = { min: 1, max: Infinity };
    else if (ch === '?') found = { min: 0, max: 1 };
    if (found !== null) this.pos++;
    else if (ch === '{') found = this.countedRepeat();
    if (found === null) return null;
    if (this.cps[this.pos] === '?') this.pos++;
    return found;
  }

  /** `{n}`, `{n,}` or `{n,m}` (consumed); any other `{` is a literal for RE2 (null). */
  private countedRepeat(): { min: number; max: number } | null {
    let i = this.pos + 1;
    const digits = (): string => {
      let text = '';
      while (/^[0-9]$/.test(this.cps[i] ?? '')) text += this.cps[i++] as string;
      return text;
    };
    const lo = digits();
    if (lo === '') return null;
    let hi = lo;
    if (this.cps[i] === ',') {
      i++;
      hi = digits();
    }
    if (this.cps[i] !== '}') return null;
    this.pos = i + 1;
    const min = Number(lo);
    const max = hi === '' ? Infinity : Number(hi);
    if (max < min) throw new Unsupported('bad repetition range');
    return { min, max };
  }

  /** One atom at the cursor: an operand, or a marker for text that is none. */
  private atom(): Piece {
    const ch = this.cps[this.pos] as string;
    switch (ch) {
      case '(':
        return this.group();
      case '[':
        this.skipClass();
        return other();
      case '\\':
        return this.escape();
      case '.':
      case '^':
      case '$':
      case '{': // a `{` that is not a repetition: literal for RE2, but we do not rely on it
        this.pos++;
        return other();
      default:
        this.pos++;
        return isUnsafeChar(ch) ? other() : char(ch);
    }
  }

  /** `(...)`, `(?:...)`, `(?flags:...)`, `(?P<name>...)`, `(?<name>...)`, or a flag group `(?i)`. */
  private group(): Piece {
    const cps = this.cps;
    let i = this.pos + 1;
    if (cps[i] === '?') {
      i++;
      if (cps[i] === 'P' && cps[i + 1] === '<') i++;
      if (cps[i] === '<' && cps[i + 1] !== '=' && cps[i + 1] !== '!') {
        const close = cps.indexOf('>', i + 1);
        if (close < 0 || close === i + 1) throw new Unsupported('bad named group');
        i = close + 1;
      } else {
        // Flags, then `)` (no operand: only the flags change) or `:` (a group).
        while (cps[i] !== undefined && /^[imsU-]$/.test(cps[i] as string)) i++;
        if (cps[i] === ')') {
          this.pos = i + 1;
          return { kind: 'marker' };
        }
        if (cps[i] !== ':') throw new Unsupported('unsupported group'); // lookaround, (?#, (?P=
        i++;
      }
    }
    this.pos = i;
    const inner = this.sequence(true);
    if (cps[this.pos] !== ')') throw new Unsupported('missing )');
    this.pos++;
    return { kind: 'group', text: inner ?? '', min: 1, max: 1 };
  }

  /** Skips a character class, as RE2 delimits it (`[]a]`, `[^]a]`, `[[:alpha:]]`, escapes). */
  private skipClass(): void {
    const cps = this.cps;
    let i = this.pos + 1;
    if (cps[i] === '^') i++;
    let first = true;
    for (;;) {
      const ch = cps[i];
      if (ch === undefined) throw new Unsupported('missing ]');
      if (ch === ']' && !first) break;
      first = false;
      if (ch === '[' && cps[i + 1] === ':') {
        // RE2 looks for the closing `:]` from two past the `[`; without one, `[` is a character.
        let j = i + 2;
        while (j + 1 < cps.length && !(cps[j] === ':' && cps[j + 1] === ']')) j++;
        if (j + 1 < cps.length) {
          i = j + 2;
          continue;
        }
      }
      // The character after a backslash never ends the class; longer escapes (\x{5d},
      // \p{Greek}) hold no `]` unless RE2 rejects them anyway.
      i += ch === '\\' ? 2 : 1;
    }
    this.pos = i + 1;
  }

  /** An escape: a literal character, a class or assertion, or quoted text. */
  private escape(): Piece {
    const cps = this.cps;
    const next = cps[this.pos + 1];
    if (next === undefined) throw new Unsupported('trailing backslash');
    this.pos += 2;
    const control = CONTROL_ESCAPES.get(next);
    if (control !== undefined) return char(control);
    if (CLASS_OR_ASSERTION_ESCAPES.has(next)) return other();
    switch (next) {
      case 'p':
      case 'P':
      case 'x':
      case 'u':
        // \pL, \p{Greek}, \x41, \x{41}; node-re2 rewrites \u{41} to \x{41} and \u0041 (one to
        // four letters or digits) to \x{0041}. Codes are not decoded: the run just ends.
        if (cps[this.pos] === '{') {
          const close = cps.indexOf('}', this.pos);
          if (close < 0) throw new Unsupported('missing }');
          this.pos = close + 1;
        } else if (next === 'u') {
          if (!isAsciiAlnum(cps[this.pos])) throw new Unsupported('bad \\u escape');
          for (let n = 0; n < 4 && isAsciiAlnum(cps[this.pos]); n++) this.pos++;
        } else {
          this.pos += next === 'x' ? 2 : 1;
        }
        return other();
      case 'c':
        // node-re2 rewrites \cA..\cZ to a control character; any other \c is an error.
        if (!/^[A-Z]$/.test(cps[this.pos] ?? '')) throw new Unsupported('bad \\c escape');
        this.pos++;
        return other();
      case 'Q': {
        // Quoted text up to the first `\E`. node-re2 rewrites `/` to `\/` before RE2 sees
        // the pattern, even here, so the quoted text is not taken as a literal.
        let end = this.pos;
        while (end < cps.length && !(cps[end] === '\\' && cps[end + 1] === 'E')) end++;
        const empty = end === this.pos;
        this.pos = Math.min(end + 2, cps.length);
        // Empty quotes are no operand: a quantifier after them applies to what came before.
        return empty ? { kind: 'marker' } : other();
      }
      default:
        break;
    }
    if (next >= '0' && next <= '9') {
      // Octal: \0 or \1-\7 followed by an octal digit, up to three digits in all.
      if (next === '8' || next === '9' || (next !== '0' && !isOctal(cps[this.pos]))) {
        throw new Unsupported('backreference');
      }
      for (let n = 0; n < 2 && isOctal(cps[this.pos]); n++) this.pos++;
      return other();
    }
    // Escaped ASCII punctuation (and `_`, space, controls) is the character itself; RE2
    // rejects every other escape.
    if (next.length === 1 && next.charCodeAt(0) < 0x80 && !isAsciiAlnum(next)) return char(next);
    throw new Unsupported('bad escape');
  }
}

function char(ch: string): Operand {
  return { kind: 'char', text: ch, min: 1, max: 1 };
}

function other(): Operand {
  return { kind: 'other', text: '', min: 1, max: 1 };
}

/**
 * The longest text every match of the concatenation `pieces` contains: runs of characters
 * that must occur side by side, or the literal of a group that must occur.
 */
function bestLiteral(pieces: readonly Piece[]): string {
  let best = '';
  let run = '';
  const consider = (text: string): void => {
    if (foldedLength(text) > foldedLength(best)) best = text;
  };
  const endRun = (): void => {
    consider(run);
    run = '';
  };
  for (const piece of pieces) {
    if (piece.kind === 'char' && piece.min >= 1) {
      // x{n,m}: the n copies follow the run before and (the last n) precede the run after.
      const count = Math.min(piece.min, MAX_SPELLED_REPEAT);
      const copies = piece.text.repeat(count);
      run += copies;
      if (piece.max !== count) {
        endRun();
        run = copies;
      }
      continue;
    }
    endRun();
    if (piece.kind === 'group' && piece.min >= 1) consider(piece.text);
  }
  endRun();
  return best;
}

/** Length in code points, which foldCase keeps (it maps each code point to one). */
function foldedLength(text: string): number {
  return Array.from(text).length;
}

/** A literal that every match of the regex must contain, or null when none can be proven. */
export function requiredLiteral(source: string, flags: string): string | null {
  // Flags do not change which characters a match must contain, up to case (i), and case is
  // the prefilter's business: it compares case-folded text.
  void flags;
  let best: string | null;
  try {
    best = new Scanner(Array.from(source)).pattern();
  } catch {
    // Unsupported syntax, or anything unforeseen: no literal is proven.
    return null;
  }
  return best !== null && foldedLength(best) >= MIN_LITERAL ? best : null;
}
