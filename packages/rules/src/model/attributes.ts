// Rule attributes shared by detection, correlation and filter rules (sigma-semantics.md
// §1.3), validated the way pySigma validates them, with file positions.
import { LEVELS, type Level, type Logsource, type RuleMeta } from '@siemlite/core';
import type { YamlMap } from '../yaml/load-yaml.js';
import type { Diagnostics} from './map-reader.js';
import { MapReader, describeType, valueLoc } from './map-reader.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = new Set(['stable', 'test', 'experimental', 'deprecated', 'unsupported']);
const RELATED_TYPES = new Set(['derived', 'obsolete', 'merged', 'renamed', 'similar', 'correlation']);
// Sigma 2.1 tag syntax; pySigma only insists on the dot, so a mismatch is a warning.
const TAG_RE = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const DATE_RE = /^(?:\d{4}-\d{2}-\d{2}|\d{4}\/\d{1,2}\/\d{1,2})$/;

/** The attributes of {@link RuleMeta} that come straight from the rule text. */
export type CommonAttributes = Omit<RuleMeta, 'key' | 'origin'>;

/** Reads and checks the attributes every Sigma rule kind shares. */
export function readCommonAttributes(map: YamlMap, diag: Diagnostics, kind: string): CommonAttributes {
  const r = new MapReader(map, diag, kind);
  const title = r.string('title', { required: true, maxLength: 256 }) ?? '';

  let id = r.string('id');
  if (id !== null && !UUID_RE.test(id)) {
    diag.error('schema', `'id' must be a UUID, got '${id}'`, loc(r, 'id'));
    id = null;
  }
  const name = r.string('name', { allowEmpty: false });

  let status = r.string('status');
  if (status !== null) {
    if (!STATUSES.has(status.toLowerCase())) {
      diag.error('schema', `'${status}' is not a valid status (${[...STATUSES].join(', ')})`, loc(r, 'status'));
      status = null;
    } else status = status.toLowerCase();
  }

  let level: Level | null = null;
  const levelText = r.string('level');
  if (levelText !== null) {
    const lower = levelText.toLowerCase();
    if ((LEVELS as readonly string[]).includes(lower)) level = lower as Level;
    else diag.error('schema', `'${levelText}' is not a valid level (${LEVELS.join(', ')})`, loc(r, 'level'));
  }

  const date = readDate(r, diag, 'date');
  const modified = readDate(r, diag, 'modified');

  const tags = r.stringList('tags');
  const tagsEntry = r.entry('tags');
  const tagItems = tagsEntry?.value.kind === 'seq' ? tagsEntry.value.items : [];
  tags.forEach((tag, i) => {
    const at = tagItems[i]?.loc ?? map.loc;
    if (!tag.includes('.')) diag.error('schema', `tag '${tag}' must have a namespace, like 'attack.t1059'`, at);
    else if (!TAG_RE.test(tag)) diag.warn('schema', `tag '${tag}' does not follow the Sigma tag syntax`, at);
  });

  readRelated(r, diag);
  r.string('license');
  r.string('taxonomy', { allowEmpty: false });
  r.stringList('scope');
  const author = r.string('author');

  return {
    id,
    name,
    title,
    description: r.string('description'),
    status,
    level,
    author,
    date,
    modified,
    tags,
    references: r.stringList('references'),
    falsepositives: readFalsePositives(r),
    fields: r.stringList('fields'),
  };
}

function loc(r: MapReader, key: string): ReturnType<typeof valueLoc> {
  const e = r.entry(key);
  return e === undefined ? r.map.loc : valueLoc(e);
}

function readDate(r: MapReader, diag: Diagnostics, key: string): string | null {
  const text = r.string(key);
  if (text === null) return null;
  if (!DATE_RE.test(text)) {
    diag.error('schema', `'${key}' must be a date as yyyy-mm-dd, got '${text}'`, loc(r, key));
    return null;
  }
  return text;
}

// Some SigmaHQ rules write a single false positive as a string; pySigma requires a list,
// but accepts a string too (it wraps it), so we do the same.
function readFalsePositives(r: MapReader): readonly string[] {
  const e = r.entry('falsepositives');
  if (e?.value.kind === 'scalar' && typeof e.value.value === 'string') return [e.value.value];
  return r.stringList('falsepositives');
}

function readRelated(r: MapReader, diag: Diagnostics): void {
  const e = r.entry('related');
  if (e === undefined) return;
  if (e.value.kind !== 'seq') {
    diag.error('schema', `'related' must be a list, not ${describeType(e.value)}`, valueLoc(e));
    return;
  }
  for (const item of e.value.items) {
    if (item.kind !== 'map') {
      diag.error('schema', `each 'related' entry must be a map with 'id' and 'type'`, item.loc);
      continue;
    }
    const rr = new MapReader(item, diag, `'related' entry`);
    const id = rr.string('id', { required: true });
    if (id !== null && !UUID_RE.test(id)) diag.error('schema', `related id must be a UUID, got '${id}'`, loc(rr, 'id'));
    const type = rr.string('type', { required: true });
    if (type !== null && !RELATED_TYPES.has(type)) {
      diag.error('schema', `related type '${type}' is not one of ${[...RELATED_TYPES].join(', ')}`, loc(rr, 'type'));
    }
  }
}

/** Reads `logsource`; at least one of category, product, service must be set. */
export function readLogsource(map: YamlMap, diag: Diagnostics, kind: string): Logsource | null {
  const r = new MapReader(map, diag, kind);
  const ls = r.map_('logsource', { required: true });
  if (ls === null) return null;
  const lr = new MapReader(ls, diag, 'logsource');
  const category = lr.string('category');
  const product = lr.string('product');
  const service = lr.string('service');
  const definition = lr.string('definition');
  if (category === null && product === null && service === null) {
    diag.error('schema', `logsource must set at least one of category, product or service`, ls.loc);
  }
  return Object.freeze({ category, product, service, definition });
}

export { UUID_RE };
