// Case-insensitive Sigma matching uses Unicode simple case folding (§3.1). JavaScript has
// no fold function: `toLowerCase` differs from it in two ways that matter — it can change
// the number of code points (`İ` becomes `i̇`, which breaks `?`) and it keeps lowercase
// variants apart (final `ς` vs `σ`, micro `µ` vs `μ`). Values are folded once per
// distinct dictionary entry, and ASCII (nearly every log value) takes the fast path.

// Lowercase letters whose simple case folding is another letter (CaseFolding.txt, status
// C/S entries whose target differs from the character's own lowercase mapping).
const EXTRA_FOLDS: ReadonlyMap<number, string> = new Map([
  [0x00b5, '\u03bc'], // µ micro sign -> μ
  [0x017f, 's'], // ſ long s
  [0x0345, '\u03b9'], // combining ypogegrammeni -> ι
  [0x03c2, '\u03c3'], // ς final sigma -> σ
  [0x03d0, '\u03b2'], // ϐ -> β
  [0x03d1, '\u03b8'], // ϑ -> θ
  [0x03d5, '\u03c6'], // ϕ -> φ
  [0x03d6, '\u03c0'], // ϖ -> π
  [0x03f0, '\u03ba'], // ϰ -> κ
  [0x03f1, '\u03c1'], // ϱ -> ρ
  [0x03f5, '\u03b5'], // ϵ -> ε
  [0x1c80, '\u0432'], // Cyrillic small rounded ve -> в
  [0x1c81, '\u0434'],
  [0x1c82, '\u043e'],
  [0x1c83, '\u0441'],
  [0x1c84, '\u0442'],
  [0x1c85, '\u0442'],
  [0x1c86, '\u044a'],
  [0x1c87, '\u0463'],
  [0x1c88, '\ua64b'],
  [0x1e9b, '\u1e61'], // ẛ -> ṡ
  [0x1fbe, '\u03b9'], // Greek prosgegrammeni -> ι
  [0xfb05, '\ufb06'], // ﬅ -> ﬆ
]);

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** Folds case so that two strings are equal exactly when Sigma's case-insensitive comparison says so. */
export function foldCase(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    const extra = EXTRA_FOLDS.get(cp);
    if (extra !== undefined) {
      out += extra;
      continue;
    }
    const lower = ch.toLowerCase();
    // A mapping to several code points (İ -> i̇) is not a simple folding: keep the letter.
    const folded = lower.length === ch.length || [...lower].length === 1 ? lower : ch;
    out += EXTRA_FOLDS.get(folded.codePointAt(0) as number) ?? folded;
  }
  return out;
}
