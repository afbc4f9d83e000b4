// `siemlite convert --target duckdb RULE...`: each detection rule as DuckDB SQL with its parameters.
import { parseArgs } from 'node:util';
import { loadRules } from '@siemlite/rules';
import { compileBatchQuery, EventStore, type EventShape } from '@siemlite/storage';
import { formatDiagnostic } from '../output/diagnostics.js';
import { resolvePipelines } from '../pipelines.js';
import { UsageError } from '../usage-error.js';
import { storeFailure } from './ingest.js';
import { convertCorrelations } from './sql-correlation.js';
import type { CommandIo } from './validate.js';

export const CONVERT_USAGE = `usage: siemlite convert --target duckdb [options] RULE...

Prints each detection rule (files or folders) as one DuckDB query with its parameters: the
SQL text holds only placeholders ($1, $2, ...); the values follow as a JSON array, to be
bound in order. Without --db the query reads a relation 'events' with columns source_path,
source_record and record (the normalized event as JSON); with --db it reads the event store's
typed columns. A correlation rule becomes one query over the relation of base-rule
matches that hunt --engine sql builds (README "Storage and SQL hunting"), or a comment that
says why hunt --engine sql runs it in the streaming correlator.

options:
  --target duckdb    the SQL dialect (required; duckdb is the only one)
  --pipeline MODE    windows (default), none, or a pipeline YAML file
  --db FILE          compile for the columns of this event store (opened read-only)
  -h, --help         show this help`;

export async function runConvert(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      pipeline: { type: 'string', default: 'windows' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${CONVERT_USAGE}\n`);
    return 0;
  }
  if (values.target !== 'duckdb') throw new UsageError(`--target must be duckdb${values.target === undefined ? '' : `, not '${values.target}'`}`);
  if (positionals.length === 0) throw new UsageError('convert needs at least one RULE file or folder');
  let shape: EventShape = { record: 'record' };
  if (values.db !== undefined) {
    try {
      const store = await EventStore.open(values.db, { readOnly: true });
      shape = store.shape();
      store.close();
    } catch (e) {
      return storeFailure(e, io);
    }
  }
  const { pipelines, errors } = resolvePipelines(values.pipeline);
  const set = loadRules(positionals, { pipelines });
  for (const e of [...errors, ...set.errors]) io.stderr(`${formatDiagnostic(e)}\n`);
  for (const rule of set.rules) {
    const { sql, params } = compileBatchQuery([rule.condition], 'events', shape);
    io.stdout(`-- ${rule.title}${rule.id === null ? '' : ` (${rule.id})`}${rule.level === null ? '' : `, level ${rule.level}`}\n${sql};\n-- parameters: ${JSON.stringify(params)}\n\n`);
  }
  convertCorrelations(set.correlations, io.stdout);
  return set.errors.length + errors.length > 0 ? 1 : 0;
}
