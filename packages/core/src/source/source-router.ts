// Source recognition, the compiled half: the SourceRouter gives each event a route id (a
// small integer naming one logsource) with a few property reads, and says which rules fit a
// route. Route ids are dense, so per-route state elsewhere is an array lookup. A hot path
// (STYLE.md §5): recognizers are compiled to accessors once; routing an event allocates nothing.
import { compileFieldPath, type FieldAccessor } from '../event/lookup-field.js';
import { isWindowsEvent } from '../event/is-windows-event.js';
import { SHIPPED_RECOGNIZERS, type SourceLogsource, type SourceRecognizer } from './recognizers.js';

/** Route of events no recognizer knows (and no fallback was declared). */
export const ROUTE_UNKNOWN = 0;
/** Route of Windows events (isWindowsEvent), logsource product windows. */
export const ROUTE_WINDOWS = 1;

/** A rule's logsource as the router compares it: null (or absent) where the rule states nothing. */
export interface RuleLogsource {
  readonly product?: string | null;
  readonly service?: string | null;
  readonly category?: string | null;
}

/** How events get their logsource; JSON-safe (it travels to the pool's workers). */
export interface SourceOptions {
  /** Tried before the shipped recognizers, in order. */
  readonly recognizers?: readonly SourceRecognizer[];
  /** False: only `recognizers` (and Windows) are tried. Default true. */
  readonly shipped?: boolean;
  /** The logsource of events no recognizer knows (`hunt --source`); default none: they stay unknown. */
  readonly fallback?: SourceLogsource | null;
}

/** Distinct values a `serviceFrom` field without a map may add as routes; past it, the logsource without service. */
const MAX_DYNAMIC_SERVICES = 256;

interface CompiledRecognizer {
  readonly has: readonly FieldAccessor[];
  readonly hasAny: readonly FieldAccessor[];
  readonly equalsField: readonly FieldAccessor[];
  readonly equalsValues: readonly ReadonlySet<string>[];
  readonly lacks: readonly FieldAccessor[];
  /** The route when no service comes from a field. */
  readonly route: number;
  readonly serviceField: FieldAccessor | null;
  /** serviceFrom: value -> route (the map's values, then values met, up to a cap). */
  readonly serviceRoutes: Map<string, number>;
  /** serviceFrom: route of values not in the map (-1: add the value itself as a route). */
  readonly otherRoute: number;
  readonly fields: readonly (readonly [string, FieldAccessor])[] | null;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function same(a: string | null | undefined, b: string | undefined): boolean {
  return (a ?? undefined) === b;
}

/**
 * Recognizes events' sources and answers which rules fit them.
 *
 * @example
 * const router = new SourceRouter();
 * const route = router.route({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1' });
 * router.logsource(route);                                          // { product: 'aws', service: 'cloudtrail' }
 * router.fits({ product: 'aws', service: 'cloudtrail', category: null }, route); // true
 */
export class SourceRouter {
  readonly #recognizers: CompiledRecognizer[] = [];
  /** Per route id: its logsource (undefined for ROUTE_UNKNOWN without fallback). */
  readonly #logsources: (SourceLogsource | undefined)[] = [undefined, { product: 'windows' }];
  readonly #names: string[] = ['', 'windows'];
  readonly #ids = new Map<string, number>();
  /** Per route id: Sigma field aliases to add to its events, or null. */
  readonly #fields: (readonly (readonly [string, FieldAccessor])[] | null)[] = [null, null];
  #dynamic = 0;

  constructor(options: SourceOptions = {}) {
    this.#ids.set(keyOf({ product: 'windows' }), ROUTE_WINDOWS);
    const fallback = options.fallback ?? null;
    if (fallback !== null) {
      checkLogsource(fallback, 'fallback');
      this.#logsources[ROUTE_UNKNOWN] = fallback;
      this.#names[ROUTE_UNKNOWN] = 'declared';
    }
    const list = [...(options.recognizers ?? []), ...(options.shipped === false ? [] : SHIPPED_RECOGNIZERS)];
    for (const r of list) this.#recognizers.push(this.#compile(r));
  }

  /** How many route ids exist so far (routes of `serviceFrom` values may be added as events arrive). */
  get routeCount(): number {
    return this.#logsources.length;
  }

