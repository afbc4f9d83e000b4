import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Match, StringPattern, type Logsource } from '@siemlite/core';
import { applyPipeline, matchesLogsource } from '../../src/pipeline/apply-pipeline.js';
import { BUILTIN_PIPELINE_NAMES, loadBuiltinPipeline } from '../../src/pipeline/builtin.js';
import type { ProcessingPipeline } from '../../src/pipeline/pipeline.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const shared = process.env['SIEMLITE_SHARED'] ?? resolve(repoRoot, '../shared');
const sigmaDir = join(shared, 'sigma');
const hasShared = existsSync(join(sigmaDir, 'rules'));

if (!hasShared) {
  if (process.env['CI'] === 'true') {
    throw new Error(`SigmaHQ corpus not found at ${sigmaDir}; set SIEMLITE_SHARED (required in CI)`);
  }
  console.warn(
    `\n!!! SKIPPING windows pipeline corpus checks: no SigmaHQ corpus at ${sigmaDir}. Set SIEMLITE_SHARED to run them. !!!\n`,
  );
}

/**
 * Windows logsources SigmaHQ rules use that windows.yml leaves unmapped on purpose
 * (reasons in rules/pipelines/README.md): Kernel-File ETW events have no event log channel.
 */
const DELIBERATELY_UNMAPPED = ['category=file_access', 'category=file_rename'];

function loadWindows(): ProcessingPipeline {
  const { pipeline, errors } = loadBuiltinPipeline('windows');
  expect(errors).toEqual([]);
  if (pipeline === null) throw new Error('windows pipeline did not load');
  return pipeline;
}

function logsource(attrs: Partial<Logsource>): Logsource {
  return { category: null, product: null, service: null, definition: null, ...attrs };
}

