// Source recognition: each shipped recognizer on an event of its source (shapes from the
// vendors' documentation and the shared datasets) and on near misses of other sources.
import { describe, expect, it } from 'vitest';
import { logsourceFits, parseSourceSpec, ROUTE_UNKNOWN, ROUTE_WINDOWS, SourceRouter } from '../../src/source/source-router.js';

const router = new SourceRouter();
const logsourceOf = (event: Record<string, unknown>) => router.logsource(router.route(event));

// One event per source, as the source writes it.
const SAMPLES: readonly [string, Record<string, unknown>, Record<string, string>][] = [
  ['evtx_dump JSON', { Event: { System: { EventID: 4688, Channel: 'Security' } } }, { product: 'windows' }],
  ['flat Windows event', { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\a.exe' }, { product: 'windows' }],
  [
    'CloudTrail record',
    { eventVersion: '1.05', eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1', userIdentity: { type: 'IAMUser' } },
    { product: 'aws', service: 'cloudtrail' },
  ],
  [
    'Azure sign-in log (resource log)',
    { time: '2024-01-01T00:00:00Z', category: 'SignInLogs', operationName: 'Sign-in activity', properties: { status: { errorCode: 50126 } } },
    { product: 'azure', service: 'signinlogs' },
  ],
  ['Azure sign-in log (Log Analytics)', { Category: 'SignInLogs', ResultType: '50126', UserPrincipalName: 'a@b.c' }, { product: 'azure', service: 'signinlogs' }],
  ['Azure audit log', { category: 'AuditLogs', operationName: 'Add member to role' }, { product: 'azure', service: 'auditlogs' }],
  [
    'Azure activity log',
    { category: 'Administrative', resourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/Y', operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE' },
    { product: 'azure', service: 'activitylogs' },
  ],
  [
    'GCP audit LogEntry',
    {
      logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
      protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName: 'storage.buckets.delete' },
    },
    { product: 'gcp', service: 'gcp.audit' },
  ],
  [
    'Okta LogEvent',
    { uuid: 'f2c', published: '2024-01-01T00:00:00.000Z', eventType: 'user.session.start', actor: { id: 'x' }, displayMessage: 'User login to Okta' },
    { product: 'okta', service: 'okta' },
  ],
  ['auditd record', { type: 'EXECVE', timestamp: '1604996384.965', serial: '93777', argc: '2', a0: 'ls', a1: '-l' }, { product: 'linux', service: 'auditd' }],
  ['syslog sshd', { timestamp: 'Feb  5 17:32:18', hostname: 'h', program: 'sshd', pid: '41', message: 'Accepted password' }, { product: 'linux', service: 'sshd' }],
  ['syslog CRON', { timestamp: 'Feb  5 17:32:18', hostname: 'h', program: 'CRON', message: '(root) CMD (x)' }, { product: 'linux', service: 'cron' }],
  ['syslog sudo', { timestamp: 'Feb  5 17:32:18', hostname: 'h', program: 'sudo', message: 'bob : TTY=pts/0' }, { product: 'linux', service: 'sudo' }],
  ['syslog other program', { timestamp: 'Feb  5 17:32:18', hostname: 'h', program: 'named', message: 'x' }, { product: 'linux', service: 'syslog' }],
  ['journald JSON', { MESSAGE: 'Accepted publickey', SYSLOG_IDENTIFIER: 'sshd', _HOSTNAME: 'h', __REALTIME_TIMESTAMP: '1' }, { product: 'linux', service: 'sshd' }],
  ['Zeek JSON with _path', { _path: 'smb_files', ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', action: 'SMB::FILE_OPEN' }, { product: 'zeek', service: 'smb_files' }],
  [
    'Zeek conn',
    { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 5, 'id.resp_h': '10.0.0.2', 'id.resp_p': 3389, proto: 'tcp', conn_state: 'SF' },
    { product: 'zeek', service: 'conn' },
  ],
  ['Zeek dns', { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', query: 'a.example', qtype_name: 'A', rcode_name: 'NOERROR' }, { product: 'zeek', service: 'dns' }],
  ['Zeek http', { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', method: 'GET', host: 'a', uri: '/x', user_agent: 'curl' }, { product: 'zeek', service: 'http' }],
  ['Zeek rdp', { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', cookie: 'bob', security_protocol: 'HYBRID' }, { product: 'zeek', service: 'rdp' }],
  ['Zeek dce_rpc', { ts: 1, uid: 'C1', 'id.orig_h': '10.0.0.1', endpoint: 'drsuapi', operation: 'DRSGetNCChanges' }, { product: 'zeek', service: 'dce_rpc' }],
  [
    'Apache access log (parser output)',
    { 'c-ip': '1.2.3.4', 'cs-method': 'GET', 'cs-uri-stem': '/a', 'cs-uri-query': '', 'sc-status': 200, 'cs-user-agent': 'curl' },
    { category: 'webserver' },
  ],
  ['proxy (W3C, Blue Coat)', { 'c-ip': '10.0.0.1', 'cs-host': 'evil.example', 'cs-method': 'GET', 'c-uri': 'http://evil.example/a', 's-action': 'TCP_MISS' }, { category: 'proxy' }],
  ['web access log in ECS', { http: { request: { method: 'GET' } }, url: { original: '/a?b', path: '/a', query: 'b' }, source: { ip: '1.2.3.4' } }, { category: 'webserver' }],
];

// Near misses: shapes close to a recognized source that are not it.
const NEAR_MISSES: readonly [string, Record<string, unknown>][] = [
  ['EventID without Channel or provider', { EventID: 4688, Image: 'a.exe' }],
  ['CloudTrail-like without awsRegion', { eventSource: 's3.amazonaws.com', eventName: 'GetObject' }],
  ['Azure category of another log', { category: 'StorageRead', resourceId: '/x', operationName: 'GetBlob' }],
  ['Azure activity category without resource id', { category: 'Administrative', operationName: 'x' }],
  ['GCP entry that is not an audit log', { logName: 'projects/p/logs/stdout', textPayload: 'hello' }],
  ['Okta-like without actor', { eventType: 'user.session.start', published: 'x', uuid: 'y' }],
  ['auditd-like without serial', { type: 'EXECVE', timestamp: '1' }],
  ['syslog-like without hostname', { program: 'sshd', message: 'x' }],
  ['Zeek-like without uid', { 'id.orig_h': '10.0.0.1', proto: 'tcp', conn_state: 'SF' }],
  ['web-like without a method', { 'c-ip': '1.2.3.4', 'cs-uri-stem': '/a', 'sc-status': 200 }],
  ['empty', {}],
];

describe('SourceRouter with the shipped recognizers', () => {
  for (const [what, event, logsource] of SAMPLES) {
    it(`recognizes ${what}`, () => {
      expect(logsourceOf(event)).toEqual(logsource);
    });
  }
  for (const [what, event] of NEAR_MISSES) {
    it(`does not recognize ${what}`, () => {
      expect(router.route(event)).toBe(ROUTE_UNKNOWN);
      expect(router.logsource(ROUTE_UNKNOWN)).toBeUndefined();
    });
  }

  it('keeps Windows events on the Windows route, whatever else they carry', () => {
    expect(router.route({ EventID: 1, Channel: 'x', eventSource: 'a', eventName: 'b', awsRegion: 'c' })).toBe(ROUTE_WINDOWS);
  });

  it('gives each event of the same source the same route id, without new routes', () => {
    const a = router.route({ timestamp: 't', hostname: 'h', program: 'sshd', message: 'a' });
    const count = router.routeCount;
    expect(router.route({ timestamp: 'u', hostname: 'g', program: 'sshd', message: 'b' })).toBe(a);
    expect(router.routeCount).toBe(count);
  });

  it('adds the Sigma names of a source whose names differ (GCP method, ECS web fields), leaving the event as read alone', () => {
    const gcp = { logName: 'l', protoPayload: { methodName: 'storage.buckets.delete' } };
    const seen = router.withSigmaFields(gcp, router.route(gcp));
    expect(seen['gcp.audit.method_name']).toBe('storage.buckets.delete');
    expect(gcp).not.toHaveProperty(['gcp.audit.method_name']);
    const ecs = { http: { request: { method: 'POST' }, response: { status_code: 404 } }, url: { original: '/a?id=1', path: '/a', query: 'id=1' } };
    const web = router.withSigmaFields(ecs, router.route(ecs));
    expect(web).toMatchObject({ 'cs-method': 'POST', 'cs-uri-stem': '/a', 'cs-uri-query': 'id=1', 'c-uri': '/a?id=1', 'sc-status': 404 });
    const plain = { 'cs-method': 'GET', 'cs-uri-stem': '/' };
    expect(router.withSigmaFields(plain, router.route(plain))).toBe(plain);
  });
});

describe('rule logsource fit', () => {
  it('requires every field the rule states to equal the event logsource, case-insensitively', () => {
    const trail = { product: 'aws', service: 'cloudtrail' };
    expect(logsourceFits({ product: 'aws', service: 'cloudtrail', category: null }, trail)).toBe(true);
    expect(logsourceFits({ product: 'AWS', service: null, category: null }, trail)).toBe(true);
    expect(logsourceFits({ product: 'zeek', service: 'rdp', category: null }, trail)).toBe(false);
    expect(logsourceFits({ product: 'aws', service: 'cloudtrail', category: 'process_creation' }, trail)).toBe(false);
    expect(logsourceFits({ product: null, service: null, category: 'webserver' }, { category: 'webserver' })).toBe(true);
    expect(logsourceFits({ product: null, service: 'apache', category: null }, { category: 'webserver' })).toBe(false);
  });

  it('lets only rules that state no logsource run on events of no known source', () => {
    expect(logsourceFits({ product: null, service: null, category: null }, undefined)).toBe(true);
    expect(logsourceFits({ product: 'linux', service: null, category: null }, undefined)).toBe(false);
  });
});

describe('custom recognizers and a declared source', () => {
  it('tries custom recognizers first, and can leave the shipped ones out', () => {
    const custom = new SourceRouter({
      recognizers: [{ name: 'fortigate', logsource: { product: 'fortigate', service: 'event' }, has: ['devname', 'logid'], equals: { type: ['event'] } }],
    });
    expect(custom.logsource(custom.route({ devname: 'fw1', logid: '0100032001', type: 'event' }))).toEqual({ product: 'fortigate', service: 'event' });
    expect(custom.route({ devname: 'fw1', logid: '1', type: 'traffic' })).toBe(ROUTE_UNKNOWN);
    expect(custom.logsource(custom.route({ eventSource: 'a', eventName: 'b', awsRegion: 'c' }))).toEqual({ product: 'aws', service: 'cloudtrail' });
    const only = new SourceRouter({ shipped: false, recognizers: [{ name: 'x', logsource: { product: 'x' }, has: ['x'] }] });
    expect(only.route({ eventSource: 'a', eventName: 'b', awsRegion: 'c' })).toBe(ROUTE_UNKNOWN);
  });

  it('gives events no recognizer knows the declared fallback logsource', () => {
    const declared = new SourceRouter({ fallback: { product: 'linux', service: 'sshd' } });
    expect(declared.logsource(declared.route({ msg: 'x' }))).toEqual({ product: 'linux', service: 'sshd' });
    expect(declared.fits({ product: 'linux', service: 'sshd', category: null }, ROUTE_UNKNOWN)).toBe(true);
  });

  it('rejects recognizers that test nothing or name unknown logsource fields', () => {
    expect(() => new SourceRouter({ recognizers: [{ name: 'x', logsource: { product: 'x' } }] })).toThrow(/tests nothing/);
    expect(() => new SourceRouter({ recognizers: [{ name: 'x', logsource: { vendor: 'x' } as never, has: ['a'] }] })).toThrow(/unknown logsource field 'vendor'/);
    expect(() => new SourceRouter({ fallback: {} })).toThrow(/needs product, service or category/);
  });

  it('parses --source specs and says what is wrong with bad ones', () => {
    expect(parseSourceSpec('product=linux,service=sshd')).toEqual({ product: 'linux', service: 'sshd' });
    expect(parseSourceSpec('category=webserver')).toEqual({ category: 'webserver' });
    expect(() => parseSourceSpec('vendor=x')).toThrow(/expected product=X/);
    expect(() => parseSourceSpec('product=')).toThrow(/product needs a value/);
    expect(() => parseSourceSpec('product=a,product=b')).toThrow(/given twice/);
  });
});

describe('recognizer validation', () => {
  it('says which recognizer and which key is malformed', () => {
    expect(() => new SourceRouter({ recognizers: [{ name: 'x', logsource: { product: 'x' }, has: 'a' as never }] })).toThrow("recognizer 'x': has must be a list of strings");
    expect(() => new SourceRouter({ recognizers: [{ name: 'y', logsource: { product: 'y' }, equals: { a: 'b' as never } }] })).toThrow("recognizer 'y': equals.a must be a list of strings");
  });
});
