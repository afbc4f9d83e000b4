// Public surface of @siemlite/rules: the Sigma front end. Named re-exports only.
export { DEFAULT_MAX_RULE_FILE_BYTES, PIPELINE_FOLDER, RULE_TESTS_SUFFIX, loadRules, loadRulesFromText, processRules } from './collection.js';
export type { LoadRulesOptions, RuleSet } from './collection.js';
export type { RuleCacheOptions, RuleCacheReport } from './rule-cache.js';

export { parseCondition, MAX_CONDITION_DEPTH } from './condition/parse-condition.js';
export type { ConditionSyntaxIssue, ParsedCondition } from './condition/parse-condition.js';
export type { ConditionAst } from './condition/to-ast.js';
export { resolveCondition } from './condition/expand-selectors.js';
export type { ResolvedCondition, ResolvedConditionResult } from './condition/expand-selectors.js';

export { lowerDetectionItem, parseSigmaString, MODIFIER_NAMES } from './modifiers/lower-item.js';
export type { DetectionItem, LowerItemContext } from './modifiers/lower-item.js';

export { loadPipeline } from './pipeline/pipeline.js';
export type {
  LogsourceEntry,
  PipelineCondition,
  PipelineConditionValue,
  PipelineFieldMapping,
  PipelinePlaceholder,
  PipelineTransforms,
  PipelineValueReplacement,
  ProcessingPipeline,
  UnmappedPolicy,
} from './pipeline/pipeline.js';
export { applyPipeline, mapFieldName, matchesLogsource, resolvePlaceholders } from './pipeline/apply-pipeline.js';
export type { ApplyPipelineInput, ApplyPipelineResult } from './pipeline/apply-pipeline.js';
export { BUILTIN_PIPELINE_NAMES, loadBuiltinPipeline } from './pipeline/builtin.js';
export type { BuiltinPipelineName } from './pipeline/builtin.js';

export { selectionLocations } from './lower/selection-locations.js';

export { loadYaml } from './yaml/load-yaml.js';
export type { YamlDocument, YamlEntry, YamlMap, YamlScalar, YamlSeq, YamlValue } from './yaml/load-yaml.js';

export { applySelection, isEmptySelection, selectRules } from './select/select-rules.js';
export type { RuleSelection, SelectedRules } from './select/select-rules.js';
export { ATTACK_TACTICS, attackOf } from './select/attack.js';
