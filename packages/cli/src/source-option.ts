// hunt's `--source` and `--input-format` options and the summary line about events of no recognized source
// (README.md "Log sources and formats").
import { readFileSync } from 'node:fs';
import {
  INPUT_FORMATS,
  isInputFormat,
  logsourceFits,
  parseSourceSpec,
  SourceRouter,
  type DetectionRule,
  type InputFormat,
  type SourceOptions,
  type SourceRecognizer,
} from '@siemlite/core';
import { UsageError } from './usage-error.js';

export const SOURCE_USAGE = `  --source SPEC           the logsource of events no recognizer knows, as
                          product=X[,service=Y][,category=Z] (e.g. product=linux,service=sshd);
                          default: such events see no rule (the summary counts them)
  --recognizers FILE      more source recognizers, tried before the shipped ones: a JSON
                          array of { name, logsource, has, hasAny, equals, lacks,
                          serviceFrom, fields } (README "Log sources and formats")`;

export const INPUT_FORMAT_USAGE = `  --input-format NAME     auto (default: JSON, .evtx or a text log format, told per file from
                          its content), json, access-log (Apache/Nginx common or combined),
                          auditd (raw audit.log lines), syslog (RFC 3164 or RFC 5424),
                          cef (ArcSight CEF, with or without a syslog header), zeek-tsv
                          (#fields header), w3c (IIS #Fields:), csv (header line, RFC 4180)`;

/** `--input-format` checked (undefined: auto). */
export function inputFormatOption(name: string | undefined): InputFormat | undefined {
  if (name === undefined) return undefined;
  if (!isInputFormat(name)) throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(', ')}, not '${name}'`);
  return name;
}

/** The pool's `sources` option from `--source` and `--recognizers` (undefined: shipped recognizers, no fallback). */
export function sourceOption(spec: string | undefined, recognizersFile: string | undefined): SourceOptions | undefined {
  if (spec === undefined && recognizersFile === undefined) return undefined;
  let fallback = null;
  try {
    if (spec !== undefined) fallback = parseSourceSpec(spec);
  } catch (error) {
    throw new UsageError(`--source: ${(error as Error).message}`);
  }
  const recognizers = recognizersFile === undefined ? [] : readRecognizers(recognizersFile);
  const options: SourceOptions = { recognizers, fallback };
  try {
    new SourceRouter(options); // checks every recognizer now, not in a worker
  } catch (error) {
    throw new UsageError(`--recognizers ${recognizersFile}: ${(error as Error).message}`);
  }
  return options;
}

function readRecognizers(path: string): SourceRecognizer[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--recognizers ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(value) || value.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new UsageError(`--recognizers ${path}: expected a JSON array of recognizer objects`);
  }
  return value as SourceRecognizer[];
}

/** How many of `rules` do not run on an event of no recognized source (they state a logsource). */
export function rulesSkippedOnUnknown(rules: readonly DetectionRule[]): number {
  let n = 0;
  for (const r of rules) if (!logsourceFits(r.logsource, undefined)) n++;
  return n;
}

/** The summary line, or '' when every event had a known source (or routing was off). */
export function unrecognizedSummary(events: number, skippedRules: number): string {
  if (events === 0) return '';
  const n = (x: number): string => x.toLocaleString('en-US');
  return (
    `sources: ${n(events)} events of no recognized source; ${n(skippedRules)} rules that name a logsource did not run on them` +
    ` (declare it with --source product=X[,service=Y][,category=Z], or --pipeline none to run every rule on every event)\n`
  );
}
