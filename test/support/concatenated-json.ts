// SigmaHQ regression_data holds JSON objects written one after another (pretty-printed).

/** Splits a file of JSON objects written one after another (pretty-printed) into objects. */
export function parseConcatenatedJson(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
    }
  }
  if (depth !== 0) throw new Error('unbalanced JSON');
  return out;
}
