// Detection rules whose condition is decoded on first need (start-up, issue 14). A rule
// loaded from the rule cache carries its condition as cached JSON and its (Channel, EventID)
// keys (core's key-routing.ts), stored beside it when the file was parsed; `condition` is an
// enumerable getter that decodes on first read and keeps the result. A hunt whose first
// event reaches 266 of SigmaHQ's 3,752 rules then decodes those 266, not all of them: the
// evaluator routes on the recorded keys (core `recordRuleKeys`) and reads a condition only
// when a subset it is in compiles.
//
// Every reader sees the same rule as an eager load gives: the getter returns the same
// frozen tree, and anything that copies a rule (`{ ...rule }`, JSON, structured clone)
// reads it through the getter. A pipeline applied to a lazy rule stays lazy when it can
// neither fail nor change the keys (no drop_fields, no value replacements, no field mapping
// from or to Channel or EventID, see {@link isKeyNeutral}): its outcome (mapped or not, its
// errors) and the processed keys come from applying it to a stand-in of the keys
// (core `keysStandIn`), and the processed condition is computed on first read.
import {
  CHANNEL_FIELD,
  EVENT_ID_FIELD,
  keysStandIn,
  recordRuleKeys,
  ruleKeysOf,
  type DetectionRule,
  type ErrorRecord,
  type Node,
  type RuleKeys,
} from '@siemlite/core';
import { applyPipeline } from './pipeline/apply-pipeline.js';
import type { PipelineTransforms, ProcessingPipeline } from './pipeline/pipeline.js';

/** A condition not decoded yet: its keys, and how to decode it (called at most once). */
export interface LazyCondition {
  readonly kind: 'LazyCondition';
  readonly keys: RuleKeys;
  readonly decode: () => Node;
}

/** What a rule made by {@link lazyDetectionRule} holds about its condition (hidden, see there). */
interface LazyState {
  readonly lazy: LazyCondition;
  /** The decoded condition, null until first read; then `lazy.decode` is not called again. */
  node: Node | null;
}

/** The key of a lazy rule's {@link LazyState}: a non-enumerable own property. */
const STATE = Symbol('siemlite.lazyCondition');

/** The lazy condition of a rule made by {@link lazyDetectionRule}, or undefined. */
function lazyOf(rule: DetectionRule): LazyCondition | undefined {
  return (rule as unknown as { readonly [STATE]?: LazyState })[STATE]?.lazy;
}

/**
 * The `condition` getter of every lazy rule: one function, so that all lazy rules share a
 * hidden class (a getter closure per rule gave each of 7,500 rules its own, ~1.5 KB more per
 * rule and slower to make); its state is the rule's own non-enumerable {@link STATE} property,
 * which copies (`{ ...rule }`), JSON and equality checks do not see.
 */
function readCondition(this: { readonly [STATE]: LazyState }): Node {
  const state = this[STATE];
  state.node ??= state.lazy.decode();
  return state.node;
}

const CONDITION: PropertyDescriptor = Object.freeze({ enumerable: true, get: readCondition });

/** A lazy condition; `decode` runs once, on the first read. */
export function lazyCondition(keys: RuleKeys, decode: () => Node): LazyCondition {
  return Object.freeze({ kind: 'LazyCondition', keys, decode });
}

/** The condition, decoded now when lazy. */
export function conditionOf(condition: Node | LazyCondition): Node {
  return condition.kind === 'LazyCondition' ? condition.decode() : condition;
}

/**
 * A frozen detection rule with `fields` and a condition decoded on first read (the same
 * property order as an eager rule). Its keys are recorded for the evaluator.
 */
export function lazyDetectionRule(fields: Omit<DetectionRule, 'condition'> | DetectionRule, lazy: LazyCondition, isMapped = fields.isMapped): DetectionRule {
  // Built property by property: in a literal, V8 would put the getter after every data
  // property, and JSON output (CLI, wire) must keep an eager rule's order. A rule given as
  // `fields` is read without its condition (not decoded).
  const out: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (key === 'condition') continue;
    if (key === 'isMapped') {
      Object.defineProperty(out, 'condition', CONDITION);
      out[key] = isMapped;
    } else out[key] = (fields as unknown as Record<string, unknown>)[key];
  }
  if (!Object.hasOwn(out, 'condition')) Object.defineProperty(out, 'condition', CONDITION);
  const state: LazyState = { lazy, node: null };
  Object.defineProperty(out, STATE, { value: state });
  recordRuleKeys(out, lazy.keys);
  return Object.freeze(out) as unknown as DetectionRule;
}

const KEY_FIELDS: ReadonlySet<string> = new Set([CHANNEL_FIELD, EVENT_ID_FIELD]);

/**
 * Whether applying `pipelines` can neither fail nor change a condition's keys: no
 * drop_fields (the only transform that fails), no value replacements, and no field
 * mapping from or to Channel or EventID, at the top level or in any logsources entry.
 * Then the keys of a processed rule follow from the keys of the rule alone.
 */
export function isKeyNeutral(pipelines: readonly ProcessingPipeline[]): boolean {
  const neutral = (t: PipelineTransforms): boolean =>
    t.dropFields.length === 0 &&
    t.valueReplacements.length === 0 &&
    t.fieldMappings.every((m) => !KEY_FIELDS.has(m.field) && !m.targets.some((f) => KEY_FIELDS.has(f)));
  return pipelines.every((p) => neutral(p) && p.logsources.every(neutral));
}

/**
 * `rule` processed by `pipelines` and still lazy, with the errors applying them gives; null
 * when the rule is not lazy (then the caller applies the pipelines to its condition). The
 * caller checks {@link isKeyNeutral} first.
 */
export function processLazily(
  rule: DetectionRule,
  pipelines: readonly ProcessingPipeline[],
  probes: Map<string, Probe>,
): { readonly rule: DetectionRule | null; readonly errors: readonly ErrorRecord[] } | null {
  const lazy = lazyOf(rule);
  if (lazy === undefined) return null;
  const input = { logsource: rule.logsource, origin: rule.origin, ruleId: rule.id ?? rule.name };
  // Neutral pipelines rename and AND the same way whatever the rest of the condition is:
  // the stand-in's result has the processed rule's keys, mapping and errors. Rules of one
  // logsource with the same keys share it (SigmaHQ: 3,752 rules, a few hundred probes).
  const id = JSON.stringify([rule.logsource, lazy.keys]);
  let probe = probes.get(id);
  if (probe === undefined) {
    const out = applyPipeline({ ...input, condition: keysStandIn(lazy.keys) }, pipelines);
    probe = { isMapped: out.isMapped, keys: ruleKeysOf(out.condition), errors: out.errors };
    // Errors name the rule: only an error-free outcome is shared.
    if (out.errors.length === 0) probes.set(id, probe);
  }
  if (probe.errors.some((e) => e.severity === 'error')) return { rule: null, errors: probe.errors };
  const processed = lazyCondition(probe.keys, () => applyPipeline({ ...input, condition: rule.condition }, pipelines).condition);
  return { rule: lazyDetectionRule(rule, processed, probe.isMapped), errors: probe.errors };
}

/** What applying neutral pipelines to a rule's key stand-in gave (shared by {@link processLazily} calls). */
export interface Probe {
  readonly isMapped: boolean;
  readonly keys: RuleKeys;
  readonly errors: readonly ErrorRecord[];
}

