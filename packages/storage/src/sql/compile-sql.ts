// Detection IR -> DuckDB SQL. Every event is one JSON value (`record`, the normalized event);
// the same compiled condition runs over the event store and over raw files DuckDB reads itself
// (read_json_objects), because both expose the event as one JSON column. Every rule value is a
// bound parameter (`$n`); only fixed SQL and the macros below are text.
import type { CidrValue, Node, RegexValue, StringPattern, TimePartValue, Value } from '@siemlite/core';

/** A compiled condition: SQL text with `$n` placeholders; `params[n - 1]` is the value of `$n`. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Macros the compiled conditions call; run once per connection before the queries.
 * sl_text: the text of a JSON scalar as the engine sees it (sigma-semantics §2.4; a whole
 * double prints without ".0"); sl_num: a number or an all-decimal string (§4.9);
 * sl_ip4: an IPv4 address as an integer (NULL when not one); sl_ts: the parts of a timestamp
 * string (§4.10).
 */
export const SQL_MACROS: readonly string[] = Object.freeze([
  `CREATE OR REPLACE TEMP MACRO sl_text(e) AS CASE json_type(e)
     WHEN 'VARCHAR' THEN json_extract_string(e, '$')
     WHEN 'BOOLEAN' THEN json_extract_string(e, '$')
     WHEN 'BIGINT' THEN json_extract_string(e, '$')
     WHEN 'UBIGINT' THEN json_extract_string(e, '$')
     WHEN 'DOUBLE' THEN CASE WHEN e::DOUBLE = trunc(e::DOUBLE) AND abs(e::DOUBLE) < 1e15
       THEN (e::DOUBLE)::BIGINT::VARCHAR ELSE (e::DOUBLE)::VARCHAR END
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_num(e) AS CASE
     WHEN json_type(e) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN e::DOUBLE
     WHEN json_type(e) = 'VARCHAR' AND regexp_full_match(trim(json_extract_string(e, '$')), '[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)')
       THEN trim(json_extract_string(e, '$'))::DOUBLE
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_ip4(t) AS CASE
     WHEN regexp_full_match(t, '(?:0|[1-9][0-9]{0,2})(?:\\.(?:0|[1-9][0-9]{0,2})){3}')
       AND list_max(list_transform(string_split(t, '.'), x -> x::INTEGER)) <= 255
     THEN list_reduce(list_transform(string_split(t, '.'), x -> x::BIGINT), (a, b) -> a * 256 + b)
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_ts(t) AS regexp_extract(trim(t),
     '^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,]\\d+)?)?)?\\s*(?:[Zz]|[+-]\\d{2}(?::?\\d{2})?)?$',
     ['y', 'mo', 'd', 'h', 'mi'])`,
]);

const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/g;
const escapeRegex = (text: string): string => text.replace(REGEX_SYNTAX, (c) => `\\${c}`);

/** RE2 text of a Sigma pattern: anchored by regexp_full_match, dot-all, folded unless cased. */
function patternRegex(pattern: StringPattern): string {
  let source = pattern.isCased ? '(?s)' : '(?si)';
  for (const part of pattern.parts) {
    if (part.kind === 'AnyChars') source += '.*';
    else if (part.kind === 'OneChar') source += '.';
    else source += escapeRegex(part.text);
  }
  return source;
}

function regexSource(value: RegexValue): string {
  return value.flags === '' ? value.source : `(?${value.flags})${value.source}`;
}

