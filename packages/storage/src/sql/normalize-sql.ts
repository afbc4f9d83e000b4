// What core does to each record before rules see it, done by DuckDB over a table of raw
// records (file-relation.ts): Windows event JSON flattened to Sigma field names as core's
// normalizeEvent does (sigma-semantics.md §10), isWindowsEvent, and the shipped log-source
// recognizers (SourceRouter.route, withSigmaFields). test/storage/file-relation.test.ts
// checks the flattening against normalizeEvent on every event of three shared datasets.
//
// The flattening is relational instead of recursive code: json_tree lists every node of
// `Event` in document order (preorder ids), a recursive CTE gives each object node its role
// (EventData, UserData, an element, an attribute map) from its parent's, each leaf under a
// role becomes a candidate write (field, value, order, direct?), and one pass per field keeps
// the write normalizeEvent keeps: writes of `Event`'s top-level neighbours and of System are
// plain assignments; a later direct write overwrites except on the names System wins; a
// deeper (not direct) write only fills a free name; a `Source Name` alias only when it is
// the first writer.
import { SHIPPED_RECOGNIZERS, type SourceLogsource, type SourceRecognizer } from '@siemlite/core';
import { fieldPaths } from './compile-sql.js';

/** SQL: node key `n.key` names a separated attribute map (`Provider_attributes`, Chainsaw/Hayabusa style). */
const SEPARATED = `(length(n.key) > 11 AND suffix(n.key, '_attributes'))`;

/** Names where System beats EventData/UserData (core's normalize-event.ts SYSTEM_WINS). */
const SYSTEM_WINS = ['EventID', 'Channel', 'Computer', 'Provider_Name'];

/** JavaScript's `trimEnd` whitespace (String.prototype.trim, ECMA-262 WhiteSpace and LineTerminator). */
const JS_WHITESPACE = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]
  .map((c) => `chr(${c})`)
  .join(' || ');

/** Macros of the flattening (temp macros on the connection). */
export const NORMALIZE_MACROS: readonly string[] = Object.freeze([
  `CREATE OR REPLACE TEMP MACRO sl_trim_end(s) AS rtrim(s, ${JS_WHITESPACE})`,
  `CREATE OR REPLACE TEMP MACRO sl_trim(s) AS trim(s, ${JS_WHITESPACE})`,
  // cleanLeaf: strings lose trailing whitespace, null (an empty XML element) becomes "".
  `CREATE OR REPLACE TEMP MACRO sl_clean_leaf(v) AS CASE json_type(v)
     WHEN 'VARCHAR' THEN to_json(sl_trim_end(json_extract_string(v, '$')))
     WHEN 'NULL' THEN '""'::JSON ELSE v END`,
  // cleanValue: a list is cleaned element by element.
  `CREATE OR REPLACE TEMP MACRO sl_clean_value(v) AS CASE json_type(v)
     WHEN 'ARRAY' THEN ('[' || coalesce(array_to_string(list_transform(json_extract(v, '$[*]'), e -> sl_clean_leaf(e)::VARCHAR), ','), '') || ']')::JSON
     ELSE sl_clean_leaf(v) END`,
  // dataString: one unnamed <Data> element as text.
  `CREATE OR REPLACE TEMP MACRO sl_data_string(e) AS CASE json_type(e)
     WHEN 'VARCHAR' THEN sl_trim_end(json_extract_string(e, '$'))
     WHEN 'NULL' THEN '' ELSE e::VARCHAR END`,
  // dataList: unnamed <Data> elements as a list of strings, whatever the converter wrote.
  `CREATE OR REPLACE TEMP MACRO sl_data_list(v) AS to_json(CASE
     WHEN json_type(v) = 'OBJECT' THEN sl_data_items(json_extract(v, '$."#text"'))
     ELSE sl_data_items(v) END)`,
  `CREATE OR REPLACE TEMP MACRO sl_data_items(v) AS CASE
     WHEN v IS NULL THEN []::VARCHAR[]
     WHEN json_type(v) = 'ARRAY' THEN coalesce(list_transform(json_extract(v, '$[*]'), e -> sl_data_string(e)), []::VARCHAR[])
     ELSE [sl_data_string(v)] END`,
  // eventIdValue: a decimal text of 1 to 15 digits becomes a number.
  `CREATE OR REPLACE TEMP MACRO sl_event_id(v) AS CASE
     WHEN json_type(v) = 'VARCHAR' AND regexp_full_match(sl_trim(json_extract_string(v, '$')), '[0-9]{1,15}')
       THEN to_json(CAST(sl_trim(json_extract_string(v, '$')) AS BIGINT))
     ELSE sl_clean_leaf(v) END`,
  // A System element holding text, possibly beside attributes ({"#text": ...}).
  `CREATE OR REPLACE TEMP MACRO sl_system_text(v) AS CASE
     WHEN json_type(v) = 'OBJECT' THEN sl_clean_value(json_extract(v, '$."#text"'))
     ELSE sl_clean_value(v) END`,
  // An attribute of a System element in either style (nested #attributes of `x`, or `xa` = NAME_attributes).
  `CREATE OR REPLACE TEMP MACRO sl_attribute(x, xa, attribute) AS sl_clean_leaf(json_extract(CASE
     WHEN json_type(json_extract(x, '$."#attributes"')) = 'OBJECT' THEN json_extract(x, '$."#attributes"')
     WHEN json_type(xa) = 'OBJECT' THEN xa END, '$."' || attribute || '"'))`,
]);

