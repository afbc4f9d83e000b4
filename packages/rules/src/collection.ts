// Loads rule files and folders into a rule set: detection, correlation and filter rules
// lowered to core IR, with every error located. One bad rule never stops the rest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import {
  And,
  deepFreeze,
  errorRecord,
  type CorrelationAlias,
  type CorrelationRule,
  type DetectionRule,
  type ErrorRecord,
  type FilterRule,
  type Logsource,
  type Node,
  type RuleKeys,
  type RuleMeta,
  type SourceLocation,
  ruleKeysOf,
} from '@siemlite/core';
import { lowerDetection } from './lower/lower-detection.js';
import { Diagnostics, MapReader } from './model/map-reader.js';
import { readCommonAttributes, readLogsource } from './model/attributes.js';
import { parseCorrelation, type ParsedCorrelation, type RuleReference } from './model/correlation-rule.js';
import { parseFilter, type ParsedFilter } from './model/filter-rule.js';
import { applyPipeline, resolvePlaceholders } from './pipeline/apply-pipeline.js';
import type { ProcessingPipeline } from './pipeline/pipeline.js';
import type { LowerItemContext } from './modifiers/lower-item.js';
import { loadYaml, type Locator, type YamlEntry, type YamlMap } from './yaml/load-yaml.js';
import { decodeCachedJson, encodeCachedJson, RuleCache, type CacheHit, type RuleCacheOptions } from './rule-cache.js';
import { conditionOf, isKeyNeutral, lazyCondition, lazyDetectionRule, processLazily, type LazyCondition, type Probe } from './lazy-rules.js';

/** Rule files larger than this are rejected unread: no real rule comes close (the largest SigmaHQ rule is ~40 KB). */
export const DEFAULT_MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

/** Folders with this name hold processing pipelines and are skipped when walking a folder. */
export const PIPELINE_FOLDER = 'pipelines';

/** Rule tests files (`NAME.tests.yml` beside `NAME.yml`) end so; a folder walk skips them. */
export const RULE_TESTS_SUFFIX = '.tests.yml';

/** Options of `loadRules` and `loadRulesFromText`. */
export interface LoadRulesOptions {
  /** Processing pipelines applied in order (field mappings, logsource conditions, placeholders). */
  readonly pipelines?: readonly ProcessingPipeline[];
  readonly maxFileBytes?: number;
  /** Placeholders without configured values: reject the rule (default) or match `*` with a warning. */
  readonly placeholderFallback?: 'error' | 'wildcard';
  /** Called once per file, before it is read (progress reporting). */
  readonly onFile?: (file: string) => void;
  /**
   * Keep what loading each file gives (parsed and lowered, with its errors and warnings) in
   * a cache folder, keyed by the file's path and the hash of its bytes, so that loading
   * unchanged files again skips YAML parsing and lowering. The result is the same as
   * without the cache. Cache problems never fail a load (see {@link RuleCacheOptions}).
   * Default: no cache.
   */
  readonly cache?: RuleCacheOptions;
}

/** What {@link loadRules} returns: every rule that loaded, and every error and warning. */
export interface RuleSet {
  readonly rules: readonly DetectionRule[];
  readonly correlations: readonly CorrelationRule[];
  readonly filters: readonly FilterRule[];
  readonly errors: readonly ErrorRecord[];
  readonly warnings: readonly ErrorRecord[];
  /** Rule files read. */
  readonly files: number;
  /** Files with at least one error. */
  readonly filesWithErrors: number;
}

interface PendingDetection {
  readonly meta: Omit<RuleMeta, 'key'>;
  readonly logsource: Logsource;
  /** Lazy when replayed from the rule cache (lazy-rules.ts). */
  readonly condition: Node | LazyCondition;
  readonly file: string;
  readonly docIndex: number;
  readonly fromTemplate: boolean;
}

interface PendingCorrelation {
  readonly meta: Omit<RuleMeta, 'key'>;
  readonly parsed: ParsedCorrelation;
  readonly file: string;
  readonly docIndex: number;
}

interface PendingFilter {
  readonly meta: Omit<RuleMeta, 'key'>;
  readonly logsource: Logsource;
  readonly parsed: ParsedFilter;
  readonly file: string;
  readonly docIndex: number;
}