  /** The route of an event as read (before normalization). */
  route(event: Record<string, unknown>): number {
    if (isWindowsEvent(event)) return ROUTE_WINDOWS;
    const recognizers = this.#recognizers;
    for (let k = 0; k < recognizers.length; k++) {
      const r = recognizers[k] as CompiledRecognizer;
      if (!matches(r, event)) continue;
      if (r.serviceField === null) return r.route;
      const value = r.serviceField(event);
      if (typeof value !== 'string') return r.route;
      const known = r.serviceRoutes.get(value);
      if (known !== undefined) return known;
      if (r.otherRoute >= 0 || this.#dynamic >= MAX_DYNAMIC_SERVICES) return r.otherRoute >= 0 ? r.otherRoute : r.route;
      this.#dynamic++;
      const base = this.#logsources[r.route] as SourceLogsource;
      const id = this.#intern({ ...base, service: value }, this.#names[r.route] as string, r.fields);
      r.serviceRoutes.set(value, id);
      return id;
    }
    return ROUTE_UNKNOWN;
  }

  /** The logsource of a route; undefined for events of no known source. */
  logsource(route: number): SourceLogsource | undefined {
    return this.#logsources[route];
  }

  /** The name of the recognizer that made a route ('windows', 'declared' for the fallback, '' for none). */
  recognizerName(route: number): string {
    return this.#names[route] ?? '';
  }

  /**
   * Whether a rule with logsource `rule` runs on events of `route`: every field the rule
   * states equals the event's (an event of no known source fits only rules that state none).
   */
  fits(rule: RuleLogsource, route: number): boolean {
    return logsourceFits(rule, this.#logsources[route]);
  }

  /** The event rules see: `event` itself, or a copy with the route's Sigma field aliases added. */
  withSigmaFields(event: Record<string, unknown>, route: number): Record<string, unknown> {
    const fields = this.#fields[route];
    if (fields === null || fields === undefined) return event;
    let out: Record<string, unknown> | null = null;
    for (let k = 0; k < fields.length; k++) {
      const [name, read] = fields[k] as readonly [string, FieldAccessor];
      if (name in event) continue;
      const value = read(event);
      if (value === undefined) continue;
      out ??= { ...event };
      out[name] = value;
    }
    return out ?? event;
  }

  #compile(r: SourceRecognizer): CompiledRecognizer {
    if (typeof r.name !== 'string' || r.name === '') throw new TypeError('a source recognizer needs a name');
    checkLogsource(r.logsource, `recognizer '${r.name}'`);
    for (const key of ['has', 'hasAny', 'lacks'] as const) checkNames(r[key], `recognizer '${r.name}': ${key}`);
    for (const [field, values] of Object.entries(r.equals ?? {})) checkNames(values, `recognizer '${r.name}': equals.${field}`);
    if (r.serviceFrom !== undefined && typeof r.serviceFrom.field !== 'string') throw new TypeError(`recognizer '${r.name}': serviceFrom.field must be a field name`);
    for (const [name, from] of Object.entries(r.fields ?? {})) if (typeof from !== 'string') throw new TypeError(`recognizer '${r.name}': fields.${name} must be a field name`);
    const tests = (r.has?.length ?? 0) + (r.hasAny?.length ?? 0) + Object.keys(r.equals ?? {}).length;
    if (tests === 0) throw new TypeError(`recognizer '${r.name}' tests nothing: give has, hasAny or equals`);
    const fields = r.fields === undefined ? null : Object.entries(r.fields).map(([name, from]) => [name, compileFieldPath(from)] as const);
    const route = this.#intern(r.logsource, r.name, fields);
    const serviceRoutes = new Map<string, number>();
    let otherRoute = -1;
    if (r.serviceFrom !== undefined) {
      for (const [value, service] of Object.entries(r.serviceFrom.map ?? {})) {
        serviceRoutes.set(value, this.#intern({ ...r.logsource, service }, r.name, fields));
      }
      if (r.serviceFrom.other !== undefined) otherRoute = this.#intern({ ...r.logsource, service: r.serviceFrom.other }, r.name, fields);
    }
    const equals = Object.entries(r.equals ?? {});
    return {
      has: (r.has ?? []).map(compileFieldPath),
      hasAny: (r.hasAny ?? []).map(compileFieldPath),
      equalsField: equals.map(([field]) => compileFieldPath(field)),
      equalsValues: equals.map(([, values]) => new Set(values)),
      lacks: (r.lacks ?? []).map(compileFieldPath),
      route,
      serviceField: r.serviceFrom === undefined ? null : compileFieldPath(r.serviceFrom.field),
      serviceRoutes,
      otherRoute,
      fields,
    };
  }

  #intern(logsource: SourceLogsource, name: string, fields: readonly (readonly [string, FieldAccessor])[] | null): number {
    // Recognizers that share a logsource but map fields differently need routes of their own.
    const key = `${keyOf(logsource)}|${name}`;
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    const id = this.#logsources.length;
    this.#logsources.push(clean(logsource));
    this.#names.push(name);
    this.#fields.push(fields);
    this.#ids.set(key, id);
    return id;
  }
}

function matches(r: CompiledRecognizer, event: Record<string, unknown>): boolean {
  for (let i = 0; i < r.has.length; i++) if (!present((r.has[i] as FieldAccessor)(event))) return false;
  if (r.hasAny.length > 0) {
    let any = false;
    for (let i = 0; i < r.hasAny.length && !any; i++) any = present((r.hasAny[i] as FieldAccessor)(event));
    if (!any) return false;
  }
  for (let i = 0; i < r.equalsField.length; i++) {
    const value = (r.equalsField[i] as FieldAccessor)(event);
    if (typeof value !== 'string' || !(r.equalsValues[i] as ReadonlySet<string>).has(value)) return false;
  }
  for (let i = 0; i < r.lacks.length; i++) if (present((r.lacks[i] as FieldAccessor)(event))) return false;
  return true;
}

/** Every field the rule states equals the event's; no known source fits only a rule that states none. */
export function logsourceFits(rule: RuleLogsource, event: SourceLogsource | undefined): boolean {
  const product = rule.product ?? null;
  const service = rule.service ?? null;
  const category = rule.category ?? null;
  if (event === undefined) return product === null && service === null && category === null;
  return (
    (product === null || same(product.toLowerCase(), event.product)) &&
    (service === null || same(service.toLowerCase(), event.service)) &&
    (category === null || same(category.toLowerCase(), event.category))
  );
}

function checkNames(list: unknown, what: string): void {
  if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))) throw new TypeError(`${what} must be a list of strings`);
}

