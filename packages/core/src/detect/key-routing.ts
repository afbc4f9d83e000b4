// Routing Windows events by (Channel, EventID) before any column is built. Every rule of the
// windows pipeline carries the pipeline's log-source tests (`Channel = Security AND EventID
// = 4688`, or an OR of such pairs), so the rules an event can match are known from those two
// fields alone. The evaluator compiles, on first need, one plan per distinct set of rules a
// key reaches, and a batch for those rules only: the first event compiles the rules of its
// own log source, not all of them, and every event is evaluated against fewer rules.
//
// Sound by construction: a rule's key set is a NECESSARY condition of its condition under
// the engine's own matching (§2.4: a number matches the event text equal to its canonical
// decimal; a string without wildcards matches the text equal under case folding), so a rule
// left out of an event's batch could not have matched it. Anything the extraction does not
// understand (a NOT, a keyword, a wildcard, a list or object value in the event) routes
// conservatively: the rule to every key, the event to all rules.
import { foldCase } from '../compile/fold-case.js';
import { And, Constant, Match, Or, type Node } from '../ir/nodes.js';
import { StringPattern, type Value } from '../ir/values.js';

/** The fields routed on, as the windows pipeline names them. */
export const CHANNEL_FIELD = 'Channel';
export const EVENT_ID_FIELD = 'EventID';

/** One alternative of a rule's key set: folded Channel and EventID texts, null = any. */
interface KeyPair {
  readonly channel: string | null;
  readonly eventId: string | null;
}

/** A rule's key set: the event's key must fit one pair; null = fits every key. */
export type RuleKeys = readonly KeyPair[] | null;

/** Above this many pairs, EventIDs are dropped (channels only), then the set is given up. */
const MAX_PAIRS = 64;

const ANY: RuleKeys = null;

/** The folded text a value of the rule must equal, or null when it is not such a value. */
function exactText(value: Value): string | null {
  if (value.kind === 'Number') return String(value.value);
  if (value.kind !== 'StringPattern') return null;
  let text = '';
  for (const part of value.parts) {
    if (part.kind !== 'Literal') return null;
    text += part.text;
  }
  return foldCase(text);
}

function meet(a: RuleKeys, b: RuleKeys): RuleKeys {
  if (a === null) return b;
  if (b === null) return a;
  const out: KeyPair[] = [];
  for (const x of a) {
    for (const y of b) {
      if (x.channel !== null && y.channel !== null && x.channel !== y.channel) continue;
      if (x.eventId !== null && y.eventId !== null && x.eventId !== y.eventId) continue;
      out.push({ channel: x.channel ?? y.channel, eventId: x.eventId ?? y.eventId });
    }
  }
  return bounded(out);
}

function bounded(pairs: KeyPair[]): RuleKeys {
  if (pairs.length <= MAX_PAIRS) return pairs;
  const channels = new Set<string | null>(pairs.map((p) => p.channel));
  if (channels.has(null) || channels.size > MAX_PAIRS) return ANY;
  return [...channels].map((channel) => ({ channel, eventId: null }));
}

/**
 * The (Channel, EventID) pairs an event must have one of for `condition` to hold; null
 * when the condition does not restrict them. An empty list: the condition can never hold.
 */
export function ruleKeysOf(condition: Node): RuleKeys {
  switch (condition.kind) {
    case 'Match': {
      const text = condition.field === CHANNEL_FIELD || condition.field === EVENT_ID_FIELD ? exactText(condition.value) : null;
      if (text === null) return ANY;
      return condition.field === CHANNEL_FIELD ? [{ channel: text, eventId: null }] : [{ channel: null, eventId: text }];
    }
    case 'And': {
      let keys: RuleKeys = ANY;
      for (const child of condition.children) keys = meet(keys, ruleKeysOf(child));
      return keys;
    }
    case 'Or': {
      const out: KeyPair[] = [];
      for (const child of condition.children) {
        const keys = ruleKeysOf(child);
        if (keys === null) return ANY;
        out.push(...keys);
      }
      return bounded(out);
    }
    default:
      return ANY;
  }
}

/**
 * Where a rule object whose condition is decoded on first need (packages/rules' rule cache,
 * start-up: issue 14) keeps its keys, so routing the first event does not decode every
 * rule: a non-enumerable own property, which a copy (`{ ...rule }`) does not take (it reads
 * its condition instead), and JSON and equality checks do not see.
 */
const RULE_KEYS = Symbol('siemlite.ruleKeys');

/**
 * Records `keys` as what {@link ruleKeysOf} gives for `rule.condition`, on the rule itself
 * (before it is frozen); the caller vouches for it (packages/rules computes them from the
 * same condition, and tests check both agree).
 */
export function recordRuleKeys(rule: object, keys: RuleKeys): void {
  Object.defineProperty(rule, RULE_KEYS, { value: keys });
}

/** The keys of a rule: recorded ones ({@link recordRuleKeys}), else read from its condition. */
export function keysOfRule(rule: { readonly condition: Node }): RuleKeys {
  return Object.hasOwn(rule, RULE_KEYS) ? ((rule as { readonly [RULE_KEYS]?: RuleKeys })[RULE_KEYS] as RuleKeys) : ruleKeysOf(rule.condition);
}

