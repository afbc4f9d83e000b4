// MITRE ATT&CK in Sigma tags (Sigma tags spec: `attack.<tactic>`, `attack.t<technique>`).

/**
 * ATT&CK Enterprise tactics as Sigma tags name them, in kill-chain order. `stealth` and
 * `defense-impairment` are ATT&CK v18's split of `defense-evasion`, which older rules use.
 */
export const ATTACK_TACTICS: readonly string[] = Object.freeze([
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'stealth',
  'defense-impairment',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
]);
const TACTICS = new Set(ATTACK_TACTICS);

/**
 * The ATT&CK tactics and techniques a rule's tags name: tactics in kill-chain order
 * (`attack.credential_access` is read as `credential-access`), techniques upper-cased
 * (`attack.t1059.001` -> `T1059.001`) in tag order, without duplicates.
 *
 * @example attackOf(['attack.execution', 'attack.t1059.001']) // { tactics: ['execution'], techniques: ['T1059.001'] }
 */
export function attackOf(tags: readonly string[]): { readonly tactics: readonly string[]; readonly techniques: readonly string[] } {
  const tactics = new Set<string>();
  const techniques = new Set<string>();
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const name = t.slice(7).replaceAll('_', '-');
    if (TACTICS.has(name)) tactics.add(name);
    else if (/^t\d{4}(\.\d{3})?$/.test(name)) techniques.add(name.toUpperCase());
  }
  return { tactics: ATTACK_TACTICS.filter((t) => tactics.has(t)), techniques: [...techniques] };
}