/** System text elements normalizeEvent copies (putText), in its order. */
const SYSTEM_TEXTS = ['Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer'];
/** System elements whose attributes become `Element_attr` fields, in putSystem's order. */
const SYSTEM_ATTRIBUTES: readonly (readonly [string, readonly string[]])[] = [
  ['Provider', ['Name', 'Guid', 'EventSourceName']],
  ['TimeCreated', ['SystemTime']],
  ['Execution', ['ProcessID', 'ThreadID', 'ProcessorID', 'SessionID', 'KernelTime', 'UserTime', 'ProcessorTime']],
  ['Security', ['UserID']],
  ['Correlation', ['ActivityID', 'RelatedActivityID']],
];

/**
 * The parts of an evtx record read in one json_extract (one parse of the record): EventData,
 * EventData_attributes, UserData, then the System elements SYSTEM_FIELDS reads as `p[i]`.
 */
const PARTS: readonly string[] = [
  'EventData', 'EventData_attributes', 'UserData',
  ...['EventID', 'EventID_attributes', ...SYSTEM_TEXTS, ...SYSTEM_ATTRIBUTES.flatMap(([e]) => [e, `${e}_attributes`])].map((n) => `System.${n}`),
];
const part = (name: string): string => `p[${PARTS.indexOf(name) + 1}]`;

/** The System writes of normalizeEvent's putSystem, in its order: [field, SQL over the parts `p`]. */
const SYSTEM_FIELDS: readonly (readonly [string, string])[] = [
  ['EventID', `sl_event_id(CASE WHEN json_type(${part('System.EventID')}) = 'OBJECT' THEN json_extract(${part('System.EventID')}, '$."#text"') ELSE ${part('System.EventID')} END)`],
  ['EventID_Qualifiers', `sl_clean_leaf(coalesce(
     CASE WHEN json_type(json_extract(${part('System.EventID')}, '$."#attributes"')) = 'OBJECT' THEN json_extract(${part('System.EventID')}, '$."#attributes".Qualifiers') END,
     CASE WHEN json_type(${part('System.EventID_attributes')}) = 'OBJECT' THEN json_extract(${part('System.EventID_attributes')}, '$.Qualifiers') END))`],
  ...SYSTEM_TEXTS.map((name) => [name, `sl_system_text(${part(`System.${name}`)})`] as const),
  ...SYSTEM_ATTRIBUTES.flatMap(([element, attributes]) =>
    attributes.map((a) => [`${element}_${a}`, `sl_attribute(${part(`System.${element}`)}, ${part(`System.${element}_attributes`)}, '${a}')`] as const),
  ),
];