/** What loading one file adds to {@link Pending}: the unit the rule cache stores. */
interface FileResult {
  readonly detections: readonly PendingDetection[];
  readonly correlations: readonly PendingCorrelation[];
  readonly filters: readonly PendingFilter[];
  readonly errors: readonly ErrorRecord[];
  readonly warnings: readonly ErrorRecord[];
  readonly hasErrors: boolean;
}

interface Pending {
  readonly detections: PendingDetection[];
  readonly correlations: PendingCorrelation[];
  readonly filters: PendingFilter[];
  readonly errors: ErrorRecord[];
  readonly warnings: ErrorRecord[];
  readonly filesWithErrors: Set<string>;
}

/**
 * Loads rule files and folders (recursively, `.yml`/`.yaml`) and returns the lowered rule set.
 *
 * @example
 * const set = loadRules(['rules/'], { pipelines: [windows] });
 * for (const e of set.errors) console.error(formatLocation(e.location), e.message);
 */
export function loadRules(paths: readonly string[], options: LoadRulesOptions = {}): RuleSet {
  const pending = newPending();
  const files: string[] = [];
  for (const path of paths) collectFiles(path, files, pending);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_RULE_FILE_BYTES;
  const ctx = contextFor(options);
  const cache = options.cache === undefined ? null : RuleCache.open(options.cache, cacheConfiguration(ctx, maxBytes));
  for (const file of files) {
    options.onFile?.(file);
    // A file untouched since it was cached (same stat stamp) is neither read nor hashed.
    const stamp = cache === null ? null : cache.stampOf(file);
    if (cache !== null && stamp !== null) {
      const fresh = cache.lookupByStamp(file, stamp, isEncodedFileResult);
      const result = fresh === undefined ? null : decodeFileResult(fresh, file);
      if (result !== null) {
        addFileResult(pending, file, result);
        continue;
      }
    }
    const bytes = readRuleBytes(file, maxBytes, pending);
    if (bytes === null) continue;
    if (cache === null) {
      const text = decodeRuleText(file, bytes, pending);
      if (text !== null) loadDocuments(file, text, ctx, pending);
      continue;
    }
    // Per file: a hit replays what parsing gave last time; a miss parses and stores it.
    const hash = RuleCache.hashBytes(bytes);
    const hit = cache.lookup(file, hash, isEncodedFileResult);
    const cached = hit === undefined ? null : decodeFileResult(hit, file);
    if (cached !== null) {
      if (stamp !== null) cache.stamp(file, hash, stamp);
      addFileResult(pending, file, cached);
      continue;
    }
    const text = decodeRuleText(file, bytes, pending);
    if (text === null) continue;
    const own = newPending();
    loadDocuments(file, text, ctx, own);
    const result: FileResult = {
      detections: own.detections,
      correlations: own.correlations,
      filters: own.filters,
      errors: own.errors,
      warnings: own.warnings,
      hasErrors: own.filesWithErrors.has(file),
    };
    const { encoded, attachments } = encodeFileResult(result, file);
    cache.set(file, hash, encoded, stamp ?? '', attachments);
    addFileResult(pending, file, result);
  }
  cache?.save(new Set(files));
  return finish(pending, files.length, options);
}

/** Loads rules from text already in memory (one file); for tests, editors and the API. */
export function loadRulesFromText(file: string, text: string, options: LoadRulesOptions = {}): RuleSet {
  const pending = newPending();
  loadDocuments(file, text, contextFor(options), pending);
  return finish(pending, 1, options);
}

function newPending(): Pending {
  return { detections: [], correlations: [], filters: [], errors: [], warnings: [], filesWithErrors: new Set() };
}

function contextFor(options: LoadRulesOptions): LowerItemContext {
  return {
    placeholders: resolvePlaceholders(options.pipelines ?? []),
    placeholderFallback: options.placeholderFallback ?? 'error',
  };
}

function fileLoc(file: string): SourceLocation {
  return { file, line: 1, column: 1 };
}

