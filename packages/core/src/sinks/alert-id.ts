// A stable id for every alert, so a receiver can drop the duplicates that at-least-once
// delivery (sink retries, a spool replayed after a restart) may produce.
import { createHash } from 'node:crypto';
import type { EngineAlert } from '../alert/alert.js';

/** Hex digits in an alert id: 64 bits, collision-free in practice for one deployment's alerts. */
const ID_HEX = 16;

/**
 * The alert's id: a short hex hash of what identifies it. Match alerts: rule key, source
 * path and record number (the same event matched by the same rule always gives the same id,
 * whichever run or sink sends it). Correlation alerts: rule key, group and window.
 */
export function alertId(alert: EngineAlert): string {
  const hash = createHash('sha256');
  if (alert.type === 'match') hash.update(`m\0${alert.rule.key}\0${alert.source.path}\0${alert.source.record}`);
  else hash.update(`c\0${alert.rule.key}\0${stableJson(alert.group)}\0${alert.window.start}\0${alert.window.end}`);
  return hash.digest('hex').slice(0, ID_HEX);
}

/** JSON with object keys sorted, so equal groups hash alike whatever their key order. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
    .join(',')}}`;
}