/** JSON pointer of a key path (RFC 6901 escaping of `~` and `/`). */
function pointer(keys: readonly string[]): string {
  return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Every key path a field name can mean, in the engine's order (§2.2): the exact key, then
 * the dotted name split into nested keys, longest head first. Capped at 6 segments
 * (2^5 groupings); longer names are looked up as the exact key and as all segments.
 */
export function fieldPaths(field: string): string[] {
  return [...new Set(keyPaths(field).map(pointer))];
}

/** The key paths of {@link fieldPaths}, as lists of keys. */
function keyPaths(field: string): string[][] {
  const segments = field.split('.');
  if (segments.length > 6) return [[field], segments];
  const out: string[][] = [];
  const walk = (prefix: string[], rest: string[]): void => {
    out.push([...prefix, rest.join('.')]);
    for (let i = rest.length - 1; i >= 1; i--) walk([...prefix, rest.slice(0, i).join('.')], rest.slice(i));
  };
  walk([], segments);
  return out;
}

/**
 * How compiled conditions read events: by default one JSON column `record` holds each
 * event; over the event store, `columns` maps a top-level field name to its column (quoted
 * SQL identifier) and whether it holds JSON (nested values are read inside it).
 */
export interface EventShape {
  readonly record: string;
  readonly columns?: ReadonlyMap<string, { readonly sql: string; readonly isJson: boolean }>;
}

function canonicalNumberText(value: { value: number; text: string }): string {
  if (Number.isInteger(value.value) && !Number.isSafeInteger(value.value) && /^-?[0-9]+$/.test(value.text)) return value.text;
  return String(value.value);
}

const COMPARE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=' } as const;

class SqlBuilder {
  readonly params: unknown[] = [];

  private readonly record: string;

  constructor(private readonly shape: EventShape) {
    this.record = shape.record;
  }

  private readonly index = new Map<string, number>();

  /** `$n` of a parameter; equal values share one number, so an expression may repeat freely. */
  param(value: unknown): string {
    const key = `${typeof value}:${String(value)}`;
    let n = this.index.get(key);
    if (n === undefined) {
      this.params.push(value);
      n = this.params.length;
      this.index.set(key, n);
    }
    return `$${n}`;
  }

  /** The JSON value of a field, or null when the event shape has no column for it (always missing). */
  lookup(field: string): string | null {
    const columns = this.shape.columns;
    const paths: string[] = [];
    const seen = new Set<string>();
    for (const keys of keyPaths(field)) {
      let expr: string;
      if (columns === undefined) expr = `json_extract(${this.record}, ${this.param(pointer(keys))})`;
      else {
        const column = columns.get(keys[0] as string);
        if (column === undefined || (keys.length > 1 && !column.isJson)) continue;
        expr = keys.length === 1 ? `to_json(${column.sql})` : `json_extract(${column.sql}, ${this.param(pointer(keys.slice(1)))})`;
      }
      if (!seen.has(expr)) paths.push(expr);
      seen.add(expr);
    }
    if (paths.length === 0) return null;
    return paths.length === 1 ? (paths[0] as string) : `coalesce(${paths.join(', ')})`;
  }

  node(node: Node): string {
    switch (node.kind) {
      case 'And':
        return `(${node.children.map((c) => this.node(c)).join(' AND ')})`;
      case 'Or':
        return `(${node.children.map((c) => this.node(c)).join(' OR ')})`;
      case 'Not':
        return `(NOT ${this.node(node.child)})`;
      case 'Constant':
        return node.value ? 'TRUE' : 'FALSE';
      case 'Exists': {
        const v = this.lookup(node.field);
        return v === null ? 'FALSE' : `(${v} IS NOT NULL)`;
      }
      case 'Keyword': {
        const test = node.value.kind === 'Regex' ? this.regex(node.value, 'sl_text(k.value)') : this.pattern(node.value, 'sl_text(k.value)');
        return `EXISTS (SELECT 1 FROM json_tree(${this.record}) k WHERE k.type NOT IN ('OBJECT', 'ARRAY', 'NULL') AND ${test})`;
      }
      case 'Match':
        return this.match(node.field, node.value);
    }
  }

  /** A field test: a missing field fails all but null; a list matches when any element does. */
  private match(field: string, value: Value): string {
    const v = this.lookup(field);
    if (v === null) return value.kind === 'Null' ? 'TRUE' : 'FALSE';
    if (value.kind === 'Null') {
      return `(${v} IS NULL OR json_type(${v}) = 'NULL' OR (json_type(${v}) = 'ARRAY' AND coalesce(list_bool_or(list_transform(json_extract(${v}, '$[*]'), e -> json_type(e) = 'NULL')), false)))`;
    }
    return `coalesce(CASE WHEN json_type(${v}) = 'ARRAY' THEN list_bool_or(list_transform(json_extract(${v}, '$[*]'), e -> json_type(e) <> 'NULL' AND ${this.scalar(value, 'e')})) WHEN json_type(${v}) = 'NULL' THEN false ELSE ${this.scalar(value, v)} END, false)`;
  }

  /**
   * Plain and wildcard patterns use LIKE (a regex from a parameter is compiled per row;
   * LIKE is not): case-insensitive through lower() on both sides (README: lower() is not
   * simple case folding). A pattern with `?` next to non-ASCII text uses the regex path.
   */
  private pattern(pattern: StringPattern, text: string): string {
    if (pattern.parts.some((p) => p.kind === 'OneChar')) {
      return `coalesce(regexp_full_match(${text}, ${this.param(patternRegex(pattern))}), false)`;
    }
    let like = '';
    for (const part of pattern.parts) if (part.kind === 'Literal') like += part.text.replace(/[\\%_]/g, (c) => `\\${c}`);
    else like += '%';
    if (pattern.isCased) return `coalesce(${text} LIKE ${this.param(like)} ESCAPE '\\', false)`;
    return `coalesce(lower(${text}) LIKE lower(${this.param(like)}) ESCAPE '\\', false)`;
  }

  private regex(value: RegexValue, text: string): string {
    return `coalesce(regexp_matches(${text}, ${this.param(regexSource(value))}), false)`;
  }

  /** One non-null JSON scalar `e` against `value`. */
  private scalar(value: Exclude<Value, { kind: 'Null' }>, e: string): string {
    switch (value.kind) {
      case 'StringPattern':
        return this.pattern(value, `sl_text(${e})`);
      case 'Regex':
        return this.regex(value, `sl_text(${e})`);
      case 'Number':
        return `(CASE WHEN json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN ${e}::DOUBLE = ${this.param(value.value)} WHEN json_type(${e}) = 'VARCHAR' THEN json_extract_string(${e}, '$') = ${this.param(canonicalNumberText(value))} ELSE false END)`;
      case 'Boolean':
        return `(CASE WHEN json_type(${e}) = 'BOOLEAN' THEN ${e}::BOOLEAN = ${this.param(value.value)} WHEN json_type(${e}) = 'VARCHAR' THEN lower(json_extract_string(${e}, '$')) = ${this.param(value.value ? 'true' : 'false')} ELSE false END)`;
      case 'Compare':
        return `coalesce(sl_num(${e}) ${COMPARE_SQL[value.op]} ${this.param(value.value)}, false)`;
      case 'Cidr':
        return this.cidr(value, e);
      case 'FieldRef': {
        const left = `sl_text(${e})`;
        const other = this.lookup(value.field);
        if (other === null) return 'false';
        const right = `sl_text(${other})`;
        const [l, r] = value.isCased ? [left, right] : [`lower(${left})`, `lower(${right})`];
        const test =
          value.position === 'exact' ? `${l} = ${r}` : value.position === 'startswith' ? `starts_with(${l}, ${r})` : value.position === 'endswith' ? `ends_with(${l}, ${r})` : `contains(${l}, ${r})`;
        return `coalesce(json_type(${other}) NOT IN ('ARRAY', 'OBJECT', 'NULL') AND ${test}, false)`;
      }
      case 'TimePart':
        return this.timePart(value, e);
    }
  }

  private cidr(value: CidrValue, e: string): string {
    if (value.version === 6) return 'false'; // README: IPv6 CIDR is not compiled to SQL
    const [a, b, c, d] = value.network.split('.').map(Number) as [number, number, number, number];
    const network = ((a * 256 + b) * 256 + c) * 256 + d;
    const size = 2 ** (32 - value.prefixLength);
    return `coalesce(json_type(${e}) = 'VARCHAR' AND floor(sl_ip4(json_extract_string(${e}, '$')) / ${this.param(size)}) = ${this.param(Math.floor(network / size))}, false)`;
  }

  private timePart(value: TimePartValue, e: string): string {
    const s = `sl_ts(json_extract_string(${e}, '$'))`;
    const ts = { y: `${s}.y`, mo: `${s}.mo`, d: `${s}.d`, h: `${s}.h`, mi: `${s}.mi` };
    const date = `try_cast(${ts.y} || '-' || ${ts.mo} || '-' || ${ts.d} AS DATE)`;
    let part: string;
    switch (value.part) {
      case 'year':
        part = `${ts.y}::INTEGER`;
        break;
      case 'month':
        part = `${ts.mo}::INTEGER`;
        break;
      case 'day':
        part = `${ts.d}::INTEGER`;
        break;
      case 'week':
        part = `weekofyear(${date})`;
        break;
      case 'hour':
        part = `CASE WHEN ${ts.h} <> '' AND ${ts.h}::INTEGER <= 23 AND ${ts.mi}::INTEGER <= 59 THEN ${ts.h}::INTEGER END`;
        break;
      case 'minute':
        part = `CASE WHEN ${ts.h} <> '' AND ${ts.h}::INTEGER <= 23 AND ${ts.mi}::INTEGER <= 59 THEN ${ts.mi}::INTEGER END`;
        break;
    }
    return `coalesce(json_type(${e}) = 'VARCHAR' AND ${ts.y} <> '' AND ${date} IS NOT NULL AND ${part} ${COMPARE_SQL[value.op]} ${this.param(value.value)}, false)`;
  }
}

/**
 * Compiles one detection condition to a boolean SQL expression over the JSON column
 * `record` (any SQL expression of type JSON). Rule values never enter the SQL text.
 */
export function compileCondition(node: Node, record = 'record'): SqlFragment {
  const builder = new SqlBuilder({ record });
  const sql = builder.node(node);
  return Object.freeze({ sql, params: Object.freeze(builder.params.slice()) });
}

/**
 * One query that tests many conditions per row of `source` (a table name or table function
 * with columns source_path, source_record, record): returns the rows that match at least one,
 * with `hits`, the indexes (into `nodes`) of the conditions that hold. Parameters are shared.
 */
export function compileBatchQuery(nodes: readonly Node[], source: string, shape: EventShape = { record: 'record' }): SqlFragment {
  const builder = new SqlBuilder(shape);
  const tests = nodes.map((node, i) => `CASE WHEN ${builder.node(node)} THEN ${i} END`);
  const sql = `SELECT source_path, source_record, hits FROM (SELECT source_path, source_record, list_filter([${tests.join(',\n')}]::INTEGER[], x -> x IS NOT NULL) AS hits FROM ${source}) WHERE len(hits) > 0`;
  return Object.freeze({ sql, params: Object.freeze(builder.params.slice()) });
}
