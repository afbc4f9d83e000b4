// Plain YAML scalars resolved with YAML 1.1 rules, exactly as PyYAML's safe loader does
// (sigma-semantics.md §1.1 item 2). The `yaml` package in 1.1 or 1.2 mode turns
// `00000429` into 429 and `1e3` into 1000; pySigma sees the strings, and so must we.

/** The typed value of a scalar, plus what kind of YAML 1.1 value it was. */
export type ScalarValue = string | number | boolean | null;

const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

export type ScalarTag = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'str';

/** Resolves the text of a PLAIN scalar to its YAML 1.1 type and value. */
export function resolvePlainScalar(text: string): { readonly tag: ScalarTag; readonly value: ScalarValue } {
  if (NULL_RE.test(text)) return { tag: 'null', value: null };
  if (BOOL_RE.test(text)) return { tag: 'bool', value: TRUE_WORDS.has(text) };
  if (INT_RE.test(text)) return { tag: 'int', value: constructInt(text) };
  if (FLOAT_RE.test(text)) return { tag: 'float', value: constructFloat(text) };
  // Timestamps stay text; callers that do not accept them (detection values) reject them.
  if (TIMESTAMP_RE.test(text)) return { tag: 'timestamp', value: text };
  return { tag: 'str', value: text };
}

function constructInt(text: string): number {
  let s = text.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * parseInt(s.slice(1), 8);
  if (s.includes(':')) return sign * sexagesimal(s);
  return sign * parseInt(s, 10);
}

function sexagesimal(s: string): number {
  let value = 0;
  for (const digit of s.split(':')) value = value * 60 + parseInt(digit, 10);
  return value;
}

function constructFloat(text: string): number {
  let s = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) {
    const parts = s.split(':');
    let value = 0;
    for (const part of parts) value = value * 60 + parseFloat(part);
    return sign * value;
  }
  return sign * parseFloat(s);
}
