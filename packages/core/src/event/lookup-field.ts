// Field lookup in events, sigma-semantics.md §2.2: the exact key first (flat events, Zeek's
// `id.orig_h`, ECS-style `http.response.status_code`), then a walk through nested objects.
// `compileFieldPath` does all string work once, at compile time (STYLE.md §5: no `split`
// or template strings per event).
//
// Decisions:
// - Absent is `undefined`, JSON null is `null`. JSON cannot hold `undefined`, so no sentinel
//   is needed, and a symbol would leak into every consumer's type. A property that holds
//   `undefined` (only possible in objects built in JS) counts as absent.
// - Walk order: at each level the longest dotted key is tried first and the walk backtracks,
//   so `{"a": {"b.c": 1}}` answers `a.b.c` with 1, and the whole name as one key (the
//   "exact key first" rule) is simply the longest key at the top level.
// - An array met on the way is searched element by element and the values found are
//   collected into one list (nested lists flattened), as Elasticsearch treats arrays of
//   objects; SigmaHQ cloud rules rely on it (`requestParameters.containerDefinitions.command`,
//   `data.protoPayload.authorizationInfo.permission`). No element matching means absent.
//   Numeric segments do not index arrays.
// - Only own properties count: `constructor` or `toString` must not find Object.prototype.

/** Reads a field of an event; returns `undefined` when absent, `null` for JSON null. */
export type FieldAccessor = (event: Record<string, unknown>) => unknown;

/** A dotted name split once: `keys[start * count + end]` is segments start..end joined by dots. */
interface FieldPath {
  readonly count: number;
  readonly keys: readonly string[];
  /** Per key: it names an Object.prototype member, so an own-property check is needed. */
  readonly isInherited: readonly boolean[];
}

/**
 * Looks `field` up in `event` (§2.2): exact key first, then nested objects segment by segment,
 * also trying segments that themselves contain dots. For hot loops use `compileFieldPath`.
 *
 * @example
 * lookupField({ 'id.orig_h': '10.0.0.1' }, 'id.orig_h')               // '10.0.0.1'
 * lookupField({ Event: { EventData: { Image: 'a.exe' } } }, 'Event.EventData.Image') // 'a.exe'
 * lookupField({ a: null }, 'a') // null;  lookupField({}, 'a') // undefined
 */
export function lookupField(event: Record<string, unknown>, field: string): unknown {
  return walk(event, splitPath(field), 0);
}

/**
 * Precompiles the accessor for one field name: the name is split and every dotted
 * sub-key is built here, once, so the per-event work is property reads only.
 *
 * @example
 * const image = compileFieldPath('Event.EventData.Image');
 * image(event); // same answer as lookupField(event, 'Event.EventData.Image')
 */
export function compileFieldPath(field: string): FieldAccessor {
  const path = splitPath(field);
  if (path.count === 1) {
    // The common case (`Image`, `EventID`): one property read.
    if (!(field in Object.prototype)) return (event) => event[field];
    return (event) => (Object.hasOwn(event, field) ? event[field] : undefined);
  }
  return (event) => walk(event, path, 0);
}

function splitPath(field: string): FieldPath {
  const segments = field.split('.');
  const count = segments.length;
  const keys = new Array<string>(count * count).fill('');
  const isInherited = new Array<boolean>(count * count).fill(false);
  for (let start = 0; start < count; start++) {
    let key = '';
    for (let end = start; end < count; end++) {
      key = end === start ? (segments[end] ?? '') : key + '.' + (segments[end] ?? '');
      keys[start * count + end] = key;
      isInherited[start * count + end] = key in Object.prototype;
    }
  }
  return { count, keys, isInherited };
}

function walk(node: Record<string, unknown>, path: FieldPath, start: number): unknown {
  const count = path.count;
  for (let end = count - 1; end >= start; end--) {
    const index = start * count + end;
    const key = path.keys[index] ?? '';
    const value = path.isInherited[index] === true && !Object.hasOwn(node, key) ? undefined : node[key];
    if (value === undefined) continue;
    if (end === count - 1) return value;
    if (typeof value !== 'object' || value === null) continue;
    const found = Array.isArray(value)
      ? searchList(value, path, end + 1)
      : walk(value as Record<string, unknown>, path, end + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The rest of the path in each element of a list; the values found, or undefined if none. */
function searchList(list: readonly unknown[], path: FieldPath, start: number): unknown[] | undefined {
  let found: unknown[] | undefined;
  const length = list.length;
  for (let i = 0; i < length; i++) {
    const item = list[i];
    if (typeof item !== 'object' || item === null) continue;
    const value = Array.isArray(item)
      ? searchList(item, path, start)
      : walk(item as Record<string, unknown>, path, start);
    if (value === undefined) continue;
    found ??= [];
    if (Array.isArray(value)) {
      for (let j = 0; j < value.length; j++) found.push(value[j]);
    } else {
      found.push(value);
    }
  }
  return found;
}

/**
 * An accessor that reads the first of several names the event has (undefined when none):
 * a Sigma field a processing pipeline may have renamed (`Image` or `NewProcessName`).
 * Compiled once, like {@link compileFieldPath}.
 *
 * @example compileFirstPresent(['Image', 'NewProcessName'])({ NewProcessName: 'a.exe' }) // 'a.exe'
 */
export function compileFirstPresent(names: readonly string[]): FieldAccessor {
  const accessors = names.map(compileFieldPath);
  if (accessors.length === 1) return accessors[0] as FieldAccessor;
  return (event) => {
    for (let i = 0; i < accessors.length; i++) {
      const value = (accessors[i] as FieldAccessor)(event);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}
