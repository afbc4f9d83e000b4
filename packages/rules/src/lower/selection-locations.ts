// Where each search identifier (selection) of a rule file is written. The IR keeps only the
// location of each field test, not the selection it came from; `explain` ties a field test
// to the selection whose key is the last one written before it (selections are consecutive
// blocks of the `detection` map). Kept out of the IR so no existing consumer changes.
import type { SelectionLocation } from '@siemlite/core';
import { loadYaml } from '../yaml/load-yaml.js';

/**
 * The search identifiers of every document of a rule file, in file order, with the
 * location of their key. Documents that do not parse contribute nothing.
 *
 * @example
 * selectionLocations('r.yml', text) // [{ name: 'selection', origin: { file: 'r.yml', line: 9, column: 5 } }, ...]
 */
export function selectionLocations(file: string, text: string): SelectionLocation[] {
  const out: SelectionLocation[] = [];
  for (const doc of loadYaml(file, text).documents) {
    if (doc.value?.kind !== 'map') continue;
    const detection = doc.value.entries.find((e) => e.key === 'detection')?.value;
    if (detection?.kind !== 'map') continue;
    for (const entry of detection.entries) {
      if (entry.key !== 'condition' && entry.key !== 'timeframe') out.push({ name: entry.key, origin: entry.keyLoc });
    }
  }
  return out;
}
