// YAML value -> typed Sigma value, before any modifier runs (sigma-semantics.md §1.1 item 2,
// §2.4): YAML 1.1 typing decides, so `4688` is a number, `'4688'` a string, `yes` true.
import { errorRecord, type ErrorRecord } from '@siemlite/core';
import type { YamlValue } from '../yaml/load-yaml.js';
import { fail, type ModifierFailure } from './modifier-def.js';
import { parseSigmaParts } from './sigma-string.js';
import { workingString, type WorkingValue } from './working-value.js';

/** What typing needs to know about the item's modifier chain. */
export interface TypeValueOptions {
  /** The item uses `expand`: `%name%` is a placeholder (§4.11). */
  readonly hasPlaceholders: boolean;
  /** The first modifier (`re`, `cidr`) takes the text verbatim: no Sigma-string warnings. */
  readonly isVerbatim: boolean;
}

/**
 * Types one detection value. Maps, nested lists, timestamps and non-finite numbers are
 * refused ('modifier-type', pySigma: "unsupported type"); suspicious strings get warnings.
 *
 * @example typeValue(scalar('4688'), opts, warnings) // { kind: 'number', value: 4688, text: '4688' }
 */
export function typeValue(
  value: YamlValue,
  options: TypeValueOptions,
  warnings: ErrorRecord[],
): WorkingValue | ModifierFailure {
  if (value.kind === 'map') {
    return fail('modifier-type', 'unsupported type: a map cannot be a detection value (nested maps are not allowed)');
  }
  if (value.kind === 'seq') {
    return fail('modifier-type', 'unsupported type: a list cannot be a value inside a value list');
  }
  switch (value.tag) {
    case 'null':
      return Object.freeze({ kind: 'null' });
    case 'bool':
      return Object.freeze({ kind: 'boolean', value: value.value === true });
    case 'int':
    case 'float': {
      const n = value.value as number;
      if (!Number.isFinite(n)) return fail('modifier-type', `unsupported type: the number ${value.text} is not finite`);
      // §2.4: pySigma normalises integral floats (1.0 is 1); -0 is 0.
      return Object.freeze({ kind: 'number', value: n === 0 ? 0 : n, text: value.text });
    }
    case 'timestamp':
      return fail('modifier-type', `unsupported type: ${value.text} is a YAML date; quote it to match it as text`);
    case 'str': {
      const text = value.text;
      const parsed = parseSigmaParts(text, { hasPlaceholders: options.hasPlaceholders });
      if (!options.isVerbatim) {
        if (parsed.hasEscapedWildcard) {
          // §3.2 last row: `C:\Users\*\AppData` has a literal star, rarely what was meant.
          warnings.push(
            errorRecord('schema', `'${text}' has an escaped wildcard (\\* or \\?), which matches a literal character`, value.loc, null, 'warning'),
          );
        }
        if (hasControlCharacter(text)) {
          // §1.4: usually "C:\temp" in double quotes, where YAML made a TAB.
          warnings.push(
            errorRecord('schema', `value contains a control character; in double quotes YAML reads "\\t" as a TAB`, value.loc, null, 'warning'),
          );
        }
      }
      return workingString(parsed.parts, { raw: text });
    }
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}