/** The Channel and EventID values the matching entries require, per branch, as sorted text. */
function routing(pipeline: ProcessingPipeline, ls: Logsource): { channels: string[]; eventIds: number[] } {
  const channels = new Set<string>();
  const eventIds = new Set<number>();
  for (const entry of pipeline.logsources.filter((e) => matchesLogsource(e, ls))) {
    for (const c of entry.conditions) {
      for (const v of c.values) {
        if (c.field === 'Channel' && StringPattern.is(v)) channels.add(StringPattern.toSigma(v));
        if (c.field === 'EventID' && v.kind === 'Number') eventIds.add(v.value);
      }
    }
  }
  return { channels: [...channels].sort(), eventIds: [...eventIds].sort((a, b) => a - b) };
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

describe('the shipped windows pipeline', () => {
  const windows = loadWindows();

  it('loads without errors and is named windows', () => {
    expect(windows.name).toBe('windows');
    expect(windows.unmapped).toBe('keep');
    expect(BUILTIN_PIPELINE_NAMES).toContain('windows');
  });

  it.each<[string, number[]]>([
    ['process_creation', [1, 4688]],
    ['file_change', [2]],
    ['network_connection', [3]],
    ['sysmon_status', [4, 16]],
    ['process_termination', [5]],
    ['driver_load', [6]],
    ['image_load', [7]],
    ['create_remote_thread', [8]],
    ['raw_access_thread', [9]],
    ['process_access', [10]],
    ['file_event', [11]],
    ['registry_event', [12, 13, 14]],
    ['registry_add', [12]],
    ['registry_delete', [12]],
    ['registry_set', [13]],
    ['registry_rename', [14]],
    ['create_stream_hash', [15]],
    ['pipe_created', [17, 18]],
    ['wmi_event', [19, 20, 21]],
    ['dns_query', [22]],
    ['file_delete', [23]],
    ['clipboard_change', [24]],
    ['clipboard_capture', [24]],
    ['process_tampering', [25]],
    ['file_delete_detected', [26]],
    ['file_block_executable', [27]],
    ['file_block_shredding', [28]],
    ['file_executable_detected', [29]],
    ['sysmon_error', [255]],
  ])('routes category %s to Sysmon event IDs %j', (category, ids) => {
    const r = routing(windows, logsource({ category, product: 'windows' }));
    expect(r.eventIds).toEqual(ids);
    expect(r.channels).toContain(SYSMON);
  });

  it('restricts registry_add and registry_delete by EventType', () => {
    const eventTypes = (category: string): string[] =>
      windows.logsources
        .filter((e) => e.category === category)
        .flatMap((e) => e.conditions.filter((c) => c.field === 'EventType'))
        .flatMap((c) => c.values.map((v) => (StringPattern.is(v) ? StringPattern.toSigma(v) : v.kind)));
    expect(eventTypes('registry_add')).toEqual(['CreateKey']);
    expect(eventTypes('registry_delete')).toEqual(['DeleteKey', 'DeleteValue']);
  });

  it.each<[string, number[], string[]]>([
    ['ps_module', [4103], ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']],
    ['ps_script', [4104], ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']],
    ['ps_classic_start', [400], ['Windows PowerShell']],
    ['ps_classic_provider_start', [600], ['Windows PowerShell']],
    ['ps_classic_script', [800], ['Windows PowerShell']],
  ])('routes PowerShell category %s', (category, ids, channels) => {
    expect(routing(windows, logsource({ category, product: 'windows' }))).toEqual({ channels, eventIds: ids });
  });

  it('routes process_creation to Sysmon 1 or Security 4688 with the 4688 renames', () => {
    const branches = windows.logsources.filter((e) => matchesLogsource(e, logsource({ category: 'process_creation', product: 'windows' })));
    expect(branches.map((b) => routing({ ...windows, logsources: [b] }, logsource({ category: 'process_creation', product: 'windows' })))).toEqual([
      { channels: [SYSMON], eventIds: [1] },
      { channels: ['Security'], eventIds: [4688] },
    ]);
    expect(branches[0]?.fieldMappings).toEqual([]);
    expect(branches[1]?.fieldMappings.map((m) => [m.field, m.targets])).toEqual([
      ['Image', ['NewProcessName']],
      ['ParentImage', ['ParentProcessName']],
    ]);
  });

  it('matches product: windows alone with one unconditional branch', () => {
    const entries = windows.logsources.filter((e) => matchesLogsource(e, logsource({ product: 'windows' })));
    expect(entries).toHaveLength(1);
    expect(entries[0]?.conditions).toEqual([]);
  });

  it('keeps file_access and file_rename unmapped on purpose', () => {
    for (const category of ['file_access', 'file_rename']) {
      const r = applyPipeline({ logsource: logsource({ category, product: 'windows' }), condition: Match.create('A', StringPattern.literal('x')) }, [windows]);
      expect(r.isMapped).toBe(false);
    }
  });
});

describe('loadBuiltinPipeline', () => {
  it('reads from an explicit directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-pipelines-'));
    writeFileSync(join(dir, 'windows.yml'), 'name: custom\n');
    const { pipeline, errors } = loadBuiltinPipeline('windows', dir);
    expect(errors).toEqual([]);
    expect(pipeline?.name).toBe('custom');
    expect(pipeline?.origin.file).toBe(join(dir, 'windows.yml'));
  });

  it('reports a missing file as a located io error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'siemlite-pipelines-'));
    const { pipeline, errors } = loadBuiltinPipeline('windows', dir);
    expect(pipeline).toBeNull();
    expect(errors).toEqual([expect.objectContaining({ code: 'io', location: { file: join(dir, 'windows.yml'), line: 1, column: 1 } })]);
  });
});

/** Every `.yml` file under `dir`, recursively. */
function ymlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...ymlFiles(path));
    else if (entry.name.endsWith('.yml') || entry.name.endsWith('.yaml')) out.push(path);
  }
  return out;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Distinct Windows logsources of the SigmaHQ rule folders (and the generic antivirus category thor maps). */