function keyOf(l: SourceLogsource): string {
  return `${l.product ?? ''}|${l.service ?? ''}|${l.category ?? ''}`;
}

/** Lower-cased, without empty fields: Sigma logsource values are compared case-insensitively. */
function clean(l: SourceLogsource): SourceLogsource {
  const out: { product?: string; service?: string; category?: string } = {};
  if (l.product) out.product = l.product.toLowerCase();
  if (l.service) out.service = l.service.toLowerCase();
  if (l.category) out.category = l.category.toLowerCase();
  return out;
}

function checkLogsource(l: SourceLogsource | undefined, what: string): void {
  if (l === null || typeof l !== 'object') throw new TypeError(`${what}: logsource must be an object`);
  for (const [k, v] of Object.entries(l)) {
    if (k !== 'product' && k !== 'service' && k !== 'category') throw new TypeError(`${what}: unknown logsource field '${k}' (product, service, category)`);
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`${what}: logsource ${k} must be a string`);
  }
  if (!l.product && !l.service && !l.category) throw new TypeError(`${what}: logsource needs product, service or category`);
}

/**
 * Parses `product=X[,service=Y][,category=Z]` (hunt's `--source`).
 *
 * @example
 * parseSourceSpec('product=linux,service=sshd'); // { product: 'linux', service: 'sshd' }
 */
export function parseSourceSpec(text: string): SourceLogsource {
  const out: { product?: string; service?: string; category?: string } = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key !== 'product' && key !== 'service' && key !== 'category') {
      throw new TypeError(`'${part}': expected product=X, service=Y or category=Z`);
    }
    if (value === '') throw new TypeError(`'${part}': ${key} needs a value`);
    if (out[key] !== undefined) throw new TypeError(`${key} given twice`);
    out[key] = value;
  }
  return out;
}
