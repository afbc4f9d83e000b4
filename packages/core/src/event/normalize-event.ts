// Windows event JSON (evtx_dump, Chainsaw, Hayabusa) -> flat Sigma field names, as laid down
// in sigma-semantics.md §10. This runs once per event in `siemlite hunt`, so it follows the
// hot-path rules of STYLE.md §5: one output object per event, string literals for every
// System field name (no per-event key building), no regexes, closures or `for…of`.
//
// Decisions, with the evidence from shared/datasets (default files vs evtx_dump_0.12_shape/):
// - Trailing whitespace of every string value (System, EventData, UserData) is trimmed in the
//   flat fields, as evtx_dump 0.8.5–0.9.x and the SigmaHQ regression twins do. 0.12 keeps
//   Windows' raw value (`"Advapi  "`, `"…cmd.exe\" "`); about 11,000 EventData values differ
//   between the two shapes only by that whitespace, and rules such as
//   `LogonProcessName: 'Advapi'` expect the trimmed form. `String#trimEnd` matches Rust's
//   `trim_end` (what 0.9 used) except for U+0085 and U+FEFF. Leading whitespace is kept (both
//   shapes keep it). The original object under `Event` is never touched.
// - JSON null in this JSON only ever stands for an empty XML element (XML has no null), so it
//   becomes `""` wherever a value is expected: 0.9 writes `"Unused":null` where 0.12 writes
//   `"Unused":""` (611 values in evtx_to_mitre_attack), and a null there would make
//   `Unused: null` filters suppress real detections (§10, the Hayabusa bug). This includes
//   `Binary`, UserData leaves (`BackupPath`) and System text elements (`"Channel":null` in the
//   415 ETW events becomes `Channel: ""`). Attribute-only System elements (`Correlation`,
//   `Security`) give no field when null: they have no attributes.
// - Repeated sibling elements: 0.12 names them `Name`, `Name_1`, … (e.g.
//   `RmRestartEvent.Applications.Application_1`) where 0.9 writes one list under `Name`. Each
//   stays a separate field exactly as the converter named it; nothing is merged.
// - UserData nesting: the leaves directly under the wrapper (`LogFileCleared.SubjectUserName`)
//   become fields by their own name. Deeper elements are flattened the same way (leaf name;
//   attributes as `<Element>_<attr>`, e.g. CAPI2 `Certificate_fileRef`), but only fill names
//   nobody else set: a deeper leaf never overrides a direct leaf, EventData or System. The
//   full path stays reachable through the kept original (`Event.UserData.…`).
// - The kept original owns the name `Event`: RdpCoreTS 226 has an EventData field `Event`
//   (12 events in evtx_attack_samples; no SigmaHQ rule uses such a field). Its value stays
//   reachable as `Event.EventData.Event`.
// - Other children of `Event` (`RenderingInfo` of forwarded events, `ProcessingErrorData`) are
//   not flattened: RenderingInfo repeats `Level`, `Channel`… as display text and would clobber
//   the System values. They stay reachable under `Event.…`.
// With these rules the default and the 0.12 files give the same fields for all 26,365
// records, except where the converters disagree on content: repeated siblings (above),
// unnamed `Data` lists (0.9 drops empty <Data/> and splits text at entity references) and
// one value whose inner whitespace 0.9 trimmed before an entity (test/event, "across evtx_dump").

/** Shape of the JSON objects read and written here. */
type JsonObject = Record<string, unknown>;

const ATTRIBUTES = '#attributes';
const TEXT = '#text';
const SEPARATED_SUFFIX = '_attributes';

