// Sigma correlation rules as DuckDB SQL over a relation of base-rule matches, giving the
// streaming correlator's alerts (core/correlate; docs/correlation.md) as a set query.
//
// The relation (CORRELATION_ITEMS) holds one row per usable match: `item` (the order in
// which the streaming correlator processes matches: event time, then arrival), `t` (event
// time, epoch ms), `rule_key`, `path`, `record`, and `fields` (JSON object: the fields the
// correlator reads for that rule, by the names it reads them under).
//
// The streaming semantics, and how the SQL gets them:
// - Group: the group-by values (aliases per rule) as JSON; a match without one is not
//   counted. `idx` numbers a group's matches in processing order.
// - Upper-bound conditions (lt, lte, eq, neq, ranges): a window opens with the group's first
//   match, covers [start, start + timespan] and the next opens with the first match after it.
//   The windows tile the group; their starts are a chain (each start follows from the
//   previous one), walked by a recursive CTE over `last` (the window's last idx, a RANGE
//   window function). At most `cap` newest entries are kept per window, as the correlator.
// - Lower bounds only (gt, gte; temporal and temporal_ordered by default): the correlator
//   fires at the first match j after the group's last alert i whose window
//   [max(lo_j, i + 1), j] satisfies the condition, lo_j being the first match within the
//   timespan before j (and within the entry cap). Every aggregate here is monotone in the
//   window's start, so "holds over [s, j]" is "s <= L(j)", L(j) being the latest start that
//   still holds; L never decreases with j. So the next alert after i is the first j >= theta(i)
//   (the first j with L(j) > i) with L(j) >= lo_j: one lookup per alert (ASOF join), chained by
//   a recursive CTE. L(j) per type: event_count j - N + 1; temporal the Nth latest of the
//   rules' last matches; temporal_ordered the latest start of the rules 1..N in order (one
//   window pass per rule); value_count the Nth latest of the values' last matches within the
//   window (a range self-join: cost grows with matches x distinct values per window).
// - The value, window, first matches and match count of each alert come from one GROUP BY
//   over the rows of its window; upper-bound windows keep those where the condition holds.
//
// Not expressible as a set query here, so run by core's Correlator over the same matches in
// processing order (planCorrelation says which and why): value_sum, value_avg and
// value_percentile (not compiled), and chains (a correlation that reads another correlation,
// or is read by one: the inner alert becomes a match of the outer one at the moment it fires,
// inside the correlator's processing order), and a rule listed twice in one correlation (the
// correlator counts each of its matches once per listing). Not modelled: the --max-groups cap
// (SQL holds no per-group state to bound).
import { DEFAULT_MAX_ENTRIES_PER_GROUP, DEFAULT_MAX_MATCHES_PER_ALERT, type CorrelationBound, type CorrelationRule } from '@siemlite/core';

/** The relation the compiled SQL reads (a temp table that correlateStore fills). */
export const CORRELATION_ITEMS = 'siemlite_correlation_items';

/** A correlation as SQL: text with $n placeholders only, and the values to bind in order. */
export interface CorrelationSql {
  readonly sql: string;
  readonly params: readonly (string | number)[];
  /** Counts of the matches read without a group-by field, and without the value field; with its own parameters. */
  readonly missingSql: string;
  readonly missingParams: readonly (string | number)[];
}

/** How `hunt --engine sql` runs a correlation: its compiled SQL, or the streaming correlator and why. */
export type CorrelationPlan = { readonly kind: 'sql'; readonly query: CorrelationSql } | { readonly kind: 'stream'; readonly reason: string };

/**
 * Parameters as DuckDB binds them without loss: whole numbers as BIGINT (the client infers
 * INTEGER from a JS number and truncates larger ones, such as epoch milliseconds).
 */
export function bindable(params: readonly (string | number)[]): (string | number | bigint)[] {
  return params.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v));
}

/** Why a correlation is not compiled, or null when it is. */
export function streamedReason(rule: CorrelationRule, correlationKeys: ReadonlySet<string>, readByCorrelation: ReadonlySet<string>): string | null {
  if (rule.type === 'value_sum' || rule.type === 'value_avg' || rule.type === 'value_percentile') {
    return `${rule.type} is not compiled to SQL (event_count, value_count, temporal and temporal_ordered are)`;
  }
  if (new Set(rule.rules).size !== rule.rules.length) {
    return 'a rule listed twice: the correlator counts each of its matches once per listing';
  }
  if (rule.rules.some((k) => correlationKeys.has(k)) || readByCorrelation.has(rule.key)) {
    return 'a chain of correlations: an inner alert is a match of the outer correlation at the moment it fires, in the order of processing';
  }
  return null;
}

