// Detection IR -> DuckDB SQL. Every event is one JSON value (`record`, the normalized event);
// the same compiled condition runs over the event store and over raw files DuckDB reads itself
// (read_json_objects), because both expose the event as one JSON column. Every rule value is a
// bound parameter (`$n`); only fixed SQL and the macros below are text.
import { parseIp, type CidrValue, type Node, type RegexValue, type StringPattern, type TimePartValue, type Value } from '@siemlite/core';

/** A compiled condition: SQL text with `$n` placeholders; `params[n - 1]` is the value of `$n`. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Macros the compiled conditions call; run once per connection before the queries.
 * sl_text: the text of a JSON scalar as the engine sees it (sigma-semantics §2.4; a whole
 * double prints without ".0", sl_double_text); sl_num: a number or an all-decimal string
 * (§4.9; sl_text_num for text); sl_ip4: an IPv4 address as an integer (NULL when not one);
 * sl_ts: the parts of a timestamp string (§4.10); sl_json_texts: the texts of every scalar in
 * a JSON value, at any depth (what keywords search). A macro is defined before its users.
 * Casts of event data are TRY_CAST even where a CASE or AND guards them: DuckDB does not
 * always short-circuit (the 1M-event benchmark failed on `'fe80::...'::INTEGER` inside
 * sl_ip4's guarded AND); where the guard holds the value is the same.
 */
