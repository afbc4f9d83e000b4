// Rule selection: which loaded rules a command runs (--min-level, --status, --tag, --product,
// --category, --service, --rule-id, --exclude-rules). A pure function over a loaded rule set;
// the command line parsing lives in packages/cli (rule-selection.ts).
import { deepFreeze, LEVELS, type CorrelationRule, type DetectionRule, type Level, type RuleMeta } from '@siemlite/core';

/**
 * What to run. Every list is OR-ed within itself (any value selects); the criteria are
 * AND-ed. An empty or absent list places no constraint. Matching is case-insensitive.
 */
export interface RuleSelection {
  /** Rules at this level or above; a rule without `level` counts as informational. */
  readonly minLevel?: Level;
  /** `status:` values (a rule without status is selected only when the list is empty). */
  readonly statuses?: readonly string[];
  /** Tag prefixes on dot boundaries: `attack.t1059` selects `attack.t1059` and `attack.t1059.001`, not `attack.t10590`. */
  readonly tags?: readonly string[];
  readonly products?: readonly string[];
  readonly categories?: readonly string[];
  readonly services?: readonly string[];
  /** Rule `id` (or the key: `name`, then `file#document`, for rules without id). */
  readonly ruleIds?: readonly string[];
  /** Rule ids or keys never to run (alerting); see `--exclude-rules` in README. */
  readonly exclude?: ReadonlySet<string>;
}

/** What `selectRules` keeps: the selected rules and correlations, plus the rules they read. */
export interface SelectedRules {
  /**
   * Detection rules to run, in load order: the selected ones, then unchanged, and those a
   * selected correlation reads that the selection dropped, copied with `shouldAlert: false`
   * (they feed the correlation but do not alert themselves).
   */
  readonly rules: readonly DetectionRule[];
  /** Correlations to run: the selected ones and the correlations they chain to (the latter silenced when not selected). */
  readonly correlations: readonly CorrelationRule[];
  /** Keys of rules kept only as non-alerting bases of selected correlations. */
  readonly silenced: ReadonlySet<string>;
  /** Selected correlations that cannot run: a rule they read is not loaded. */
  readonly missing: readonly { readonly rule: CorrelationRule; readonly key: string }[];
}

/** True when the selection places no constraint (every rule is selected). */
export function isEmptySelection(s: RuleSelection): boolean {
  return (
    s.minLevel === undefined &&
    !s.statuses?.length &&
    !s.tags?.length &&
    !s.products?.length &&
    !s.categories?.length &&
    !s.services?.length &&
    !s.ruleIds?.length &&
    (s.exclude === undefined || s.exclude.size === 0)
  );
}

const lower = (list: readonly string[] | undefined): readonly string[] => (list ?? []).map((v) => v.toLowerCase());

/**
 * The criteria that look at a rule's own metadata (level, status, tags, id, exclusion),
 * compiled once into a predicate.
 */
function metaPredicate(s: RuleSelection): (r: RuleMeta) => boolean {
  const minLevel = s.minLevel === undefined ? -1 : LEVELS.indexOf(s.minLevel);
  const statuses = new Set(lower(s.statuses));
  const tags = lower(s.tags);
  const ids = new Set(lower(s.ruleIds));
  const exclude = new Set([...(s.exclude ?? [])].map((v) => v.toLowerCase()));
  const named = (r: RuleMeta, set: ReadonlySet<string>): boolean => (r.id !== null && set.has(r.id.toLowerCase())) || set.has(r.key.toLowerCase());
  const tagged = (r: RuleMeta): boolean =>
    r.tags.some((t) => {
      const tag = t.toLowerCase();
      return tags.some((p) => tag === p || (tag.startsWith(p) && tag.charCodeAt(p.length) === 0x2e /* . */));
    });
  return (r) =>
    (minLevel < 0 || LEVELS.indexOf(r.level ?? 'informational') >= minLevel) &&
    (statuses.size === 0 || (r.status !== null && statuses.has(r.status.toLowerCase()))) &&
    (tags.length === 0 || tagged(r)) &&
    (ids.size === 0 || named(r, ids)) &&
    (exclude.size === 0 || !named(r, exclude));
}

/** The logsource criteria, for detection rules. */
function logsourcePredicate(s: RuleSelection): (r: DetectionRule) => boolean {
  const products = new Set(lower(s.products));
  const categories = new Set(lower(s.categories));
  const services = new Set(lower(s.services));
  const one = (set: ReadonlySet<string>, v: string | null): boolean => set.size === 0 || (v !== null && set.has(v.toLowerCase()));
  return (r) => one(products, r.logsource.product) && one(categories, r.logsource.category) && one(services, r.logsource.service);
}