function corpusLogsources(): Map<string, { ls: Logsource; files: string[] }> {
  const found = new Map<string, { ls: Logsource; files: string[] }>();
  const folders = readdirSync(sigmaDir).filter((name) => name === 'rules' || name.startsWith('rules-'));
  for (const folder of folders) {
    for (const file of ymlFiles(join(sigmaDir, folder))) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const js: unknown = doc.toJS();
        if (js === null || typeof js !== 'object') continue;
        const raw = (js as Record<string, unknown>)['logsource'];
        if (raw === null || typeof raw !== 'object') continue;
        const attrs = raw as Record<string, unknown>;
        const ls = logsource({
          category: asString(attrs['category']),
          product: asString(attrs['product']),
          service: asString(attrs['service']),
        });
        if (ls.product !== 'windows' && !(ls.product === null && ls.category === 'antivirus')) continue;
        const key = ['category', 'product', 'service']
          .filter((k) => ls[k as keyof Logsource] !== null)
          .map((k) => `${k}=${ls[k as keyof Logsource]}`)
          .filter((k) => k !== 'product=windows')
          .join(',');
        const slot = found.get(key) ?? { ls, files: [] };
        slot.files.push(file);
        found.set(key, slot);
      }
    }
  }
  return found;
}

describe.skipIf(!hasShared)('windows pipeline against the SigmaHQ corpus', () => {
  const windows = loadWindows();

  it('maps every Windows category and service the rules use, except the documented ones', () => {
    const found = corpusLogsources();
    expect(found.size).toBeGreaterThan(50);
    const unmapped: string[] = [];
    for (const [key, { ls }] of found) {
      const r = applyPipeline({ logsource: ls, condition: Match.create('A', StringPattern.literal('x')) }, [windows]);
      expect(r.errors).toEqual([]);
      if (!r.isMapped) unmapped.push(key);
    }
    expect(unmapped.sort()).toEqual(DELIBERATELY_UNMAPPED);
    // The product-only rule of rules/ (win_alert_mimikatz_keywords.yml) is covered too.
    expect(found.has('')).toBe(true);
  });

  it('agrees with thor.yml on every Windows category and service', () => {
    const thorDoc = parseAllDocuments(readFileSync(join(sigmaDir, 'tests', 'thor.yml'), 'utf8'))[0]?.toJS() as {
      logsources: Record<string, { category?: string; product?: string; service?: string; conditions?: Record<string, unknown>; sources?: string[]; rewrite?: { service?: string } }>;
    };
    const expected = new Map<string, { channels: Set<string>; eventIds: Set<number> }>();
    const slot = (key: string): { channels: Set<string>; eventIds: Set<number> } => {
      const s = expected.get(key) ?? { channels: new Set<string>(), eventIds: new Set<number>() };
      expected.set(key, s);
      return s;
    };
    const serviceChannels = new Map<string, string[]>();
    for (const entry of Object.values(thorDoc.logsources)) {
      if (entry.product === 'windows' && entry.service !== undefined && entry.sources !== undefined) {
        const channels = entry.sources.filter((s) => s.startsWith('WinEventLog:')).map((s) => s.slice('WinEventLog:'.length));
        serviceChannels.set(entry.service, channels);
        for (const c of channels) slot(`service=${entry.service}`).channels.add(c);
      }
    }
    for (const entry of Object.values(thorDoc.logsources)) {
      if (entry.category === undefined || entry.rewrite?.service === undefined) continue;
      const s = slot(`category=${entry.category}`);
      for (const c of serviceChannels.get(entry.rewrite.service) ?? []) s.channels.add(c);
      const ids = entry.conditions?.['EventID'];
      for (const id of Array.isArray(ids) ? ids : [ids]) if (typeof id === 'number') s.eventIds.add(id);
    }
    expect(expected.size).toBeGreaterThan(60);
    for (const [key, want] of expected) {
      const [attr, value] = key.split('=') as [string, string];
      const ls = logsource(
        attr === 'category'
          ? { category: value, ...(value === 'antivirus' ? {} : { product: 'windows' }) }
          : { service: value, product: 'windows' },
      );
      const got = routing(windows, ls);
      expect({ key, ...got }).toEqual({
        key,
        channels: [...want.channels].sort(),
        eventIds: [...want.eventIds].sort((a, b) => a - b),
      });
    }
  });
});