export const SQL_MACROS: readonly string[] = Object.freeze([
  `CREATE OR REPLACE TEMP MACRO sl_double_text(x) AS CASE WHEN x = trunc(x) AND abs(x) < 1e15
     THEN TRY_CAST(x AS BIGINT)::VARCHAR ELSE x::VARCHAR END`,
  `CREATE OR REPLACE TEMP MACRO sl_text(e) AS CASE json_type(e)
     WHEN 'VARCHAR' THEN json_extract_string(e, '$')
     WHEN 'BOOLEAN' THEN json_extract_string(e, '$')
     WHEN 'BIGINT' THEN json_extract_string(e, '$')
     WHEN 'UBIGINT' THEN json_extract_string(e, '$')
     WHEN 'DOUBLE' THEN sl_double_text(e::DOUBLE)
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_json_texts(j) AS list_transform(
     list_filter(json_extract(json_array(j), '$..*'), v -> json_type(v) NOT IN ('OBJECT', 'ARRAY', 'NULL')), v -> sl_text(v))`,
  `CREATE OR REPLACE TEMP MACRO sl_text_num(t) AS CASE
     WHEN regexp_full_match(trim(t), '[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)') THEN TRY_CAST(trim(t) AS DOUBLE)
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_num(e) AS CASE
     WHEN json_type(e) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST(e AS DOUBLE)
     WHEN json_type(e) = 'VARCHAR' THEN sl_text_num(json_extract_string(e, '$'))
     ELSE NULL END`,
  `CREATE OR REPLACE TEMP MACRO sl_ip4(t) AS CASE
     WHEN regexp_full_match(t, '(?:0|[1-9][0-9]{0,2})(?:\\.(?:0|[1-9][0-9]{0,2})){3}')
       AND list_max(list_transform(string_split(t, '.'), x -> TRY_CAST(x AS INTEGER))) <= 255
     THEN list_reduce(list_transform(string_split(t, '.'), x -> TRY_CAST(x AS BIGINT)), (a, b) -> a * 256 + b)
     ELSE NULL END`,
  // IPv6 as 32 lower-case hex digits (core's parseIp: a zone and brackets dropped, `::`
  // standing for at least one group, a dotted IPv4 address as the last two groups); NULL
  // when not an IPv6 address. Fixed-width hex compares as the number does.
  `CREATE OR REPLACE TEMP MACRO sl_ip6_plain(t) AS CASE
     WHEN regexp_full_match(t, '(.*:)([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)')
     THEN regexp_extract(t, '^(.*:)[^:]*$', 1) || printf('%x:%x', sl_ip4(regexp_extract(t, '[^:]*$')) // 65536, sl_ip4(regexp_extract(t, '[^:]*$')) % 65536)
     ELSE t END`,
  `CREATE OR REPLACE TEMP MACRO sl_ip6_groups(h) AS CASE
     WHEN len(h) = 1 AND len(h[1]) = 8 THEN h[1]
     WHEN len(h) = 2 AND len(h[1]) + len(h[2]) <= 7 THEN list_concat(list_concat(h[1], list_transform(range(8 - len(h[1]) - len(h[2])), x -> '0')), h[2])
     END`,
  `CREATE OR REPLACE TEMP MACRO sl_ip6_hex_of(g) AS CASE
     WHEN list_bool_and(list_transform(g, x -> regexp_full_match(x, '[0-9A-Fa-f]{1,4}'))) THEN lower(array_to_string(list_transform(g, x -> lpad(x, 4, '0')), ''))
     END`,
  `CREATE OR REPLACE TEMP MACRO sl_ip6(t) AS CASE WHEN contains(t, ':') THEN sl_ip6_hex_of(sl_ip6_groups(list_transform(
     string_split(sl_ip6_plain(regexp_replace(regexp_replace(trim(t), '%.*$', '', 's'), '^\\[(.*)\\]$', '\\1')), '::'),
     s -> CASE WHEN s = '' THEN []::VARCHAR[] ELSE string_split(s, ':') END))) END`,
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

/**
 * Several patterns without `?` as one RE2 search: each alternative anchored where its pattern
 * does not start or end with `*`, `*` as `.*`, dot-all. A NUL is written `\x00`.
 */
function patternSetRegex(patterns: readonly StringPattern[]): string {
  const alternatives = patterns.map((pattern) => {
    const parts = pattern.parts;
    let source = parts[0]?.kind === 'AnyChars' ? '' : '^';
    for (const part of parts) source += part.kind === 'Literal' ? escapeRegex(part.text).replace(/\0/g, '\\x00') : '.*';
    return `(?:${source}${parts[parts.length - 1]?.kind === 'AnyChars' ? '' : '$'})`;
  });
  return `(?s)${alternatives.join('|')}`;
}

/**
 * Patterns of one field in an OR are tested as one regex from this many (fewer: LIKE each),
 * and at most MAX_PATTERN_SET per regex: a larger alternation outgrows RE2's DFA memory and
 * runs on the slow NFA (SigmaHQ "Vulnerable Driver Load", 238 events: 30 per regex 963 ms,
 * 100: 382 ms, 200: 3.3 s, 1,000: 4.0 s).
 */
const MIN_PATTERN_SET = 3;
const MAX_PATTERN_SET = 100;

/** A compiler-internal value: patterns without `?` (same case rule) of which one must match. */
interface PatternSet {
  readonly kind: 'PatternSet';
  readonly isCased: boolean;
  readonly patterns: readonly StringPattern[];
}

/**
 * A compiler-internal value: networks of which one must hold the address. The address is
 * computed once for all of them: SigmaHQ's "Office Application Initiated Network Connection
 * To Non-Local IP" has 161 networks, and one address expression per network took DuckDB 11 s
 * to plan.
 */
interface CidrSet {
  readonly kind: 'CidrSet';
  readonly networks: readonly CidrValue[];
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

/** Column types of the event store as the compiler reads them (store/column-type.ts ColumnType). */
export type ShapeColumnType = 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'JSON';

/**
 * How compiled conditions read events: by default one JSON column `record` holds each
 * event; over the event store, `columns` maps a top-level field name to its column (quoted
 * SQL identifier) and its type. A field held by one typed column is tested on the column
 * itself (no JSON conversion); nested values are read inside JSON columns.
 */
export interface EventShape {
  readonly record: string;
  readonly columns?: ReadonlyMap<string, { readonly sql: string; readonly type: ShapeColumnType }>;
}

/** The type of a value a test reads: a JSON value, or a typed column's scalar. */
type ScalarType = 'JSON' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR';

/** A field as read for a test: an SQL expression and its type. */
interface FieldRead {
  readonly sql: string;
  readonly type: ShapeColumnType;
}

function canonicalNumberText(value: { value: number; text: string }): string {
  if (Number.isInteger(value.value) && !Number.isSafeInteger(value.value) && /^-?[0-9]+$/.test(value.text)) return value.text;
  return String(value.value);
}

const COMPARE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=' } as const;

/** Columns a batch query with keywords computes once per row (compileBatchQuery, SqlBuilder.keyword). */
const KEYWORD_TEXTS = 'sl_keyword_texts';
const KEYWORD_LOWER = 'sl_keyword_lower';
const KEYWORD_JOINED = 'sl_keyword_joined';

function hasKeyword(node: Node): boolean {
  switch (node.kind) {
    case 'And':
    case 'Or':
      return node.children.some(hasKeyword);
    case 'Not':
      return hasKeyword(node.child);
    case 'Keyword':
      return true;
    default:
      return false;
  }
}

/**
 * The texts of every scalar of an event (a list of VARCHAR), built from the typed columns
 * without converting every column to JSON (json_tree over json_array(all columns) cost
 * 0.6 ms per row on the SigmaHQ regression events, the differential test's data).
 */
function keywordTexts(shape: EventShape): string {
  if (shape.columns === undefined) return `sl_json_texts(${shape.record})`;
  const scalars: string[] = [];
  const lists: string[] = [];
  for (const { sql, type } of shape.columns.values()) {
    if (type === 'JSON') lists.push(`sl_json_texts(${sql})`);
    else if (type === 'VARCHAR[]') lists.push(`coalesce(${sql}, [])`);
    else scalars.push(type === 'VARCHAR' ? sql : type === 'DOUBLE' ? `sl_double_text(${sql})` : `CAST(${sql} AS VARCHAR)`);
  }
  return `list_filter(flatten([[${scalars.join(', ')}]::VARCHAR[]${lists.map((l) => `, ${l}`).join('')}]), t -> t IS NOT NULL)`;
}

class SqlBuilder {
  readonly params: unknown[] = [];

  private readonly record: string;

  /**
   * @param keywordTexts true when each row has the keyword columns (KEYWORD_TEXTS ...), false
   *   to scan `json_tree(record)` in each keyword test.
   * @param variables lists that collect the parameters by type, referred to as session
   *   variables (HUNT_VARIABLES); null for positional `$n` parameters.
   */
  constructor(
    private readonly shape: EventShape,
    private readonly keywordTexts = false,
    readonly variables: { string: string[]; number: number[]; boolean: boolean[] } | null = null,
  ) {
    this.record = shape.record;
  }

  private readonly index = new Map<string, number>();

  /**
   * A reference to a parameter; equal values share one, so an expression may repeat freely.
   * Positional: `$n`, `params[n - 1]` its value. As variables: an element of one of the
   * session variables of {@link HUNT_VARIABLES} by the value's type.
   */
  param(value: string | number | boolean): string {
    const key = `${typeof value}:${String(value)}`;
    let n = this.index.get(key);
    if (n === undefined) {
      this.params.push(value);
      n = this.params.length;
      this.index.set(key, n);
      if (this.variables !== null) {
        const list = this.variables[typeof value as 'string' | 'number' | 'boolean'] as (typeof value)[];
        list.push(value);
        this.variableRefs.set(key, `getvariable('${HUNT_VARIABLES[typeof value as 'string' | 'number' | 'boolean']}')[${list.length}]`);
      }
    }
    return this.variableRefs.get(key) ?? `$${n}`;
  }

  private readonly variableRefs = new Map<string, string>();

  /**
   * A field as a test reads it: the typed column itself when one column holds it (the
   * exact key, no nested candidate), otherwise the JSON value ({@link lookup}); null when
   * no column can hold it (always missing).
   */
  read(field: string): FieldRead | null {
    const columns = this.shape.columns;
    if (columns !== undefined) {
      const exact = columns.get(field);
      if (exact !== undefined && exact.type !== 'JSON' && keyPaths(field).every((keys) => keys.length === 1 || columns.get(keys[0] as string)?.type !== 'JSON')) {
        return { sql: exact.sql, type: exact.type };
      }
    }
    const json = this.lookup(field);
    return json === null ? null : { sql: json, type: 'JSON' };
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
        if (column === undefined || (keys.length > 1 && column.type !== 'JSON')) continue;
        if (keys.length > 1) expr = `json_extract(${column.sql}, ${this.param(pointer(keys.slice(1)))})`;
        else expr = column.type === 'JSON' ? column.sql : `to_json(${column.sql})`;
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
        return this.or(node.children);
      case 'Not':
        return `(NOT ${this.node(node.child)})`;
      case 'Constant':
        return node.value ? 'TRUE' : 'FALSE';
      case 'Exists': {
        const v = this.read(node.field);
        return v === null ? 'FALSE' : `(${v.sql} IS NOT NULL)`;
      }
      case 'Keyword':
        return this.keyword(node.value);
      case 'Match':
        return this.match(node.field, node.value);
    }
  }

  /**
   * A keyword: some scalar of the event matches. In a batch query each row has its texts
   * (KEYWORD_TEXTS), lower-cased (KEYWORD_LOWER) and lower-cased and joined by NUL with a NUL
   * at both ends (KEYWORD_JOINED): a folded literal without NUL occurs in some text exactly
   * when it occurs in the joined string, so `*literal*` (all SigmaHQ keywords but 37) is one
   * contains() per row, and other folded patterns check their literals that way before
   * testing each text (measured on the 238 regression events of the differential test:
   * Linux keyword rules took 0.5-1.5 s each with a LIKE per text).
   */
  private keyword(value: StringPattern | RegexValue): string {
    if (!this.keywordTexts) {
      const test = value.kind === 'Regex' ? this.regex(value, 'sl_text(k.value)') : this.pattern(value, 'sl_text(k.value)');
      return `EXISTS (SELECT 1 FROM json_tree(${this.record}) k WHERE k.type NOT IN ('OBJECT', 'ARRAY', 'NULL') AND ${test})`;
    }
    const anyText = (list: string, test: string): string => `coalesce(list_bool_or(list_transform(${list}, t -> ${test})), false)`;
    if (value.kind === 'Regex') return anyText(KEYWORD_TEXTS, this.regex(value, 't'));
    if (value.isCased || value.parts.some((p) => p.kind === 'OneChar')) return anyText(KEYWORD_TEXTS, this.pattern(value, 't'));
    const literals = value.parts.filter((p) => p.kind === 'Literal').map((p) => p.text);
    const found = literals.filter((l) => !l.includes('\0')).map((l) => `contains(${KEYWORD_JOINED}, lower(${this.param(l)}))`);
    const parts = value.parts;
    const isContains = parts.length === 3 && parts[0]?.kind === 'AnyChars' && parts[2]?.kind === 'AnyChars' && found.length === 1;
    if (isContains) return found[0] as string;
    let like = '';
    for (const part of parts) like += part.kind === 'Literal' ? part.text.replace(/[\\%_]/g, (c) => `\\${c}`) : '%';
    return `(${[...found, anyText(KEYWORD_LOWER, `coalesce(t LIKE lower(${this.param(like)}) ESCAPE '\\', false)`)].join(' AND ')})`;
  }

  /**
   * Alternatives; patterns without `?` on one field (same case rule) are tested by one RE2
   * search when there are at least {@link MIN_PATTERN_SET} of them (SigmaHQ has rules with
   * thousands of hashes or emoji on one field: planning an OR of thousands of LIKEs took
   * seconds per rule on the differential test's regression events).
   */
  private or(children: readonly Node[]): string {
    const sets = new Map<string, { field: string; isCased: boolean; patterns: StringPattern[] }>();
    for (const c of children) {
      if (c.kind !== 'Match' || c.value.kind !== 'StringPattern' || c.value.parts.some((p) => p.kind === 'OneChar')) continue;
      const key = `${c.value.isCased ? 'c' : 'i'}\0${c.field}`;
      let set = sets.get(key);
      if (set === undefined) sets.set(key, (set = { field: c.field, isCased: c.value.isCased, patterns: [] }));
      set.patterns.push(c.value);
    }
    const terms: string[] = [];
    const grouped = new Set<StringPattern | CidrValue>();
    for (const set of sets.values()) {
      if (set.patterns.length < MIN_PATTERN_SET) continue;
      for (let i = 0; i < set.patterns.length; i += MAX_PATTERN_SET) {
        terms.push(this.match(set.field, { kind: 'PatternSet', isCased: set.isCased, patterns: set.patterns.slice(i, i + MAX_PATTERN_SET) }));
      }
      for (const p of set.patterns) grouped.add(p);
    }
    const cidrs = new Map<string, CidrValue[]>();
    for (const c of children) if (c.kind === 'Match' && c.value.kind === 'Cidr') cidrs.set(c.field, [...(cidrs.get(c.field) ?? []), c.value]);
    for (const [field, networks] of cidrs) {
      if (networks.length < 2) continue;
      terms.push(this.match(field, { kind: 'CidrSet', networks }));
      for (const n of networks) grouped.add(n);
    }
    for (const c of children) if (!(c.kind === 'Match' && grouped.has(c.value as StringPattern | CidrValue))) terms.push(this.node(c));
    return `(${terms.join(' OR ')})`;
  }

  /** A field test: a missing field fails all but null; a list matches when any element does. */
  private match(field: string, value: Value | PatternSet | CidrSet): string {
    const read = this.read(field);
    if (read === null) return value.kind === 'Null' ? 'TRUE' : 'FALSE';
    const v = read.sql;
    if (read.type === 'JSON') {
      if (value.kind === 'Null') {
        return `(${v} IS NULL OR json_type(${v}) = 'NULL' OR (json_type(${v}) = 'ARRAY' AND coalesce(list_bool_or(list_transform(json_extract(${v}, '$[*]'), e -> json_type(e) = 'NULL')), false)))`;
      }
      return `coalesce(CASE WHEN json_type(${v}) = 'ARRAY' THEN list_bool_or(list_transform(json_extract(${v}, '$[*]'), e -> json_type(e) <> 'NULL' AND ${this.scalar(value, 'e', 'JSON', true)})) WHEN json_type(${v}) = 'NULL' THEN false ELSE ${this.scalar(value, v, 'JSON')} END, false)`;
    }
    // Typed columns hold no JSON null (stored as NULL) and lists of strings only (column-type.ts).
    if (value.kind === 'Null') return `(${v} IS NULL)`;
    if (read.type === 'VARCHAR[]') return `coalesce(list_bool_or(list_transform(${v}, e -> ${this.scalar(value, 'e', 'VARCHAR', true)})), false)`;
    return `coalesce(${this.scalar(value, v, read.type)}, false)`;
  }

  /**
   * Plain and wildcard patterns use LIKE: case-insensitive through lower() on both sides
   * (README: lower() is not simple case folding). A pattern with `?` uses RE2, which folds
   * case like the engine.
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

  /** The text of a scalar `e` of type `type` as the engine sees it (§2.4). */
  private text(e: string, type: ScalarType): string {
    switch (type) {
      case 'JSON':
        return `sl_text(${e})`;
      case 'VARCHAR':
        return e;
      case 'DOUBLE':
        return `sl_double_text(${e})`;
      default:
        return `CAST(${e} AS VARCHAR)`;
    }
  }

  /** The string of a scalar (NULL when it is not a string), or null when the type holds no strings. */
  private string(e: string, type: ScalarType): string | null {
    if (type === 'JSON') return `CASE WHEN json_type(${e}) = 'VARCHAR' THEN json_extract_string(${e}, '$') END`;
    return type === 'VARCHAR' ? e : null;
  }

  /**
   * One non-null scalar `e` of type `type` against `value`; NULL counts as no match. In a
   * lambda (`isInLambda`), a parameter is not a constant to DuckDB, so a regex would be
   * compiled per element: a pattern set is tested pattern by pattern there.
   */
  private scalar(value: Exclude<Value, { kind: 'Null' }> | PatternSet | CidrSet, e: string, type: ScalarType, isInLambda = false): string {
    const isNumeric = type === 'BIGINT' || type === 'DOUBLE';
    switch (value.kind) {
      case 'PatternSet': {
        const text = this.text(e, type);
        if (isInLambda) return `(${value.patterns.map((p) => this.pattern(p, text)).join(' OR ')})`;
        if (value.isCased) return `coalesce(regexp_matches(${text}, ${this.param(patternSetRegex(value.patterns))}), false)`;
        // lower() of the regex folds its literals only: escapes are punctuation, which lower() keeps.
        return `coalesce(regexp_matches(lower(${text}), lower(${this.param(patternSetRegex(value.patterns))})), false)`;
      }
      case 'StringPattern':
        return this.pattern(value, this.text(e, type));
      case 'Regex':
        return this.regex(value, this.text(e, type));
      case 'Number':
        if (type === 'JSON') {
          return `(CASE WHEN json_type(${e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST(${e} AS DOUBLE) = ${this.param(value.value)} WHEN json_type(${e}) = 'VARCHAR' THEN json_extract_string(${e}, '$') = ${this.param(canonicalNumberText(value))} ELSE false END)`;
        }
        if (isNumeric) return `(CAST(${e} AS DOUBLE) = ${this.param(value.value)})`;
        return type === 'VARCHAR' ? `(${e} = ${this.param(canonicalNumberText(value))})` : 'false';
      case 'Boolean':
        if (type === 'JSON') {
          return `(CASE WHEN json_type(${e}) = 'BOOLEAN' THEN TRY_CAST(${e} AS BOOLEAN) = ${this.param(value.value)} WHEN json_type(${e}) = 'VARCHAR' THEN lower(json_extract_string(${e}, '$')) = ${this.param(value.value ? 'true' : 'false')} ELSE false END)`;
        }
        if (type === 'BOOLEAN') return `(${e} = ${this.param(value.value)})`;
        return type === 'VARCHAR' ? `(lower(${e}) = ${this.param(value.value ? 'true' : 'false')})` : 'false';
      case 'Compare': {
        const number = type === 'JSON' ? `sl_num(${e})` : isNumeric ? `CAST(${e} AS DOUBLE)` : type === 'VARCHAR' ? `sl_text_num(${e})` : null;
        return number === null ? 'false' : `coalesce(${number} ${COMPARE_SQL[value.op]} ${this.param(value.value)}, false)`;
      }
      case 'Cidr':
      case 'CidrSet':
        return this.cidr(value.kind === 'Cidr' ? [value] : value.networks, this.string(e, type));
      case 'FieldRef': {
        const other = this.lookup(value.field);
        if (other === null) return 'false';
        const left = this.text(e, type);
        const right = `sl_text(${other})`;
        const [l, r] = value.isCased ? [left, right] : [`lower(${left})`, `lower(${right})`];
        const test =
          value.position === 'exact' ? `${l} = ${r}` : value.position === 'startswith' ? `starts_with(${l}, ${r})` : value.position === 'endswith' ? `ends_with(${l}, ${r})` : `contains(${l}, ${r})`;
        return `coalesce(json_type(${other}) NOT IN ('ARRAY', 'OBJECT', 'NULL') AND ${test}, false)`;
      }
      case 'TimePart':
        return this.timePart(value, this.string(e, type));
    }
  }

  /**
   * A CIDR test (§4.6): the address as fixed-width hex (8 digits IPv4, 32 IPv6) within one of
   * the networks' ranges; the address is computed once (a one-element list's lambda binds it).
   */
  private cidr(networks: readonly CidrValue[], text: string | null): string {
    if (text === null) return 'false';
    const tests: string[] = [];
    for (const value of networks) {
      const network = parseIp(value.network);
      if (network === null) continue;
      const shift = BigInt((value.version === 4 ? 32 : 128) - value.prefixLength);
      const low = (network.value >> shift) << shift;
      const high = low | ((1n << shift) - 1n);
      const digits = value.version === 4 ? 8 : 32;
      tests.push(`a.v${value.version} BETWEEN ${this.param(low.toString(16).padStart(digits, '0'))} AND ${this.param(high.toString(16).padStart(digits, '0'))}`);
    }
    if (tests.length === 0) return 'false';
    const address: string[] = [];
    if (networks.some((n) => n.version === 4)) address.push(`'v4': lpad(printf('%x', sl_ip4(trim(${text}))), 8, '0')`);
    if (networks.some((n) => n.version === 6)) address.push(`'v6': sl_ip6(${text})`);
    return `coalesce(list_transform([{${address.join(', ')}}], a -> ${tests.join(' OR ')})[1], false)`;
  }

  private timePart(value: TimePartValue, text: string | null): string {
    if (text === null) return 'false';
    const s = `sl_ts(${text})`;
    const ts = { y: `${s}.y`, mo: `${s}.mo`, d: `${s}.d`, h: `${s}.h`, mi: `${s}.mi` };
    const date = `try_cast(${ts.y} || '-' || ${ts.mo} || '-' || ${ts.d} AS DATE)`;
    let part: string;
    switch (value.part) {
      case 'year':
        part = `TRY_CAST(${ts.y} AS INTEGER)`;
        break;
      case 'month':
        part = `TRY_CAST(${ts.mo} AS INTEGER)`;
        break;
      case 'day':
        part = `TRY_CAST(${ts.d} AS INTEGER)`;
        break;
      case 'week':
        part = `weekofyear(${date})`;
        break;
      case 'hour':
        part = `CASE WHEN ${ts.h} <> '' AND TRY_CAST(${ts.h} AS INTEGER) <= 23 AND TRY_CAST(${ts.mi} AS INTEGER) <= 59 THEN TRY_CAST(${ts.h} AS INTEGER) END`;
        break;
      case 'minute':
        part = `CASE WHEN ${ts.h} <> '' AND TRY_CAST(${ts.h} AS INTEGER) <= 23 AND TRY_CAST(${ts.mi} AS INTEGER) <= 59 THEN TRY_CAST(${ts.mi} AS INTEGER) END`;
        break;
    }
    return `coalesce(${ts.y} <> '' AND ${date} IS NOT NULL AND ${part} ${COMPARE_SQL[value.op]} ${this.param(value.value)}, false)`;
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
 * with columns source_path, source_record, record): returns one row (source_path,
 * source_record, hit) per condition that holds, `hit` its index into `nodes`. Parameters are
 * positional (`$n`) and shared.
 */
export function compileBatchQuery(nodes: readonly Node[], source: string, shape: EventShape = { record: 'record' }): SqlFragment {
  const keywords = nodes.some(hasKeyword);
  const builder = new SqlBuilder(shape, keywords);
  const sql = batchSql(builder, nodes, source, shape, keywords);
  return Object.freeze({ sql, params: Object.freeze(builder.params.slice()) });
}

/** Session variables that hold a hunt query's parameters, by type (LIST of VARCHAR, DOUBLE, BOOLEAN). */
export const HUNT_VARIABLES = Object.freeze({ string: 'sl_param_text', number: 'sl_param_number', boolean: 'sl_param_bool' });

/** A batch query whose parameters are read from session variables (set them first, as SqlHunter does). */
export interface HuntQuery {
  readonly sql: string;
  readonly strings: readonly string[];
  readonly numbers: readonly number[];
  readonly booleans: readonly boolean[];
}

/**
 * {@link compileBatchQuery} with the parameters in session variables (HUNT_VARIABLES), still
 * bound as values, never spliced into the text. Why: DuckDB treats a `$n` parameter in a
 * projection as non-constant, so `regexp_matches(text, $n)` compiles its regex for every
 * row (a 1,000-hash pattern set: 1.2 s per 1,000 rows), whereas `getvariable(...)` is a
 * constant when the query is bound (9 ms). Measured with a 1,000-alternative regex over
 * 1,000 rows; in the differential test, 25 s -> 19 s for the regression events.
 * `filter`, when given, is a condition every row must meet (compiled with the same values).
 */
export function compileHuntQuery(nodes: readonly Node[], source: string, shape: EventShape = { record: 'record' }, filter: Node | null = null): HuntQuery {
  const keywords = nodes.some(hasKeyword);
  const variables = { string: [] as string[], number: [] as number[], boolean: [] as boolean[] };
  const builder = new SqlBuilder(shape, keywords, variables);
  // `filter` (a necessary prefilter, sql/prefilter.ts) restricts the rows before any test runs.
  const rows = filter === null ? source : `(SELECT * FROM ${source} WHERE ${builder.node(filter)})`;
  const sql = batchSql(builder, nodes, rows, shape, keywords);
  return Object.freeze({ sql, strings: Object.freeze(variables.string), numbers: Object.freeze(variables.number), booleans: Object.freeze(variables.boolean) });
}

/**
 * The batch query. When a condition has keywords, each row's keyword texts (every scalar of
 * the event, as text) are listed once per row, not scanned again by each keyword test.
 */
function batchSql(builder: SqlBuilder, nodes: readonly Node[], source: string, shape: EventShape, keywords: boolean): string {
  const tests = nodes.map((node, i) => `CASE WHEN ${builder.node(node)} THEN ${i} END`);
  const from = keywords
    ? `(SELECT *, list_transform(${KEYWORD_TEXTS}, t -> lower(t)) AS ${KEYWORD_LOWER}, lower(chr(0) || array_to_string(${KEYWORD_TEXTS}, chr(0)) || chr(0)) AS ${KEYWORD_JOINED}
       FROM (SELECT *, ${keywordTexts(shape)} AS ${KEYWORD_TEXTS} FROM ${source}))`
    : source;
  // unnest, not WHERE len(hits) > 0: DuckDB pushes a filter down through the projections and
  // inlines them, so the keyword columns would be computed again in every test.
  return `SELECT source_path, source_record, unnest(list_filter([${tests.join(',\n')}]::INTEGER[], x -> x IS NOT NULL)) AS hit FROM ${from}`;
}