/** SQL condition: `raw` is Windows event JSON (an `Event` object holding a `System` object). */
export const IS_EVTX_SQL = `coalesce(json_type(json_extract(raw, '$.Event')) = 'OBJECT' AND json_type(json_extract(raw, '$.Event.System')) = 'OBJECT', false)`;

/** SQL condition: core's isWindowsEvent over `raw` (the record as read). */
export const IS_WINDOWS_SQL = `(${IS_EVTX_SQL} OR coalesce(json_type(raw) = 'OBJECT' AND list_contains(json_keys(raw), 'EventID')
  AND (list_contains(json_keys(raw), 'Channel') OR list_contains(json_keys(raw), 'Provider_Name') OR list_contains(json_keys(raw), 'SourceName')), false))`;

/**
 * Statements that fill temp table `siemlite_normalized (rid, record)` with the flattened
 * record of every Windows event JSON row of `raw_table (rid, raw)`; other rows get none.
 */
export function normalizeStatements(rawTable: string): string[] {
  const system = SYSTEM_FIELDS.map(([field, sql], i) => `{'f': '${field}', 'v': ${sql}, 'o': ${i}}`).join(',\n      ');
  const systemWins = SYSTEM_WINS.map((n) => `'${n}'`).join(', ');
  return [
    // The record is parsed once for all its parts; json_tree then walks only the parts
    // normalizeEvent reads (over the whole Event, System included, it was 30 times slower);
    // `phase` orders the parts as normalizeEvent writes them.
    `CREATE OR REPLACE TEMP TABLE siemlite_evtx AS
     SELECT rid, json_extract(raw, [${PARTS.map((n) => `'$.Event.${n}'`).join(', ')}]) AS p FROM ${rawTable} WHERE ${IS_EVTX_SQL}`,
    `CREATE OR REPLACE TEMP TABLE siemlite_evtx_nodes AS
     SELECT r.rid, r.phase, t.id, t.parent, t.key, t.value, t.type
     FROM (SELECT rid, unnest([2, 3, 4]) AS phase, unnest([p[1], p[2], p[3]]) AS part FROM siemlite_evtx) r, json_tree(r.part) t
     WHERE json_type(r.part) = 'OBJECT'`,
    `CREATE OR REPLACE TEMP TABLE siemlite_candidates AS
     WITH RECURSIVE walk(rid, phase, id, kind, name, od, cd, keys) AS (
       SELECT rid, phase, id, CASE phase WHEN 2 THEN 'ed' WHEN 3 THEN 'attrs' ELSE 'ud' END, 'EventData', true, false,
              CASE WHEN phase = 2 THEN json_keys(value) END
       FROM siemlite_evtx_nodes WHERE parent IS NULL
       UNION ALL
       SELECT n.rid, n.phase, n.id,
         CASE w.kind
           WHEN 'ed' THEN CASE WHEN n.key = '#attributes' THEN 'attrs' WHEN n.key IN ('Data', '#text') THEN NULL ELSE 'element' END
           WHEN 'ud' THEN CASE WHEN ${SEPARATED} THEN 'attrs' ELSE 'element' END
           ELSE CASE WHEN n.key = '#text' THEN NULL WHEN n.key = '#attributes' OR ${SEPARATED} THEN 'attrs' ELSE 'element' END
         END,
         CASE w.kind
           WHEN 'ed' THEN CASE WHEN n.key = '#attributes' THEN 'EventData' ELSE n.key END
           WHEN 'ud' THEN CASE WHEN ${SEPARATED} THEN left(n.key, length(n.key) - 11) ELSE n.key END
           ELSE CASE WHEN n.key = '#attributes' THEN w.name WHEN ${SEPARATED} THEN left(n.key, length(n.key) - 11) ELSE n.key END
         END,
         -- od: an element's own text and attributes are direct; an attribute map: its writes are.
         CASE w.kind WHEN 'ed' THEN true WHEN 'ud' THEN false
           ELSE CASE WHEN n.key = '#attributes' THEN w.od ELSE w.cd END END,
         -- cd: an element's children are direct only right under a UserData wrapper.
         w.kind = 'ud',
         NULL::VARCHAR[]
       FROM walk w JOIN siemlite_evtx_nodes n ON n.rid = w.rid AND n.phase = w.phase AND n.parent = w.id
       WHERE w.kind IN ('ed', 'ud', 'element') AND n.type = 'OBJECT'
     ),
     leaves AS (
       SELECT n.rid, n.id, n.key, n.value, n.type, w.kind, w.name, w.phase, w.od, w.cd, w.keys
       FROM walk w JOIN siemlite_evtx_nodes n ON n.rid = w.rid AND n.phase = w.phase AND n.parent = w.id
       WHERE w.kind IN ('ed', 'ud', 'element', 'attrs')
     )
     SELECT rid, f, v, seq, direct, false AS forced, only_first FROM (
       -- EventData: Data as a list; other leaves by their name, with the space-less alias.
       SELECT rid, 'Data' AS f, sl_data_list(value) AS v, phase * 4294967296 + id * 2 AS seq, true AS direct, false AS only_first
         FROM leaves WHERE kind = 'ed' AND key = 'Data'
       UNION ALL
       SELECT rid, key, sl_clean_value(value), phase * 4294967296 + id * 2, true, false
         FROM leaves WHERE kind = 'ed' AND type <> 'OBJECT' AND key NOT IN ('Data', '#text', '#attributes')
       UNION ALL
       SELECT rid, replace(key, ' ', ''), sl_clean_value(value), phase * 4294967296 + id * 2 + 1, true, true
         FROM leaves WHERE kind = 'ed' AND type <> 'OBJECT' AND contains(key, ' ') AND key NOT IN ('Data', '#text', '#attributes')
           AND NOT list_contains(keys, replace(key, ' ', ''))
       UNION ALL
       -- UserData wrappers that are leaves.
       SELECT rid, key, sl_clean_value(value), phase * 4294967296 + id * 2, true, false
         FROM leaves WHERE kind = 'ud' AND type <> 'OBJECT'
       UNION ALL
       -- Elements: #text under the element's name, other leaves by their own name.
       SELECT rid, CASE WHEN key = '#text' THEN name ELSE key END, sl_clean_value(value), phase * 4294967296 + id * 2,
              CASE WHEN key = '#text' THEN od ELSE cd END, false
         FROM leaves WHERE kind = 'element' AND (key = '#text' OR (type <> 'OBJECT' AND key <> '#attributes'))
       UNION ALL
       -- Attribute maps: ELEMENT_attr, namespace declarations dropped.
       SELECT rid, name || '_' || key, sl_clean_leaf(value), phase * 4294967296 + id * 2, od, false
         FROM leaves WHERE kind = 'attrs' AND NOT (key = 'xmlns' OR starts_with(key, 'xmlns:'))
     )
     UNION ALL
     -- Keys a collector put beside Event, then System: plain assignments.
     SELECT r.rid, e.key, e.value, e.id, true, true, false
       FROM ${rawTable} r, json_each(r.raw) e WHERE ${IS_EVTX_SQL} AND e.key NOT IN ('Event', 'Event_attributes')
     UNION ALL
     SELECT rid, w.f, w.v, 1 * 4294967296 + w.o, true, true, false FROM (
       SELECT rid, unnest([
      ${system}
       ]) AS w FROM siemlite_evtx
     ) WHERE w.v IS NOT NULL`,
    `CREATE OR REPLACE TEMP TABLE siemlite_normalized AS
     SELECT rid, ('{' || string_agg(to_json(f)::VARCHAR || ':' || v::VARCHAR, ',' ORDER BY seq) || '}')::JSON AS record
     FROM (
       SELECT rid, f, arg_max(v, seq) AS v, max(seq) AS seq FROM (
         SELECT *, min(seq) OVER (PARTITION BY rid, f) AS first FROM siemlite_candidates WHERE f <> 'Event'
       ) WHERE (forced OR seq = first OR (direct AND f NOT IN (${systemWins}))) AND (NOT only_first OR seq = first)
       GROUP BY rid, f
     ) GROUP BY rid`,
    `DROP TABLE siemlite_evtx_nodes`,
    `DROP TABLE siemlite_evtx`,
    `DROP TABLE siemlite_candidates`,
  ];
}

