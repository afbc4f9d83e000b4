// Placeholders inside a regex under `expand` (sigma-semantics.md §4.11): `%name%`, where a
// `%` escaped by an odd number of backslashes is a literal percent, not a placeholder start.

/**
 * Splits regex source into text and `%name%` placeholders.
 *
 * @example regexPlaceholders('^%admins%$') // ['^', { name: 'admins' }, '$']
 */
export function regexPlaceholders(source: string): readonly (string | { readonly name: string })[] {
  const out: (string | { readonly name: string })[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      text += source.slice(i, i + 2);
      i++;
      continue;
    }
    const close = c === '%' ? source.indexOf('%', i + 1) : -1;
    if (close > i + 1) {
      if (text !== '') out.push(text);
      text = '';
      out.push({ name: source.slice(i + 1, close) });
      i = close;
    } else {
      text += c;
    }
  }
  if (text !== '') out.push(text);
  return out;
}
