// Source recognition, the data half: which logsource (Sigma product, service, category) an
// event comes from, told by its shape. Each recognizer is plain JSON-safe data (it travels to
// the pool's workers in their configuration, and a library user can add their own); the
// SourceRouter (source-router.ts) compiles them once into field accessors. Windows events are
// recognized before any of these, by isWindowsEvent, exactly as the windows pipeline routes them.
//
// Decisions (docs/ARCHITECTURE.md "Source recognition and routing"):
// - First recognizer that matches wins; the order below goes from the most specific shape to
//   the least (Zeek with `_path` before Zeek by fields; proxy before webserver).
// - A test is a few property reads: fields present, a field's string value in a fixed list.
//   No regex per event.
// - The web access log recognizers set only `category` (SigmaHQ's webserver and proxy rules
//   name no product), so `service: apache` error-log rules do not run on access logs.

/** A logsource as the router assigns it to events: the Sigma logsource fields it knows. */
export interface SourceLogsource {
  readonly product?: string;
  readonly service?: string;
  readonly category?: string;
}

/** The service of an event taken from one of its fields (syslog's program, Zeek's `_path`). */
export interface ServiceFromField {
  /** The field whose string value names the service. */
  readonly field: string;
  /** Value -> service; values not listed give `other` (or the value itself when `other` is absent). */
  readonly map?: Readonly<Record<string, string>>;
  readonly other?: string;
}

/**
 * One recognizer: an event is of `logsource` when every test holds.
 *
 * @example
 * { name: 'aws-cloudtrail', logsource: { product: 'aws', service: 'cloudtrail' },
 *   has: ['eventSource', 'eventName', 'awsRegion'] }
 */