/**
 * SQL over `raw` that gives the route key of a non-Windows record by the shipped
 * recognizers, first match wins (SourceRouter.route), or NULL for no known source: product,
 * service, category (lower case) and the recognizer's index, joined by U+001F.
 * Recognizer names and values go into `params` (numbered from `params.length + 1`).
 */
export function routeKeySql(params: unknown[], recognizers: readonly SourceRecognizer[] = SHIPPED_RECOGNIZERS): string {
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const read = (field: string): string => {
    const paths = fieldPaths(field).map((p) => `json_extract(raw, ${bind(p)})`);
    return paths.length === 1 ? (paths[0] as string) : `coalesce(${paths.join(', ')})`;
  };
  const present = (field: string): string => `coalesce(json_type(${read(field)}) <> 'NULL', false)`;
  const branches = recognizers.map((r, index) => {
    const key = (l: SourceLogsource, service: string | null): string => {
      const lower = (v: string | undefined): string => (v === undefined || v === '' ? "''" : bind(v.toLowerCase()));
      return `${lower(l.product)} || chr(31) || ${service ?? lower(l.service)} || chr(31) || ${lower(l.category)} || chr(31) || '${index}'`;
    };
    const tests = [
      ...(r.has ?? []).map(present),
      ...((r.hasAny ?? []).length > 0 ? [`(${(r.hasAny ?? []).map(present).join(' OR ')})`] : []),
      ...Object.entries(r.equals ?? {}).map(([field, values]) => `coalesce(json_type(${read(field)}) = 'VARCHAR' AND json_extract_string(${read(field)}, '$') IN (${values.map(bind).join(', ')}), false)`),
      ...(r.lacks ?? []).map((f) => `NOT ${present(f)}`),
    ];
    let result = key(r.logsource, null);
    if (r.serviceFrom !== undefined) {
      const value = read(r.serviceFrom.field);
      const text = `json_extract_string(${value}, '$')`;
      const mapped = Object.entries(r.serviceFrom.map ?? {}).map(([from, service]) => `WHEN ${text} = ${bind(from)} THEN ${bind(service.toLowerCase())}`);
      const other = r.serviceFrom.other === undefined ? `lower(${text})` : bind(r.serviceFrom.other.toLowerCase());
      result = `CASE WHEN coalesce(json_type(${value}) <> 'VARCHAR', true) THEN ${result} ELSE ${key(r.logsource, `CASE ${mapped.join(' ')} ${mapped.length > 0 ? '' : 'WHEN false THEN NULL'} ELSE ${other} END`)} END`;
    }
    return `WHEN ${tests.join(' AND ')} THEN ${result}`;
  });
  return `CASE WHEN json_type(raw) <> 'OBJECT' THEN NULL ${branches.join('\n')} END`;
}

/** The logsource of a route key of {@link routeKeySql}, and the index of its recognizer. */
export function parseRouteKey(key: string): { logsource: SourceLogsource; recognizer: number } {
  const [product, service, category, index] = key.split('\u001f');
  return {
    logsource: { ...(product ? { product } : {}), ...(service ? { service } : {}), ...(category ? { category } : {}) },
    recognizer: Number(index),
  };
}