/**
 * Applies `selection` to loaded rules. Detection rules must pass every criterion.
 * Correlations have no logsource of their own: they must pass the metadata criteria, and
 * the logsource criteria through the rules they read (at least one detection rule they
 * read, through chains, passes them). A correlation selected is run with everything it
 * reads, even rules the selection dropped: those run as non-alerting bases (`silenced`).
 *
 * @example selectRules(set.rules, set.correlations, { minLevel: 'high', tags: ['attack.t1059'] })
 */
export function selectRules(
  rules: readonly DetectionRule[],
  correlations: readonly CorrelationRule[],
  selection: RuleSelection,
): SelectedRules {
  const ofMeta = metaPredicate(selection);
  const ofLogsource = logsourcePredicate(selection);
  const byKey = new Map(correlations.map((c) => [c.key, c]));
  const detectionByKey = new Map(rules.map((r) => [r.key, r]));
  const isSelected = (r: DetectionRule): boolean => ofMeta(r) && ofLogsource(r);

  // Correlations: metadata, logsource through what they read, and runnable (every rule they read is loaded).
  const missing: { rule: CorrelationRule; key: string }[] = [];
  const reads = (c: CorrelationRule, seen: Set<string>, test: (r: DetectionRule) => boolean): boolean => {
    if (seen.has(c.key)) return false;
    seen.add(c.key);
    return c.rules.some((k) => {
      const inner = byKey.get(k);
      if (inner !== undefined) return reads(inner, seen, test);
      const base = detectionByKey.get(k);
      return base !== undefined && test(base);
    });
  };
  const runnableMemo = new Map<string, boolean>();
  const runnable = (c: CorrelationRule, seen: Set<string>): boolean => {
    const known = runnableMemo.get(c.key);
    if (known !== undefined) return known;
    if (seen.has(c.key)) return false; // a cycle of correlations can never fire
    seen.add(c.key);
    let ok = true;
    for (const key of c.rules) {
      const inner = byKey.get(key);
      if (inner !== undefined ? runnable(inner, seen) : detectionByKey.has(key)) continue;
      if (ok) missing.push({ rule: c, key });
      ok = false;
    }
    runnableMemo.set(c.key, ok);
    return ok;
  };
  const selected = correlations.filter((c) => ofMeta(c) && runnable(c, new Set()) && reads(c, new Set(), ofLogsource));

  // Everything the selected correlations read, through chains.
  const chosen = new Set<string>();
  const needed = new Set<string>();
  const visit = (c: CorrelationRule): void => {
    if (chosen.has(c.key)) return;
    chosen.add(c.key);
    for (const key of c.rules) {
      const inner = byKey.get(key);
      if (inner !== undefined) visit(inner);
      else needed.add(key);
    }
  };
  for (const c of selected) visit(c);
  const selectedKeys = new Set(selected.map((c) => c.key));

  const silenced = new Set<string>();
  const outRules: DetectionRule[] = [];
  for (const r of rules) {
    if (isSelected(r)) outRules.push(r);
    else if (needed.has(r.key)) {
      silenced.add(r.key);
      outRules.push(r.shouldAlert ? deepFreeze({ ...r, shouldAlert: false }) : r);
    }
  }
  const outCorrelations: CorrelationRule[] = [];
  for (const c of correlations) {
    if (!chosen.has(c.key)) continue;
    if (selectedKeys.has(c.key)) outCorrelations.push(c);
    else {
      silenced.add(c.key);
      outCorrelations.push(c.shouldAlert ? deepFreeze({ ...c, shouldAlert: false }) : c);
    }
  }
  return { rules: outRules, correlations: outCorrelations, silenced, missing };
}

/**
 * The same selection over another copy of the rules (the rules after a processing pipeline,
 * same keys): those `selected` runs, silenced where it silenced them, in the order given.
 */
export function applySelection(rules: readonly DetectionRule[], selected: SelectedRules): readonly DetectionRule[] {
  const run = new Set(selected.rules.map((r) => r.key));
  return rules.filter((r) => run.has(r.key)).map((r) => (selected.silenced.has(r.key) && r.shouldAlert ? deepFreeze({ ...r, shouldAlert: false }) : r));
}
