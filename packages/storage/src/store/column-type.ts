// Storage types of event fields: what one JSON value needs, and the type two needs widen to.

/** Column types of the `events` table's field columns. */
export type ColumnType = 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'JSON';

/**
 * The type one value needs; null for null/undefined (a missing value says nothing).
 * Whole numbers within ±2^53 are BIGINT, other numbers DOUBLE; lists of strings VARCHAR[];
 * other lists and objects JSON.
 */
export function typeOfValue(value: unknown): ColumnType | null {
  switch (typeof value) {
    case 'string':
      return 'VARCHAR';
    case 'number':
      return Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return 'JSON';
        return 'VARCHAR[]';
      }
      return 'JSON';
    default:
      return null;
  }
}

/**
 * The type that holds values of both types without loss: BIGINT and DOUBLE widen to DOUBLE;
 * any other pair to JSON, which keeps every value with its own JSON type (README, "Storage
 * and SQL hunting": a field that changes type).
 */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  if ((a === 'BIGINT' && b === 'DOUBLE') || (a === 'DOUBLE' && b === 'BIGINT')) return 'DOUBLE';
  return 'JSON';
}

/** The USING expression that converts column `col` (quoted) from `from` to `to`. */
export function conversion(col: string, to: ColumnType): string {
  return to === 'JSON' ? `to_json(${col})` : `${col}::${to}`;
}

/** `"name"` with embedded quotes doubled: an SQL identifier for any column name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * How `json_transform` turns the JSON text in column `json` into typed columns for `fields`:
 * `sql` (`, unnest(json_transform(json, $1))...`, to follow other select items), its `specs`
 * to bind as $1, $2..., and the fields in the order their columns come out. One spec reads
 * keys case-insensitively, so fields whose names differ only in case go to separate specs.
 */
export function jsonTransform<F extends { readonly field: string; readonly type: ColumnType }>(
  json: string,
  fields: readonly F[],
): { readonly sql: string; readonly specs: string[]; readonly ordered: F[] } {
  const layers: { names: Set<string>; fields: F[] }[] = [];
  for (const f of fields) {
    const name = f.field.toLowerCase();
    let layer = layers.find((l) => !l.names.has(name));
    if (layer === undefined) layers.push((layer = { names: new Set(), fields: [] }));
    layer.names.add(name);
    layer.fields.push(f);
  }
  const specs = layers.map((l) => JSON.stringify(Object.fromEntries(l.fields.map((f) => [f.field, f.type]))));
  return { sql: specs.map((_, i) => `, unnest(json_transform(${json}, $${i + 1}))`).join(''), specs, ordered: layers.flatMap((l) => l.fields) };
}