/**
 * A small condition whose {@link ruleKeysOf} equals `keys` (a null, an empty list or up to
 * {@link MAX_PAIRS} pairs, as `ruleKeysOf` gives): an OR of `Channel = c AND EventID = e`
 * tests. packages/rules applies a pipeline to it instead of to the rule's whole condition,
 * to learn the keys of the processed rule without decoding it.
 */
export function keysStandIn(keys: RuleKeys): Node {
  if (keys === null) return Constant.TRUE;
  const text = (t: string): StringPattern => StringPattern.literal(t);
  if (keys.length === 0) return And.create([Match.create(CHANNEL_FIELD, text('a'), null), Match.create(CHANNEL_FIELD, text('b'), null)]);
  return Or.create(
    keys.map((k) => {
      const tests: Node[] = [];
      if (k.channel !== null) tests.push(Match.create(CHANNEL_FIELD, text(k.channel), null));
      if (k.eventId !== null) tests.push(Match.create(EVENT_ID_FIELD, text(k.eventId), null));
      return And.create(tests);
    }),
  );
}

/**
 * How the evaluator reads a rule set given as rule objects (a pool on the calling thread):
 * all conditions, one condition, and the keys ({@link keysOfRule}), each read on first need,
 * so that routing an event and compiling its subset read only the conditions of that subset.
 */
export function ruleAccess(rules: () => readonly { readonly condition: Node }[]): {
  readonly conditions: () => readonly Node[];
  readonly conditionAt: (index: number) => Node;
  readonly keys: () => readonly RuleKeys[];
} {
  return {
    conditions: () => rules().map((r) => r.condition),
    conditionAt: (index) => (rules()[index] as { readonly condition: Node }).condition,
    keys: () => rules().map(keysOfRule),
  };
}

/** Whether an event with folded `channel` and `eventId` (null: unknown) can satisfy `keys`. */
export function keysFit(keys: RuleKeys, channel: string, eventId: string | null): boolean {
  if (keys === null) return true;
  for (const k of keys) {
    if (k.channel !== null && k.channel !== channel) continue;
    if (eventId !== null && k.eventId !== null && k.eventId !== eventId) continue;
    return true;
  }
  return false;
}

/** No key: the event's Channel is not one string (missing, a list, an object, a number). */
export const NO_KEY = -1;

/** Distinct Channel or EventID texts remembered; beyond, new ones get no key (all rules). */
const MAX_TEXTS = 4096;

/**
 * Maps an event's Channel and EventID to a small integer key, remembering the texts it
 * has seen so that the common case is a few map lookups and no allocation.
 */
export class EventKeys {
  /** Per key: the folded channel and event id (null: unknown) it stands for. */
  readonly channels: string[] = [];
  readonly eventIds: (string | null)[] = [];
  /** Folded texts by id; channel ids and event id ids (0 = unknown event id). */
  readonly #channelText: string[] = [];
  readonly #eventIdText: (string | null)[] = [null];
  readonly #channelByRaw = new Map<string, number>();
  readonly #channelByFolded = new Map<string, number>();
  readonly #eventIdByString = new Map<string, number>();
  readonly #eventIdByNumber = new Map<number, number>();
  readonly #eventIdByFolded = new Map<string, number>();
  readonly #keyOf = new Map<number, number>();

  /** The key of an event: its Channel and EventID as the rules compare them, or NO_KEY. */
  keyOf(event: Record<string, unknown>): number {
    const channel = event[CHANNEL_FIELD]; // as compileFieldPath reads a one-segment field
    if (typeof channel !== 'string') return NO_KEY;
    let c = this.#channelByRaw.get(channel);
    if (c === undefined) {
      c = this.#id(foldCase(channel), this.#channelByFolded, this.#channelText);
      if (c < 0) return NO_KEY;
      if (this.#channelByRaw.size < MAX_TEXTS) this.#channelByRaw.set(channel, c);
    }
    const raw = event[EVENT_ID_FIELD];
    let e = 0;
    if (typeof raw === 'number') {
      e = this.#eventIdByNumber.get(raw) ?? this.#newEventId(String(raw), this.#eventIdByNumber, raw);
    } else if (typeof raw === 'string') {
      e = this.#eventIdByString.get(raw) ?? this.#newEventId(raw, this.#eventIdByString, raw);
    }
    // (The text the engine compares is the number without `.0`, or the string: String(raw).)
    const combined = c * (MAX_TEXTS + 2) + e;
    let key = this.#keyOf.get(combined);
    if (key === undefined) {
      key = this.channels.length;
      this.#keyOf.set(combined, key);
      this.channels.push(this.#channelText[c] as string);
      this.eventIds.push(this.#eventIdText[e] ?? null);
    }
    return key;
  }

  #newEventId<K>(text: string, byRaw: Map<K, number>, raw: K): number {
    const e = this.#id(foldCase(text), this.#eventIdByFolded, this.#eventIdText);
    if (e < 0) return 0; // too many distinct ids: unknown, which fits every rule of the channel
    if (byRaw.size < MAX_TEXTS) byRaw.set(raw, e);
    return e;
  }

  /** The id of a folded text (a new one if unseen), or -1 when too many are known. */
  #id(folded: string, ids: Map<string, number>, texts: (string | null)[]): number {
    const known = ids.get(folded);
    if (known !== undefined) return known;
    if (texts.length > MAX_TEXTS) return -1;
    const id = texts.length;
    ids.set(folded, id);
    texts.push(folded);
    return id;
  }
}