function collectFiles(path: string, out: string[], pending: Pending): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    pending.errors.push(errorRecord('io', `cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`, fileLoc(path)));
    pending.filesWithErrors.add(path);
    return;
  }
  if (stat.isFile()) {
    out.push(path);
    return;
  }
  if (!stat.isDirectory()) return;
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = join(path, entry.name);
    // Pipelines live beside rules (rules/pipelines/) but are not rules: a folder walk skips
    // them; name a pipeline file explicitly to validate it as a rule anyway.
    if (entry.isDirectory()) {
      if (entry.name !== PIPELINE_FOLDER) collectFiles(child, out, pending);
    }
    else if (entry.isFile() && (extname(entry.name) === '.yml' || extname(entry.name) === '.yaml') && !entry.name.endsWith(RULE_TESTS_SUFFIX)) out.push(child);
  }
}

function failFile(pending: Pending, file: string, code: 'io' | 'yaml-too-large', message: string): null {
  pending.errors.push(errorRecord(code, message, fileLoc(file)));
  pending.filesWithErrors.add(file);
  return null;
}

function readRuleBytes(file: string, maxBytes: number, pending: Pending): Uint8Array | null {
  try {
    const size = statSync(file).size;
    if (size > maxBytes) {
      return failFile(pending, file, 'yaml-too-large', `rule file is ${size} bytes, over the ${maxBytes}-byte limit (not read)`);
    }
    return readFileSync(file);
  } catch (e) {
    return failFile(pending, file, 'io', `cannot read rule file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function decodeRuleText(file: string, bytes: Uint8Array, pending: Pending): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return failFile(pending, file, 'io', `rule file is not valid UTF-8`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Everything besides a file's path and bytes (and the loader's code) that its result
 * depends on: the whole lowering context, so a field added to it later is covered too.
 */
function cacheConfiguration(ctx: LowerItemContext, maxFileBytes: number): unknown {
  return {
    ...ctx,
    placeholders: [...ctx.placeholders],
    placeholderFallback: ctx.placeholderFallback ?? 'error',
    maxFileBytes,
  };
}

function addFileResult(pending: Pending, file: string, result: FileResult): void {
  // Loops, not push(...list): a hostile file can hold more errors than a call takes arguments.
  for (const d of result.detections) pending.detections.push(d);
  for (const c of result.correlations) pending.correlations.push(c);
  for (const f of result.filters) pending.filters.push(f);
  for (const e of result.errors) pending.errors.push(e);
  for (const w of result.warnings) pending.warnings.push(w);
  if (result.hasErrors) pending.filesWithErrors.add(file);
}

/**
 * A {@link FileResult} as plain JSON data: the one Map (correlation aliases) as entry lists,
 * and each detection's condition as the index of a cache attachment holding it (rule-cache.ts)
 * with its keys, so that replaying the entry decodes a condition only when it is read
 * (lazy-rules.ts).
 */
interface EncodedFileResult extends Omit<FileResult, 'correlations' | 'detections'> {
  readonly detections: readonly EncodedDetection[];
  readonly correlations: readonly EncodedCorrelation[];
}

interface EncodedDetection extends Omit<PendingDetection, 'condition'> {
  /** The condition's attachment; a condition JSON cannot carry stays a tree (and the entry is not cached). */
  readonly condition: number | Node;
  readonly keys: RuleKeys;
}

interface EncodedCorrelation extends Omit<PendingCorrelation, 'parsed'> {
  readonly parsed: Omit<ParsedCorrelation, 'aliases'> & {
    readonly aliases: readonly { alias: string; fields: readonly (readonly [string, { field: string; loc: SourceLocation }])[] }[];
  };
}

function encodeFileResult(result: FileResult, file: string): { readonly encoded: EncodedFileResult; readonly attachments: readonly string[] } {
  const attachments: string[] = [];
  const encoded = {
    ...result,
    detections: result.detections.map((d) => {
      const condition = conditionOf(d.condition);
      const json = encodeCachedJson(condition, file);
      if (json !== null) attachments.push(json);
      return { ...d, condition: json === null ? condition : attachments.length - 1, keys: ruleKeysOf(condition) };
    }),
    correlations: result.correlations.map((c) => ({
      ...c,
      parsed: { ...c.parsed, aliases: c.parsed.aliases.map((a) => ({ alias: a.alias, fields: [...a.fields] })) },
    })),
  };
  return { encoded, attachments };
}

/** The file result of a cache hit, its conditions still undecoded; null when an attachment is missing. */
function decodeFileResult({ value: encoded, attachments }: CacheHit<EncodedFileResult>, file: string): FileResult | null {
  const detections: PendingDetection[] = [];
  for (const { condition, keys, ...d } of encoded.detections) {
    if (typeof condition !== 'number') {
      detections.push({ ...d, condition });
      continue;
    }
    const json = attachments[condition];
    if (json === undefined) return null;
    detections.push({ ...d, condition: lazyCondition(keys, () => decodeCachedJson(utf8(json), file) as Node) });
  }
  return {
    ...encoded,
    detections,
    correlations: encoded.correlations.map((c) => ({
      ...c,
      parsed: { ...c.parsed, aliases: c.parsed.aliases.map((a) => ({ alias: a.alias, fields: new Map(a.fields) })) },
    })),
  };
}

/** UTF-8 bytes as text. */
function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The shape check of a cache entry (its content is covered by the cache file's checksum). */
function isEncodedFileResult(value: unknown): value is EncodedFileResult {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.detections) &&
    Array.isArray(v.correlations) &&
    Array.isArray(v.filters) &&
    Array.isArray(v.errors) &&
    Array.isArray(v.warnings) &&
    typeof v.hasErrors === 'boolean'
  );
}

/** Runs collection actions (§1.2) over the documents of one file and parses each rule. */
function loadDocuments(file: string, text: string, ctx: LowerItemContext, pending: Pending): void {
  const { documents, locator } = loadYaml(file, text);
  let global: YamlMap | null = null;
  let previous: YamlMap | null = null;
  let hasRule = false;
  const fileErrors = pending.errors.length;
  for (const doc of documents) {
    if (doc.errors.length > 0) {
      pending.errors.push(...doc.errors);
      continue;
    }
    const value = doc.value;
    if (value === null || (value.kind === 'scalar' && value.value === null)) continue;
    if (value.kind !== 'map') {
      pending.errors.push(errorRecord('schema', `a rule document must be a map of attributes`, value.loc));
      continue;
    }
    const action = value.entries.find((e) => e.key === 'action');
    const body: YamlMap = action === undefined ? value : withoutKey(value, 'action');
    if (action !== undefined) {
      const name = action.value.kind === 'scalar' ? action.value.text : '';
      if (name === 'global') {
        global = body;
        previous = body;
        continue;
      }
      if (name === 'reset') {
        global = null;
        continue;
      }
      if (name === 'repeat') {
        if (previous === null) {
          pending.errors.push(errorRecord('collection-action', `'action: repeat' has no previous rule to repeat`, action.keyLoc));
          continue;
        }
        previous = merge(previous, body, false);
        hasRule = true;
        parseDocument(previous, file, doc.index, locator, ctx, pending, true);
        continue;
      }
      pending.errors.push(
        errorRecord('collection-action', `unknown collection action '${name}' (expected global, reset or repeat)`, action.value.loc),
      );
      continue;
    }
    hasRule = true;
    const isSpecial = hasKey(body, 'correlation') || hasKey(body, 'filter');
    // Correlation and filter documents are never merged with the global template.
    const merged = global !== null && !isSpecial ? merge(global, body, true) : body;
    if (!isSpecial) previous = merged;
    parseDocument(merged, file, doc.index, locator, ctx, pending, global !== null && !isSpecial);
  }
  if (!hasRule && pending.errors.length === fileErrors) {
    pending.errors.push(errorRecord('empty-document', `file contains no rule`, fileLoc(file)));
  }
  if (pending.errors.length > fileErrors) pending.filesWithErrors.add(file);
}

function hasKey(map: YamlMap, key: string): boolean {
  return map.entries.some((e) => e.key === key);
}

function withoutKey(map: YamlMap, key: string): YamlMap {
  return { kind: 'map', entries: map.entries.filter((e) => e.key !== key), loc: map.loc };
}

/**
 * Deep merge of two located maps (§1.2): nested maps merge key by key; on other conflicts
 * the base wins when `baseWins` (global template) and the overlay wins otherwise (repeat).
 */
function merge(base: YamlMap, overlay: YamlMap, baseWins: boolean): YamlMap {
  const entries: YamlEntry[] = [];
  const overlayByKey = new Map(overlay.entries.map((e) => [e.key, e]));
  for (const b of base.entries) {
    const o = overlayByKey.get(b.key);
    if (o === undefined) entries.push(b);
    else if (b.value.kind === 'map' && o.value.kind === 'map') {
      entries.push({ key: b.key, keyLoc: b.keyLoc, value: merge(b.value, o.value, baseWins) });
    } else entries.push(baseWins ? b : o);
  }
  const baseKeys = new Set(base.entries.map((e) => e.key));
  for (const o of overlay.entries) if (!baseKeys.has(o.key)) entries.push(o);
  return { kind: 'map', entries, loc: overlay.loc };
}

function parseDocument(
  doc: YamlMap,
  file: string,
  docIndex: number,
  locator: Locator,
  ctx: LowerItemContext,
  pending: Pending,
  fromTemplate: boolean,
): void {
  const diag = new Diagnostics();
  const kind = hasKey(doc, 'correlation') ? 'correlation rule' : hasKey(doc, 'filter') ? 'filter rule' : 'rule';
  const attrs = readCommonAttributes(doc, diag, kind);
  const meta: Omit<RuleMeta, 'key'> = { ...attrs, origin: doc.loc };
  if (kind === 'correlation rule') {
    const parsed = parseCorrelation(doc, diag);
    if (parsed !== null && diag.errors.length === 0) pending.correlations.push({ meta, parsed, file, docIndex });
  } else if (kind === 'filter rule') {
    const logsource = readLogsource(doc, diag, kind);
    const parsed = parseFilter(doc, ctx, locator, diag);
    if (parsed !== null && logsource !== null && diag.errors.length === 0) {
      pending.filters.push({ meta, logsource, parsed, file, docIndex });
    }
  } else {
    const logsource = readLogsource(doc, diag, kind);
    const detection = new MapReader(doc, diag, 'rule').map_('detection', { required: true });
    const condition = detection === null ? null : lowerDetection(detection, ctx, locator, diag);
    if (condition !== null && logsource !== null && diag.errors.length === 0) {
      pending.detections.push({ meta, logsource, condition, file, docIndex, fromTemplate });
    }
  }
  const ruleId = attrs.id ?? attrs.name;
  for (const e of diag.errors) pending.errors.push(withRuleId(e, ruleId));
  for (const w of diag.warnings) pending.warnings.push(withRuleId(w, ruleId));
}

function withRuleId(e: ErrorRecord, ruleId: string | null): ErrorRecord {
  return errorRecord(e.code, e.message, e.location, e.ruleId ?? ruleId, e.severity);
}

/** Assigns keys, checks duplicates, applies filters and pipelines, resolves correlation references. */
function finish(pending: Pending, fileCount: number, options: LoadRulesOptions): RuleSet {
  const pipelines = options.pipelines ?? [];
  const byId = new Map<string, string>();
  const byName = new Map<string, string>();
  const keys = new Set<string>();
  const firstSeen = new Map<string, { file: string; fromTemplate: boolean; origin: SourceLocation }>();

  const reportError = (e: ErrorRecord, file: string): void => {
    pending.errors.push(e);
    pending.filesWithErrors.add(file);
  };

  /** Registers a rule's id and name; returns its key, or null when it duplicates another. */
  const register = (meta: Omit<RuleMeta, 'key'>, file: string, docIndex: number, fromTemplate: boolean): string | null => {
    let key = meta.id ?? meta.name ?? `${file}#${docIndex}`;
    if (meta.id !== null) {
      const prior = firstSeen.get(meta.id);
      if (prior !== undefined) {
        // Documents of one collection file share the id of their global template.
        if (prior.file === file && fromTemplate && prior.fromTemplate) key = `${meta.id}#${docIndex}`;
        else {
          reportError(
            errorRecord('duplicate-id', `duplicate rule id ${meta.id} (also used at ${prior.origin.file}:${prior.origin.line})`, meta.origin, meta.id),
            file,
          );
          return null;
        }
      } else firstSeen.set(meta.id, { file, fromTemplate, origin: meta.origin });
      if (!byId.has(meta.id)) byId.set(meta.id, key);
    }
    if (meta.name !== null) {
      const prior = byName.get(meta.name);
      if (prior !== undefined && !(fromTemplate && firstSeen.get(meta.id ?? '')?.file === file)) {
        reportError(errorRecord('duplicate-id', `duplicate rule name '${meta.name}'`, meta.origin, meta.id ?? meta.name), file);
        return null;
      }
      if (prior === undefined) byName.set(meta.name, key);
    }
    keys.add(key);
    return key;
  };

  const detections: { key: string; p: PendingDetection }[] = [];
  for (const p of pending.detections) {
    const key = register(p.meta, p.file, p.docIndex, p.fromTemplate);
    if (key !== null) detections.push({ key, p });
  }
  const correlations: { key: string; p: PendingCorrelation }[] = [];
  for (const p of pending.correlations) {
    const key = register(p.meta, p.file, p.docIndex, false);
    if (key !== null) correlations.push({ key, p });
  }
  const filters: { key: string; p: PendingFilter }[] = [];
  for (const p of pending.filters) {
    const key = register(p.meta, p.file, p.docIndex, false);
    if (key !== null) filters.push({ key, p });
  }
  const resolve = (ref: string): string | null => byId.get(ref) ?? byName.get(ref) ?? null;

  // Filters (§8): AND-ed to each referenced rule whose logsource contains the filter's.
  const detectionKeys = new Set(detections.map((d) => d.key));
  const filterTargets = filters.map(({ p }) => {
    if (p.parsed.rules === 'any') return 'any' as const;
    const targets = new Set<string>();
    for (const r of p.parsed.rules) {
      const key = resolve(r.ref);
      if (key === null || !detectionKeys.has(key)) {
        pending.warnings.push(
          errorRecord('unknown-reference', `filter refers to rule '${r.ref}', which is not loaded`, r.loc, p.meta.id ?? p.meta.name, 'warning'),
        );
      } else targets.add(key);
    }
    return targets;
  });

  const filtered: DetectionRule[] = [];
  for (const { key, p } of detections) {
    let condition = p.condition;
    filters.forEach((f, i) => {
      const targets = filterTargets[i];
      const applies = targets === 'any' || (targets !== undefined && targets.has(key));
      if (applies && logsourceContains(p.logsource, f.p.logsource)) condition = And.create([conditionOf(condition), f.p.parsed.condition]);
    });
    if (condition.kind === 'LazyCondition') {
      filtered.push(lazyDetectionRule({ kind: 'DetectionRule', key, ...p.meta, logsource: p.logsource, isMapped: true, shouldAlert: true }, condition));
    } else filtered.push({ kind: 'DetectionRule', key, ...p.meta, logsource: p.logsource, condition, isMapped: true, shouldAlert: true });
  }
  const processed = processRules(filtered, pipelines);
  for (const e of processed.errors) {
    pending.errors.push(e);
    // processRules passes each rule's origin, so its errors are located in the rule's file.
    if (e.location !== null) pending.filesWithErrors.add(e.location.file);
  }
  const loweredRules = processed.rules;


  // Correlations: resolve references (§7.2) and aliases.
  const allKeys = new Set([...detectionKeys, ...correlations.map((c) => c.key)]);
  const loweredCorrelations: CorrelationRule[] = [];
  const silenced = new Set<string>();
  for (const { key, p } of correlations) {
    const refs: string[] = [];
    let ok = true;
    const resolveRef = (r: RuleReference): string | null => {
      const target = resolve(r.ref);
      if (target === null || !allKeys.has(target)) {
        reportError(
          errorRecord('unknown-reference', `correlation refers to rule '${r.ref}', which does not exist`, r.loc, p.meta.id ?? p.meta.name),
          p.file,
        );
        ok = false;
        return null;
      }
      if (target === key) {
        reportError(errorRecord('unknown-reference', `correlation refers to itself`, r.loc, p.meta.id ?? p.meta.name), p.file);
        ok = false;
        return null;
      }
      return target;
    };
    for (const r of p.parsed.rules) {
      const t = resolveRef(r);
      if (t !== null) refs.push(t);
    }
    const aliases: CorrelationAlias[] = [];
    for (const a of p.parsed.aliases) {
      const fields: Record<string, string> = {};
      for (const [ref, f] of a.fields) {
        const t = resolveRef({ ref, loc: f.loc });
        if (t !== null) fields[t] = f.field;
      }
      aliases.push({ alias: a.alias, fields });
    }
    if (!ok) continue;
    if (!p.parsed.generate) for (const r of refs) silenced.add(r);
    loweredCorrelations.push({
      kind: 'CorrelationRule',
      key,
      ...p.meta,
      type: p.parsed.type,
      rules: refs,
      groupBy: p.parsed.groupBy,
      timespanMs: p.parsed.timespanMs,
      condition: p.parsed.condition,
      field: p.parsed.field,
      percentile: p.parsed.percentile,
      aliases,
      generate: p.parsed.generate,
      shouldAlert: true,
    });
  }

  // generate: false (default) silences the referenced rules' own alerts (§7.5).
  const rules = loweredRules.map((r) => deepFreeze(silenced.has(r.key) ? { ...r, shouldAlert: false } : r));
  const outCorrelations = loweredCorrelations.map((c) => deepFreeze(silenced.has(c.key) ? { ...c, shouldAlert: false } : c));
  const outFilters = filters.map(({ key, p }) =>
    deepFreeze<FilterRule>({
      kind: 'FilterRule',
      key,
      ...p.meta,
      logsource: p.logsource,
      rules: p.parsed.rules === 'any' ? 'any' : p.parsed.rules.map((r) => resolve(r.ref) ?? r.ref),
      condition: p.parsed.condition,
    }),
  );
  return Object.freeze({
    rules: Object.freeze(rules),
    correlations: Object.freeze(outCorrelations),
    filters: Object.freeze(outFilters),
    errors: Object.freeze(pending.errors.slice()),
    warnings: Object.freeze(pending.warnings.slice()),
    files: fileCount,
    filesWithErrors: pending.filesWithErrors.size,
  });
}

/** A filter applies when every logsource attribute it sets equals the rule's (case-sensitive). */
function logsourceContains(rule: Logsource, filter: Logsource): boolean {
  return (
    (filter.category === null || filter.category === rule.category) &&
    (filter.product === null || filter.product === rule.product) &&
    (filter.service === null || filter.service === rule.service)
  );
}


/**
 * Applies processing pipelines to rules already lowered (and filtered): field renames and
 * logsource conditions. `loadRules` calls it; applications that need the same rules under
 * several pipelines (hunt's `auto` mode) load once and call it once per pipeline.
 * Rules whose pipeline application fails are left out and their errors returned.
 */
export function processRules(
  rules: readonly DetectionRule[],
  pipelines: readonly ProcessingPipeline[],
): { readonly rules: readonly DetectionRule[]; readonly errors: readonly ErrorRecord[] } {
  if (pipelines.length === 0) return { rules, errors: [] };
  const out: DetectionRule[] = [];
  const errors: ErrorRecord[] = [];
  // Rules replayed from the rule cache stay lazy through pipelines that cannot fail or move keys.
  const neutral = isKeyNeutral(pipelines);
  const probes = new Map<string, Probe>();
  for (const rule of rules) {
    const lazy = neutral ? processLazily(rule, pipelines, probes) : null;
    if (lazy !== null) {
      for (const e of lazy.errors) errors.push(withRuleId(e, rule.id ?? rule.name));
      if (lazy.rule !== null) out.push(lazy.rule);
      continue;
    }
    const processed = applyPipeline(
      { logsource: rule.logsource, condition: rule.condition, origin: rule.origin, ruleId: rule.id ?? rule.name },
      pipelines,
    );
    for (const e of processed.errors) errors.push(withRuleId(e, rule.id ?? rule.name));
    if (processed.errors.some((e) => e.severity === 'error')) continue;
    out.push(deepFreeze({ ...rule, condition: processed.condition, isMapped: processed.isMapped }));
  }
  return { rules: out, errors };
}