export interface SourceRecognizer {
  readonly name: string;
  readonly logsource: SourceLogsource;
  /** Fields that must all be present (not undefined, not null). Dotted names as in rules. */
  readonly has?: readonly string[];
  /** At least one of these fields must be present. */
  readonly hasAny?: readonly string[];
  /** Field -> the string values it may hold (every listed field must hold one). */
  readonly equals?: Readonly<Record<string, readonly string[]>>;
  /** Fields that must be absent (near misses of a more specific source). */
  readonly lacks?: readonly string[];
  /** The service comes from a field of the event (overrides `logsource.service`). */
  readonly serviceFrom?: ServiceFromField;
  /**
   * Sigma field name -> the event's field holding it, for sources whose names differ from
   * the ones SigmaHQ's rules use. Added to the event rules see when it lacks the Sigma name.
   */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Linux program names (syslog TAG, journald SYSLOG_IDENTIFIER) -> SigmaHQ `service`. */
const LINUX_SERVICES: Readonly<Record<string, string>> = {
  sshd: 'sshd',
  sudo: 'sudo',
  cron: 'cron',
  CRON: 'cron',
  crond: 'cron',
  anacron: 'cron',
  vsftpd: 'vsftpd',
  clamd: 'clamav',
  freshclam: 'clamav',
  clamscan: 'clamav',
  guacd: 'guacamole',
  auditd: 'auditd',
};

/** Zeek logs whose service SigmaHQ's rules name, told by fields only that log has (JSON without `_path`). */
const ZEEK_BY_FIELDS: readonly SourceRecognizer[] = [
  { name: 'zeek-dce_rpc', logsource: { product: 'zeek', service: 'dce_rpc' }, has: ['uid', 'id.orig_h', 'endpoint', 'operation'] },
  { name: 'zeek-smb_files', logsource: { product: 'zeek', service: 'smb_files' }, has: ['uid', 'id.orig_h', 'fuid', 'action'] },
  { name: 'zeek-smb_mapping', logsource: { product: 'zeek', service: 'smb_mapping' }, has: ['uid', 'id.orig_h', 'share_type'] },
  { name: 'zeek-rdp', logsource: { product: 'zeek', service: 'rdp' }, has: ['uid', 'id.orig_h', 'cookie'], hasAny: ['security_protocol', 'keyboard_layout'] },
  { name: 'zeek-dns', logsource: { product: 'zeek', service: 'dns' }, has: ['uid', 'id.orig_h', 'query'], hasAny: ['qtype_name', 'rcode_name', 'trans_id'] },
  { name: 'zeek-http', logsource: { product: 'zeek', service: 'http' }, has: ['uid', 'id.orig_h', 'method', 'uri'] },
  { name: 'zeek-kerberos', logsource: { product: 'zeek', service: 'kerberos' }, has: ['uid', 'id.orig_h', 'request_type', 'client'] },
  { name: 'zeek-ssl', logsource: { product: 'zeek', service: 'ssl' }, has: ['uid', 'id.orig_h', 'version', 'cipher'] },
  { name: 'zeek-conn', logsource: { product: 'zeek', service: 'conn' }, has: ['uid', 'id.orig_h', 'proto', 'conn_state'] },
];

/**
 * The shipped recognizers, in the order they are tried (after Windows). Documented in
 * README.md "Log sources and formats".
 */
export const SHIPPED_RECOGNIZERS: readonly SourceRecognizer[] = Object.freeze([
  // AWS CloudTrail record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
  { name: 'aws-cloudtrail', logsource: { product: 'aws', service: 'cloudtrail' }, has: ['eventSource', 'eventName', 'awsRegion'] },
  // Azure Monitor resource logs / Log Analytics tables: the `category` names the log.
  { name: 'azure-signinlogs', logsource: { product: 'azure', service: 'signinlogs' }, equals: { category: ['SignInLogs', 'NonInteractiveUserSignInLogs'] } },
  { name: 'azure-signinlogs', logsource: { product: 'azure', service: 'signinlogs' }, equals: { Category: ['SignInLogs', 'NonInteractiveUserSignInLogs'] } },
  { name: 'azure-auditlogs', logsource: { product: 'azure', service: 'auditlogs' }, equals: { category: ['AuditLogs'] } },
  { name: 'azure-auditlogs', logsource: { product: 'azure', service: 'auditlogs' }, equals: { Category: ['AuditLogs'] } },
  { name: 'azure-riskdetection', logsource: { product: 'azure', service: 'riskdetection' }, equals: { category: ['UserRiskEvents', 'RiskyUsers'] } },
  {
    name: 'azure-activitylogs',
    logsource: { product: 'azure', service: 'activitylogs' },
    hasAny: ['resourceId', 'ResourceId'],
    equals: { category: ['Administrative', 'Security', 'ServiceHealth', 'Alert', 'Recommendation', 'Policy', 'Autoscale', 'ResourceHealth'] },
  },
  {
    name: 'azure-activitylogs',
    logsource: { product: 'azure', service: 'activitylogs' },
    has: ['OperationNameValue', 'CategoryValue'],
  },
  // GCP Cloud Audit Logs LogEntry; SigmaHQ's rules read the method as gcp.audit.method_name.
  {
    name: 'gcp-audit',
    logsource: { product: 'gcp', service: 'gcp.audit' },
    has: ['logName', 'protoPayload.methodName'],
    fields: { 'gcp.audit.method_name': 'protoPayload.methodName' },
  },
  // Okta System Log LogEvent (https://developer.okta.com/docs/reference/api/system-log/).
  { name: 'okta', logsource: { product: 'okta', service: 'okta' }, has: ['eventType', 'actor', 'published', 'uuid'] },
  // Linux audit: OTRF JSON and the raw-line parser both give type, timestamp, serial.
  { name: 'linux-auditd', logsource: { product: 'linux', service: 'auditd' }, has: ['type', 'serial', 'timestamp'] },
  // Syslog (the syslog parser's fields) and journald JSON (journalctl -o json).
  {
    name: 'linux-syslog',
    logsource: { product: 'linux' },
    has: ['program', 'message', 'hostname'],
    serviceFrom: { field: 'program', map: LINUX_SERVICES, other: 'syslog' },
  },
  {
    name: 'linux-journald',
    logsource: { product: 'linux' },
    has: ['MESSAGE', 'SYSLOG_IDENTIFIER'],
    serviceFrom: { field: 'SYSLOG_IDENTIFIER', map: LINUX_SERVICES, other: 'syslog' },
  },
  // Zeek JSON written with `_path` (e.g. by Corelight or `LogAscii::use_json` with `_path` enabled).
  // Zeek TSV files give `_path` from their `#path` line.
  { name: 'zeek', logsource: { product: 'zeek' }, has: ['_path', 'ts'], serviceFrom: { field: '_path' } },
  ...ZEEK_BY_FIELDS,
  // Proxy logs in W3C names (Blue Coat / Squid W3C, Zscaler NSS in SigmaHQ's names).
  // (IIS W3C logs may carry cs-host too, but never c-uri: they stay webserver.)
  { name: 'proxy', logsource: { category: 'proxy' }, has: ['cs-host', 'c-uri'] },
  { name: 'proxy', logsource: { category: 'proxy' }, hasAny: ['c-uri', 'cs-uri-stem'], has: ['s-action'] },
  // Web server access logs in the W3C names SigmaHQ's webserver rules use (the access-log,
  // W3C and IIS parsers' output, and JSON already in these names).
  { name: 'webserver', logsource: { category: 'webserver' }, has: ['cs-method'], hasAny: ['cs-uri-stem', 'c-uri'] },
  // Web server access logs in Elastic Common Schema names (Filebeat's apache/nginx modules).
  {
    name: 'webserver-ecs',
    logsource: { category: 'webserver' },
    has: ['http.request.method', 'url.original'],
    fields: {
      'cs-method': 'http.request.method',
      'c-uri': 'url.original',
      'cs-uri-stem': 'url.path',
      'cs-uri-query': 'url.query',
      'c-ip': 'source.ip',
      'sc-status': 'http.response.status_code',
      'cs-user-agent': 'user_agent.original',
      'cs-referer': 'http.request.referrer',
      'cs-version': 'http.version',
    },
  },
]);