/** Names where System beats EventData/UserData (§10); `Event` guards the kept original. */
const SYSTEM_WINS: ReadonlySet<string> = new Set(['EventID', 'Channel', 'Computer', 'Provider_Name', 'Event']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when `value` is Windows event JSON: an `Event` object holding a `System` object. Both
 * attribute styles qualify (nested `#attributes`, or separated `Provider_attributes` as
 * Chainsaw and Hayabusa write it), since `System` itself never has attributes.
 *
 * @example isEvtxEvent({ Event: { System: { EventID: 1 } } }) // true
 */
export function isEvtxEvent(value: JsonObject): boolean {
  const event = value['Event'];
  return isObject(event) && isObject(event['System']);
}

/**
 * Flattens one Windows event to Sigma field names (sigma-semantics.md §10) and keeps the
 * original nested object, by reference, under `Event`, so Hayabusa-style dotted names such as
 * `Event.EventData.Image` still resolve. Any other object is returned unchanged (same
 * reference), so flat sources (Mordor, CloudTrail) pass through at no cost.
 *
 * Why flatten instead of aliasing: the batch builder and the SQL path both want one column per
 * Sigma field, and doing the §10 rules once here keeps every consumer identical.
 *
 * @example
 * normalizeEvent({ Event: { System: { EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 },
 *   Channel: 'System' }, EventData: { ServiceName: 'x ', AccountName: null } } })
 * // { Event: <same object>, EventID: 7045, EventID_Qualifiers: 16384, Channel: 'System',
 * //   ServiceName: 'x', AccountName: '' }
 */
export function normalizeEvent(value: JsonObject): JsonObject {
  const event = value['Event'];
  if (!isObject(event)) return value;
  const system = event['System'];
  if (!isObject(system)) return value;

  const out: JsonObject = { Event: event };
  // Keys a collector put beside `Event` (none in the datasets) survive unless a Windows field
  // has the same name; `Event_attributes` only holds xmlns in the separated style.
  for (const key in value) {
    if (key !== 'Event' && key !== 'Event_attributes') setRaw(out, key, value[key]);
  }
  putSystem(out, system);
  const eventData = event['EventData'];
  if (isObject(eventData)) putEventData(out, eventData);
  const eventDataAttributes = event['EventData_attributes'];
  if (isObject(eventDataAttributes)) putAttributes(out, 'EventData', eventDataAttributes, true);
  const userData = event['UserData'];
  if (isObject(userData)) putUserData(out, userData);
  return out;
}

// ---- System -------------------------------------------------------------------------------

function putSystem(out: JsonObject, system: JsonObject): void {
  // EventID: a number, a numeric string (rendered records: `"EventID":"1116"`), or
  // `{"#attributes":{"Qualifiers":16384},"#text":7045}`; separated style puts the
  // qualifiers in `EventID_attributes`.
  let id = system['EventID'];
  let qualifiers: unknown;
  if (isObject(id)) {
    const attributes = id[ATTRIBUTES];
    if (isObject(attributes)) qualifiers = attributes['Qualifiers'];
    id = id[TEXT];
  }
  const separatedId = system['EventID_attributes'];
  if (qualifiers === undefined && isObject(separatedId)) qualifiers = separatedId['Qualifiers'];
  if (id !== undefined) out['EventID'] = eventIdValue(id);
  if (qualifiers !== undefined) out['EventID_Qualifiers'] = cleanLeaf(qualifiers);

  putText(out, system, 'Version');
  putText(out, system, 'Level');
  putText(out, system, 'Task');
  putText(out, system, 'Opcode');
  putText(out, system, 'Keywords');
  putText(out, system, 'EventRecordID');
  putText(out, system, 'Channel');
  putText(out, system, 'Computer');

  let attributes = attributesOf(system, 'Provider', 'Provider_attributes');
  if (attributes !== undefined) {
    putAttribute(out, attributes, 'Name', 'Provider_Name');
    putAttribute(out, attributes, 'Guid', 'Provider_Guid');
    putAttribute(out, attributes, 'EventSourceName', 'Provider_EventSourceName');
  }
  attributes = attributesOf(system, 'TimeCreated', 'TimeCreated_attributes');
  if (attributes !== undefined) putAttribute(out, attributes, 'SystemTime', 'TimeCreated_SystemTime');
  attributes = attributesOf(system, 'Execution', 'Execution_attributes');
  if (attributes !== undefined) {
    putAttribute(out, attributes, 'ProcessID', 'Execution_ProcessID');
    putAttribute(out, attributes, 'ThreadID', 'Execution_ThreadID');
    // ETW-converted events (etw_rpc_*.evtx) also carry these.
    putAttribute(out, attributes, 'ProcessorID', 'Execution_ProcessorID');
    putAttribute(out, attributes, 'SessionID', 'Execution_SessionID');
    putAttribute(out, attributes, 'KernelTime', 'Execution_KernelTime');
    putAttribute(out, attributes, 'UserTime', 'Execution_UserTime');
    putAttribute(out, attributes, 'ProcessorTime', 'Execution_ProcessorTime');
  }
  attributes = attributesOf(system, 'Security', 'Security_attributes');
  if (attributes !== undefined) putAttribute(out, attributes, 'UserID', 'Security_UserID');
  attributes = attributesOf(system, 'Correlation', 'Correlation_attributes');
  if (attributes !== undefined) {
    putAttribute(out, attributes, 'ActivityID', 'Correlation_ActivityID');
    putAttribute(out, attributes, 'RelatedActivityID', 'Correlation_RelatedActivityID');
  }
}

/** EventID as a number whenever its text is a plain decimal (§10: EventID is a number). */
function eventIdValue(id: unknown): unknown {
  if (typeof id !== 'string') return cleanLeaf(id);
  const text = id.trim();
  const length = text.length;
  if (length === 0 || length > 15) return trimTrailing(id);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return trimTrailing(id);
  }
  return Number(text);
}

