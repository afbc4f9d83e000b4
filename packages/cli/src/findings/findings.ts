// Findings of one hunt for people: every alert reduced to a compact row (time, host, user,
// rule, level, key fields), aggregated for the report (findings/report-*.ts) and written
// as a timeline (findings/timeline.ts).
import { compileFieldPath, normalizeEvent, type EngineAlert, type FieldAccessor } from '@siemlite/core';
import { attackOf } from '@siemlite/rules';

/** One alert as the report and the timeline show it. */
export interface FindingRow {
  /** Event time (ISO-8601; a correlation's window end), or null. */
  readonly time: string | null;
  readonly type: 'match' | 'correlation';
  readonly level: string;
  readonly ruleId: string | null;
  readonly ruleTitle: string;
  readonly host: string | null;
  readonly user: string | null;
  /** `Field=value` pairs of the event's most telling fields (a correlation: group, value). */
  readonly keyFields: string;
  readonly source: string;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  /** The event (pretty JSON) for the first alerts kept with details, else null. */
  readonly detail: string | null;
  /** Input order, to keep sorting stable. */
  readonly seq: number;
}

/** Where the host and the user are, most specific first (Windows, Sysmon, ECS, CloudTrail, syslog). */
const HOST_FIELDS = ['Computer', 'host.name', 'hostname', 'Hostname', 'ComputerName', 'host'];
const USER_FIELDS = ['User', 'TargetUserName', 'SubjectUserName', 'user.name', 'userIdentity.userName', 'UserName', 'AccountName', 'user'];
/** Fields worth a glance in a timeline row, in this order (those present). */
const KEY_FIELDS = [
  'EventID',
  'Image',
  'CommandLine',
  'ParentImage',
  'SourceImage',
  'TargetImage',
  'GrantedAccess',
  'TargetFilename',
  'TargetObject',
  'Details',
  'ServiceName',
  'ImagePath',
  'IpAddress',
  'DestinationIp',
  'DestinationPort',
  'QueryName',
  'ScriptBlockText',
  'eventName',
  'sourceIPAddress',
];
const MAX_VALUE_CHARS = 160;
/** Alerts kept with their event for the report's alert list; counts cover all alerts. */
export const MAX_DETAILED_ALERTS = 2000;

const compile = (fields: readonly string[]): readonly [string, FieldAccessor][] => fields.map((f) => [f, compileFieldPath(f)]);

function text(v: unknown): string | null {
  if (v === undefined || v === null || v === '' || v === '-') return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

/** Collects alerts into rows; aggregates on demand. */
export class Findings {
  readonly rows: FindingRow[] = [];
  readonly #host = compile(HOST_FIELDS);
  readonly #user = compile(USER_FIELDS);
  readonly #key = compile(KEY_FIELDS);
  readonly #attack = new Map<string, ReturnType<typeof attackOf>>();

  add(a: EngineAlert): void {
    const seq = this.rows.length;
    const detailed = seq < MAX_DETAILED_ALERTS;
    if (a.type === 'match') {
      const event = normalizeEvent(a.event);
      const first = (list: readonly [string, FieldAccessor][]): string | null => {
        for (const [, get] of list) {
          const v = text(get(event));
          if (v !== null) return v;
        }
        return null;
      };
      const keys: string[] = [];
      for (const [name, get] of this.#key) {
        const v = text(get(event));
        if (v !== null) keys.push(`${name}=${v}`);
      }
      let attack = this.#attack.get(a.rule.key);
      if (attack === undefined) this.#attack.set(a.rule.key, (attack = attackOf(a.rule.tags)));
      this.rows.push({
        time: a.timestamp,
        type: 'match',
        level: a.rule.level ?? 'informational',
        ruleId: a.rule.id,
        ruleTitle: a.rule.title,
        host: first(this.#host),
        user: first(this.#user),
        keyFields: keys.join('; '),
        source: `${a.source.path}:${a.source.record}`,
        tactics: attack.tactics,
        techniques: attack.techniques,
        detail: detailed ? JSON.stringify(a.event, null, 2) : null,
        seq,
      });
      return;
    }
    const group = a.group as Record<string, unknown>;
    const pick = (fields: readonly [string, FieldAccessor][]): string | null => {
      for (const [, get] of fields) {
        const v = text(get(group));
        if (v !== null) return v;
      }
      return null;
    };
    const last = a.matches[a.matches.length - 1];
    this.rows.push({
      time: a.timestamp,
      type: 'correlation',
      level: a.rule.level ?? 'informational',
      ruleId: a.rule.id,
      ruleTitle: a.rule.title,
      host: pick(this.#host),
      user: pick(this.#user),
      keyFields: [...Object.entries(group).map(([k, v]) => `${k}=${text(v) ?? ''}`), `${a.rule.correlation_type}=${a.value}`].join('; '),
      source: last === undefined ? '' : `${last.source.path}:${last.source.record}`,
      tactics: [],
      techniques: [],
      detail: detailed
        ? JSON.stringify({ correlation_type: a.rule.correlation_type, group: a.group, value: a.value, window: a.window, matches_total: a.matches_total, matches: a.matches }, null, 2)
        : null,
      seq,
    });
  }

  /** Rows by event time (alerts without a time last), input order among equals. */
  sorted(): FindingRow[] {
    return [...this.rows].sort((x, y) => {
      if (x.time !== y.time) {
        if (x.time === null) return 1;
        if (y.time === null) return -1;
        return x.time < y.time ? -1 : 1;
      }
      return x.seq - y.seq;
    });
  }
}

/** Counts of `key` over rows, largest first (ties by name). */
export function countBy(rows: readonly FindingRow[], key: (r: FindingRow) => string | null): [string, number][] {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
