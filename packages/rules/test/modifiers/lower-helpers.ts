// Builds detection items from real YAML, so values carry YAML 1.1 typing and locations.
import { StringPattern, type Node, type SourceLocation } from '@siemlite/core';
import {
  lowerDetectionItem,
  type DetectionItem,
  type LoweredItem,
} from '../../src/modifiers/lower-item.js';
import { loadYaml } from '../../src/yaml/load-yaml.js';

export const FILE = 'rule.yml';

/** A location in the test file. */
export function at(line: number, column: number): SourceLocation {
  return { file: FILE, line, column };
}

/**
 * The detection item of a map entry (`x|contains: a`; the first one unless `entryIndex`
 * says otherwise), or a keyword item for a list (`- a`) or a bare scalar document.
 */
export function itemFromYaml(source: string, entryIndex = 0): DetectionItem {
  const { documents } = loadYaml(FILE, source);
  const doc = documents[0];
  if (doc === undefined || doc.errors.length > 0 || doc.value === null) {
    throw new Error(`test YAML does not load: ${JSON.stringify(doc?.errors)}`);
  }
  const value = doc.value;
  if (value.kind === 'map') {
    const entry = value.entries[entryIndex];
    if (entry === undefined) throw new Error('empty map');
    const [fieldPart, ...modifiers] = entry.key.split('|');
    const field = fieldPart === undefined || fieldPart === '' ? null : fieldPart;
    const isList = entry.value.kind === 'seq';
    const values = entry.value.kind === 'seq' ? entry.value.items : [entry.value];
    return { field, modifiers, keyLoc: entry.keyLoc, values, isList };
  }
  if (value.kind === 'seq') return { field: null, modifiers: [], keyLoc: value.loc, values: value.items, isList: true };
  return { field: null, modifiers: [], keyLoc: value.loc, values: [value], isList: false };
}

/** Lowers the item written in `source`, with optional placeholder values for `expand`. */
export function lower(
  source: string,
  placeholders: Record<string, readonly string[]> = {},
  entryIndex = 0,
): LoweredItem {
  return lowerDetectionItem(itemFromYaml(source, entryIndex), { placeholders: new Map(Object.entries(placeholders)) });
}

/** Lowers and insists on success without warnings, returning the node. */
export function lowerOk(source: string, placeholders: Record<string, readonly string[]> = {}): Node {
  const result = lower(source, placeholders);
  if (result.errors.length > 0 || result.node === null) {
    throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  }
  return result.node;
}

/** The Sigma text of each StringPattern leaf (Match or Keyword) under an OR, in order. */
export function sigmaTexts(node: Node): string[] {
  const leaves = node.kind === 'Or' ? node.children : [node];
  return leaves.map((leaf) => {
    if ((leaf.kind === 'Match' || leaf.kind === 'Keyword') && leaf.value.kind === 'StringPattern') {
      return StringPattern.toSigma(leaf.value);
    }
    throw new Error(`not a string leaf: ${JSON.stringify(leaf)}`);
  });
}

/** Error codes with their positions, for compact assertions. */
export function codesAt(records: LoweredItem['errors']): { code: string; line: number; column: number }[] {
  return records.map((r) => ({ code: r.code, line: r.location?.line ?? 0, column: r.location?.column ?? 0 }));
}