/** A System element holding text, possibly beside attributes (`{"#text":…}`). */
function putText(out: JsonObject, system: JsonObject, name: string): void {
  let value = system[name];
  if (value === undefined) return;
  if (isObject(value)) {
    value = value[TEXT];
    if (value === undefined) return;
  }
  out[name] = cleanValue(value);
}

/** The attribute map of `name` in either style, or undefined when it has none. */
function attributesOf(system: JsonObject, name: string, separatedName: string): JsonObject | undefined {
  const element = system[name];
  if (isObject(element)) {
    const attributes = element[ATTRIBUTES];
    if (isObject(attributes)) return attributes;
  }
  const separated = system[separatedName];
  return isObject(separated) ? separated : undefined;
}

function putAttribute(out: JsonObject, attributes: JsonObject, name: string, field: string): void {
  const value = attributes[name];
  if (value !== undefined) out[field] = cleanLeaf(value);
}

// ---- EventData and UserData ---------------------------------------------------------------

function putEventData(out: JsonObject, eventData: JsonObject): void {
  for (const key in eventData) {
    const value = eventData[key];
    if (key === 'Data') {
      // Unnamed <Data> elements; §10 wants a list of strings whatever the converter wrote.
      putField(out, 'Data', dataList(value), true);
    } else if (key === ATTRIBUTES) {
      // `<EventData Name="TaskDisabled">` (TaskScheduler 142 in regression_data).
      putAttributes(out, 'EventData', value, true);
    } else if (key !== TEXT) {
      putElement(out, key, value, true);
      // Defender and a few other providers name data with spaces (`Source Name`,
      // `Threat Name`); Sigma rules write them without (`SourceName`), as THOR and
      // Hayabusa read them. Both spellings are kept; a real field of that name wins.
      if (key.includes(' ')) {
        const alias = key.replace(/ /g, '');
        if (!Object.hasOwn(eventData, alias) && !Object.hasOwn(out, alias)) putElement(out, alias, value, true);
      }
    }
  }
}

function putUserData(out: JsonObject, userData: JsonObject): void {
  for (const wrapper in userData) {
    const value = userData[wrapper];
    if (isSeparatedAttributes(wrapper) && isObject(value)) {
      putAttributes(out, wrapper.slice(0, -SEPARATED_SUFFIX.length), value, false);
    } else if (isObject(value)) {
      putChildren(out, wrapper, value, false, true);
    } else {
      putField(out, wrapper, cleanValue(value), true);
    }
  }
}

/**
 * Writes element `name`: a leaf or list becomes one field; an object contributes its `#text`
 * under `name`, its attributes as `name_attr`, and each child element by the child's name.
 */
function putElement(out: JsonObject, name: string, value: unknown, isDirect: boolean): void {
  if (isObject(value)) putChildren(out, name, value, isDirect, false);
  else putField(out, name, cleanValue(value), isDirect);
}