/**
 * How `rule` runs under `hunt --engine sql`: compiled SQL, or the streaming correlator (with
 * the reason). `all` is every correlation run together (chains are told by it).
 */
export function planCorrelation(rule: CorrelationRule, all: readonly CorrelationRule[]): CorrelationPlan {
  const keys = new Set(all.map((c) => c.key));
  const readers = new Set(all.flatMap((c) => c.rules));
  const reason = streamedReason(rule, keys, readers);
  return reason === null ? { kind: 'sql', query: compileCorrelation(rule) } : { kind: 'stream', reason };
}

class Params {
  readonly list: (string | number)[] = [];
  readonly #index = new Map<string, number>();
  /** `$n` of a value (numbers cast to `cast`); equal values share one number. */
  add(value: string | number, cast = 'BIGINT'): string {
    const key = `${typeof value}:${value}`;
    let n = this.#index.get(key);
    if (n === undefined) {
      this.list.push(value);
      n = this.list.length;
      this.#index.set(key, n);
    }
    return typeof value === 'number' ? `$${n}::${cast}` : `$${n}`;
  }
}

/** RFC 6901 JSON pointer of a top-level key (the fields object is flat). */
function pointer(name: string): string {
  return `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** The smallest whole count that satisfies every lower bound (counts are whole numbers). */
function lowerThreshold(bounds: readonly CorrelationBound[]): number {
  let n = Number.NEGATIVE_INFINITY;
  for (const b of bounds) n = Math.max(n, b.op === 'gt' ? Math.floor(b.value) + 1 : Math.ceil(b.value));
  return n;
}

/**
 * Compiles one correlation rule (event_count, value_count, temporal, temporal_ordered) to a
 * query over CORRELATION_ITEMS returning one row per alert: gkey (the group values, a JSON
 * array), value, start_ms, end_ms, fired (lower bounds: the item that fired; upper bounds: the
 * item that opened the window), matches (the first 10: rule_id, path, record), total.
 * Every rule value (rule keys, field pointers, timespan, thresholds) is a parameter.
 *
 * @example
 * const { sql, params } = compileCorrelation(rule);
 * await connection.runAndReadAll(sql, params);
 */
export function compileCorrelation(rule: CorrelationRule): CorrelationSql {
  if (rule.type !== 'event_count' && rule.type !== 'value_count' && rule.type !== 'temporal' && rule.type !== 'temporal_ordered') {
    throw new RangeError(`${rule.type} correlations are not compiled to SQL`);
  }
  const p = new Params();
  const isLowerOnly = rule.condition.length > 0 && rule.condition.every((b) => b.op === 'gt' || b.op === 'gte');
  const threshold = Math.max(0, ...rule.condition.map((b) => b.value));
  const cap = p.add(Math.max(DEFAULT_MAX_ENTRIES_PER_GROUP, Number.isFinite(threshold) ? Math.ceil(threshold) + 1 : 0));
  const span = p.add(rule.timespanMs);
  const input = matchRows(rule, p);
  const { groupPresent, valuePresent } = input;
  const counted = matchRows(rule, new Params());
  const ctes: string[] = [
    input.cte,
    `g AS (SELECT *, to_json(gv)::VARCHAR AS gkey, row_number() OVER (PARTITION BY to_json(gv)::VARCHAR ORDER BY item) - 1 AS idx FROM m WHERE ${groupPresent} AND ${valuePresent})`,
  ];
  const missingSql =
    `WITH ${counted.cte} SELECT count(*) FILTER (WHERE NOT (${counted.groupPresent})) AS missing_group, ` +
    `count(*) FILTER (WHERE ${counted.groupPresent} AND NOT (${counted.valuePresent})) AS missing_value FROM m`;

  if (isLowerOnly) {
    // A threshold of 0 or less holds for every match (alone in its window, after the reset).
    const n = lowerThreshold(rule.condition);
    ctes.push(
      `w AS (SELECT *, greatest(min(idx) OVER (PARTITION BY gkey ORDER BY t RANGE BETWEEN ${span} PRECEDING AND CURRENT ROW), idx - ${cap} + 1) AS lo FROM g)`,
    );
    ctes.push(...(n <= 0 ? [`l AS (SELECT gkey, idx, lo, idx AS latest FROM w)`] : latestStart(rule, n, p.add(n), p)));
    ctes.push(
      `q AS (SELECT gkey, idx, lo, latest, min(CASE WHEN latest >= lo THEN idx END) OVER (PARTITION BY gkey ORDER BY idx ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS nextq FROM l)`,
      `lt AS (SELECT gkey, latest, min(idx) AS j FROM l WHERE latest IS NOT NULL GROUP BY gkey, latest)`,
      `nx AS MATERIALIZED (SELECT q.gkey, q.idx AS i, q2.nextq AS nxt FROM q ASOF JOIN lt ON q.gkey = lt.gkey AND q.idx + 1 <= lt.latest JOIN q q2 ON q2.gkey = lt.gkey AND q2.idx = lt.j)`,
      ...walk(`SELECT gkey, nextq AS first FROM q WHERE idx = 0 AND nextq IS NOT NULL`),
      `win AS (SELECT c.gkey, c.f AS wid, greatest(q.lo, c.prev + 1) AS s FROM chain c JOIN q ON q.gkey = c.gkey AND q.idx = c.f)`,
      // Each row belongs to the window of the first alert at or after it, if inside it.
      `r AS (SELECT g.*, min(win.wid) OVER (PARTITION BY g.gkey ORDER BY g.idx ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS wid FROM g LEFT JOIN win ON win.gkey = g.gkey AND win.wid = g.idx)`,
      `rows AS (SELECT r.* FROM r JOIN win ON win.gkey = r.gkey AND win.wid = r.wid WHERE r.idx >= win.s)`,
      `agg AS (SELECT gkey, wid, min(t) AS start_ms, max(t) AS end_ms, arg_max(item, idx) AS fired, ${aggregates(p)} FROM rows GROUP BY gkey, wid)`,
    );
  } else {
    ctes.push(
      `w AS (SELECT *, max(idx) OVER (PARTITION BY gkey ORDER BY t RANGE BETWEEN CURRENT ROW AND ${span} FOLLOWING) AS last, count(*) OVER (PARTITION BY gkey) AS n FROM g)`,
      `nx AS MATERIALIZED (SELECT gkey, idx AS i, CASE WHEN last + 1 < n THEN last + 1 END AS nxt FROM w)`,
      ...walk(`SELECT gkey, 0::BIGINT AS first FROM w WHERE idx = 0`),
      `win AS (SELECT c.gkey, c.f AS wid, w.t AS start_ms, w.item AS opened, greatest(c.f, w.last - ${cap} + 1) AS s FROM chain c JOIN w ON w.gkey = c.gkey AND w.idx = c.f)`,
      `r AS (SELECT g.*, max(win.wid) OVER (PARTITION BY g.gkey ORDER BY g.idx ROWS UNBOUNDED PRECEDING) AS wid FROM g LEFT JOIN win ON win.gkey = g.gkey AND win.wid = g.idx)`,
      `rows AS (SELECT r.*, win.start_ms, win.opened FROM r JOIN win ON win.gkey = r.gkey AND win.wid = r.wid WHERE r.idx >= win.s)`,
      `agg AS (SELECT gkey, wid, any_value(start_ms) AS start_ms, any_value(start_ms) + ${span} AS end_ms, any_value(opened) AS fired, ${aggregates(p)} FROM rows GROUP BY gkey, wid)`,
    );
  }
  const holds = rule.condition.map((b) => `value ${SQL_OPS[b.op]} ${p.add(b.value, 'DOUBLE')}`).join(' AND ');
  const sql =
    `WITH RECURSIVE ${ctes.join(',\n  ')}\n` +
    `SELECT gkey, value, start_ms, end_ms, fired, matches, total FROM (SELECT *, ${valueOf(rule, p)} AS value FROM agg) WHERE ${holds || 'true'} ORDER BY fired, gkey`;
  return { sql, params: p.list, missingSql, missingParams: counted.params.list };
}

/** The CTE `m`: the rows the correlation reads, with their group values `gv` (JSON[]) and value key `v`. */
function matchRows(rule: CorrelationRule, p: Params): { cte: string; groupPresent: string; valuePresent: string; params: Params } {
  const read = (field: string): string => `json_extract(fields, ${p.add(pointer(field))})`;
  const present = (expr: string): string => `(${expr} IS NOT NULL AND json_type(${expr}) <> 'NULL')`;

  // The group-by values: aliases name another field per rule.
  const groupExprs = rule.groupBy.map((name) => {
    const alias = rule.aliases.find((a) => a.alias === name);
    const mapped = alias === undefined ? [] : Object.entries(alias.fields).filter(([, field]) => field !== name);
    if (mapped.length === 0) return read(name);
    return `CASE rule_key ${mapped.map(([key, field]) => `WHEN ${p.add(key)} THEN ${read(field)}`).join(' ')} ELSE ${read(name)} END`;
  });
  const groupList = groupExprs.length === 0 ? `[]::JSON[]` : `[${groupExprs.join(', ')}]`;
  const groupPresent = groupExprs.length === 0 ? 'true' : `list_bool_and(list_transform(gv, x -> x IS NOT NULL AND json_type(x) <> 'NULL'))`;
  let valueExpr = 'NULL::VARCHAR';
  let valuePresent = 'true';
  if (rule.type === 'value_count') {
    const values = rule.field.map(read);
    valuePresent = values.map(present).join(' AND ');
    valueExpr =
      values.length === 1
        ? `CASE WHEN json_type(${values[0]}) = 'VARCHAR' THEN ${values[0]}->>'$' ELSE to_json([${values[0]}])::VARCHAR END`
        : `to_json([${values.join(', ')}])::VARCHAR`;
  }
  const ruleKeys = [...new Set(rule.rules)].map((k) => p.add(k)).join(', ');
  const cte = `m AS (SELECT item, t, rule_key, path, record, ${groupList} AS gv, ${valueExpr} AS v, ${valuePresent} AS has_value FROM ${CORRELATION_ITEMS} WHERE rule_key IN (${ruleKeys}))`;
  return { cte, groupPresent, valuePresent: 'has_value', params: p };
}

/** Steps of a chain taken per round of the recursive CTE (each round reads the whole `nx`). */
const STEPS = 16;

/**
 * CTEs that walk each group's chain from `first` along `nx(gkey, i, nxt)` (nxt null: the
 * chain ends) and end in `chain(gkey, prev, f)`: every node f with the node before it (-1
 * for the first). A recursive CTE reads all of `nx` in each round, so a round takes STEPS
 * steps at once (precomputed by STEPS - 1 joins): rounds = the longest chain / STEPS.
 */
function walk(first: string): string[] {
  const joins: string[] = [];
  const steps: string[] = ['n1.nxt'];
  for (let k = 2; k <= STEPS; k++) {
    joins.push(`LEFT JOIN nx n${k} ON n${k}.gkey = n1.gkey AND n${k}.i = n${k - 1}.nxt`);
    steps.push(`n${k}.nxt`);
  }
  return [
    `jumps AS MATERIALIZED (SELECT n1.gkey, n1.i, list_filter([${steps.join(', ')}], x -> x IS NOT NULL) AS steps FROM nx n1 ${joins.join(' ')})`,
    `walked(gkey, anchor, steps, more) AS (SELECT gkey, -1::BIGINT, [first], true FROM (${first}) ` +
      `UNION ALL SELECT c.gkey, c.steps[len(c.steps)], j.steps, len(j.steps) = ${STEPS} FROM walked c JOIN jumps j ON j.gkey = c.gkey AND j.i = c.steps[len(c.steps)] WHERE c.more AND len(j.steps) > 0)`,
    `chain AS (SELECT gkey, unnest(list_concat([anchor], list_slice(steps, 1, len(steps) - 1))) AS prev, unnest(steps) AS f FROM walked)`,
  ];
}

const SQL_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' } as const;

/** The aggregate columns of a window's rows: counts, the rule keys in order, the first matches. */
function aggregates(p: Params): string {
  return [
    'count(*) AS total',
    'count(DISTINCT v) AS nvalues',
    'count(DISTINCT rule_key) AS rules',
    'list(rule_key ORDER BY idx) AS keys',
    `list({'rule_id': rule_key, 'path': path, 'record': record} ORDER BY idx)[1:${p.add(DEFAULT_MAX_MATCHES_PER_ALERT)}] AS matches`,
  ].join(', ');
}

/** The correlation's value over a window's aggregates (temporal_ordered: greedy, rules in order). */
function valueOf(rule: CorrelationRule, p: Params): string {
  switch (rule.type) {
    case 'event_count':
      return 'total';
    case 'value_count':
      return 'nvalues';
    case 'temporal':
      return 'rules';
    default: {
      // Greedy, earliest first: position of rule 1, then of rule 2 after it, ... (1-based).
      let at = '0';
      const steps: string[] = [];
      for (const key of rule.rules) {
        at = `(${at}) + list_position(keys[(${at}) + 1:], ${p.add(key)})`;
        steps.push(`CASE WHEN ${at} IS NULL THEN 0 ELSE 1 END`);
      }
      return steps.length === 0 ? '0' : steps.join(' + ');
    }
  }
}

/**
 * CTEs ending in `l(gkey, idx, lo, latest)`: `latest` is L(j), the latest window start from
 * which the aggregate over [start, j] reaches `n` (null when no start does).
 */
function latestStart(rule: CorrelationRule, n: number, nParam: string, p: Params): string[] {
  switch (rule.type) {
    case 'event_count':
      return [`l AS (SELECT gkey, idx, lo, CASE WHEN idx - ${nParam} + 1 >= 0 THEN idx - ${nParam} + 1 END AS latest FROM w)`];
    case 'temporal': {
      const keys = [...new Set(rule.rules)];
      const lasts = keys.map((k) => `max(CASE WHEN rule_key = ${p.add(k)} THEN idx END) OVER (PARTITION BY gkey ORDER BY idx ROWS UNBOUNDED PRECEDING)`);
      return [
        `lr AS (SELECT gkey, idx, lo, list_sort(list_filter([${lasts.join(', ')}], x -> x IS NOT NULL), 'DESC') AS lasts FROM w)`,
        `l AS (SELECT gkey, idx, lo, CASE WHEN len(lasts) >= ${nParam} THEN lasts[${nParam}] END AS latest FROM lr)`,
      ];
    }
    case 'temporal_ordered': {
      // S_1(j): last match of rule 1 up to j; S_m(j) = S_(m-1) just before the last match of rule m up to j.
      if (n > rule.rules.length) return [`l AS (SELECT gkey, idx, lo, NULL::BIGINT AS latest FROM w)`];
      const out = [`o1 AS (SELECT *, max(CASE WHEN rule_key = ${p.add(rule.rules[0] as string)} THEN idx END) OVER (PARTITION BY gkey ORDER BY idx ROWS UNBOUNDED PRECEDING) AS s FROM w)`];
      for (let m = 2; m <= n; m++) {
        out.push(
          `b${m} AS (SELECT * EXCLUDE (s), s AS s_prev, lag(s) OVER (PARTITION BY gkey ORDER BY idx) AS before FROM o${m - 1})`,
          `o${m} AS (SELECT * EXCLUDE (s_prev, before), last_value(CASE WHEN rule_key = ${p.add(rule.rules[m - 1] as string)} THEN before END IGNORE NULLS) ` +
            `OVER (PARTITION BY gkey ORDER BY idx ROWS UNBOUNDED PRECEDING) AS s FROM b${m})`,
        );
      }
      out.push(`l AS (SELECT gkey, idx, lo, s AS latest FROM o${n})`);
      return out;
    }
    default:
      // value_count: the Nth latest of the live last matches of each value inside [lo, j].
      return [
        `vn AS (SELECT *, lead(idx) OVER (PARTITION BY gkey, v ORDER BY idx) AS next_same FROM w)`,
        `vk AS (SELECT j.gkey, j.idx, k.idx AS k FROM vn j JOIN vn k ON k.gkey = j.gkey AND k.idx BETWEEN j.lo AND j.idx AND coalesce(k.next_same, j.idx + 1) > j.idx ` +
          `QUALIFY row_number() OVER (PARTITION BY j.gkey, j.idx ORDER BY k.idx DESC) = ${nParam})`,
        `l AS (SELECT w.gkey, w.idx, w.lo, vk.k AS latest FROM w LEFT JOIN vk ON vk.gkey = w.gkey AND vk.idx = w.idx)`,
      ];
  }
}