function putChildren(
  out: JsonObject,
  owner: string,
  element: JsonObject,
  isOwnerDirect: boolean,
  areChildrenDirect: boolean,
): void {
  for (const key in element) {
    const child = element[key];
    if (key === TEXT) putField(out, owner, cleanValue(child), isOwnerDirect);
    else if (key === ATTRIBUTES) putAttributes(out, owner, child, isOwnerDirect);
    else if (isSeparatedAttributes(key) && isObject(child)) {
      putAttributes(out, key.slice(0, -SEPARATED_SUFFIX.length), child, areChildrenDirect);
    } else putElement(out, key, child, areChildrenDirect);
  }
}

/** `element_attr` for each attribute except namespace declarations (§10: xmlns dropped). */
function putAttributes(out: JsonObject, element: string, attributes: unknown, isDirect: boolean): void {
  if (!isObject(attributes)) return;
  for (const name in attributes) {
    if (!isNamespaceDeclaration(name)) putField(out, element + '_' + name, cleanLeaf(attributes[name]), isDirect);
  }
}

/**
 * Direct leaves overwrite, except the names System wins (§10); deeper UserData leaves only
 * fill names that are still free.
 */
function putField(out: JsonObject, key: string, value: unknown, isDirect: boolean): void {
  if (out[key] !== undefined && Object.hasOwn(out, key)) {
    if (!isDirect || SYSTEM_WINS.has(key)) return;
  }
  setRaw(out, key, value);
}

/** Plain assignment, except that `__proto__` (log data is untrusted) becomes an own key. */
function setRaw(out: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

// ---- values -------------------------------------------------------------------------------

function cleanValue(value: unknown): unknown {
  return Array.isArray(value) ? cleanList(value) : cleanLeaf(value);
}

function cleanLeaf(value: unknown): unknown {
  if (typeof value === 'string') return trimTrailing(value);
  return value === null ? '' : value;
}

/** The same array when nothing changes (the common case), else a cleaned copy. */
function cleanList(list: unknown[]): unknown[] {
  const length = list.length;
  for (let i = 0; i < length; i++) {
    const item = list[i];
    if (item === null || (typeof item === 'string' && trimTrailing(item) !== item)) {
      const copy = list.slice();
      for (let j = i; j < length; j++) {
        const value = copy[j];
        if (value === null || typeof value === 'string') copy[j] = cleanLeaf(value);
      }
      return copy;
    }
  }
  return list;
}

/**
 * Unnamed <Data> as a list of strings. Seen: `{"#text":[…]}`, `{"#text":"one"}` (0.9 and
 * 0.12 disagree on one-element lists), `{"#text":null}`, and bare values or arrays in the
 * separated style. An empty <Data/> is `""`.
 */
function dataList(value: unknown): unknown[] {
  if (isObject(value)) value = value[TEXT];
  if (Array.isArray(value)) {
    const length = value.length;
    for (let i = 0; i < length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string' || trimTrailing(item) !== item) {
        const strings = new Array<string>(length);
        for (let j = 0; j < length; j++) strings[j] = dataString(value[j]);
        return strings;
      }
    }
    return value;
  }
  return value === undefined ? [] : [dataString(value)];
}

function dataString(value: unknown): string {
  if (typeof value === 'string') return trimTrailing(value);
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * `trimEnd`, skipping the call for the common case of a last character that is printable
 * ASCII and so cannot be whitespace.
 */
function trimTrailing(text: string): string {
  const length = text.length;
  if (length === 0) return text;
  const last = text.charCodeAt(length - 1);
  return last > 32 && last < 127 ? text : text.trimEnd();
}

function isSeparatedAttributes(key: string): boolean {
  return key.length > SEPARATED_SUFFIX.length && key.endsWith(SEPARATED_SUFFIX);
}

/** `xmlns` and `xmlns:prefix`. */
function isNamespaceDeclaration(name: string): boolean {
  return name.startsWith('xmlns') && (name.length === 5 || name.charCodeAt(5) === 58);
}
