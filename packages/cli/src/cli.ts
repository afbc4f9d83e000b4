// Command dispatch for `siemlite`; each command lives in commands/ (STYLE.md §2.2).
import { ALERTS_USAGE, runAlerts } from './commands/alerts.js';
import { CONVERT_USAGE, runConvert } from './commands/convert.js';
import { EXPLAIN_USAGE, runExplain } from './commands/explain.js';
import { HUNT_USAGE, runHunt } from './commands/hunt.js';
import { RULES_USAGE, runRules } from './commands/rules.js';
import { runTest, TEST_USAGE } from './commands/test.js';
import { INGEST_USAGE, runIngest } from './commands/ingest.js';
import { QUERY_USAGE, runQuery } from './commands/query.js';
import { runValidate, VALIDATE_USAGE, type CommandIo } from './commands/validate.js';
import { UsageError } from './usage-error.js';

export const USAGE = `usage: siemlite <command> [options]

commands:
  hunt INPUT...      run Sigma rules over log files and print alerts
  validate PATH...   check Sigma rules, correlations and filters; report located errors
  explain --rule FILE EVENTS...  why a rule matches one event or not
  rules PATH...      list the rules a hunt would run, with counts per level, logsource, tactic
  test PATH...       run rule tests (NAME.tests.yml beside NAME.yml)
  ingest --db FILE INPUT...      store events in a DuckDB event store
  query --db FILE "SQL"          run SQL on the store (read-only unless --write)
  alerts --db FILE               print alerts stored by hunt --db
  convert --target duckdb RULE...  print rules as DuckDB SQL with their parameters

Run 'siemlite <command> --help' for a command's options.`;

const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], io: CommandIo) => number | Promise<number>; usage: string }>> = {
  hunt: { run: runHunt, usage: HUNT_USAGE },
  validate: { run: runValidate, usage: VALIDATE_USAGE },
  explain: { run: runExplain, usage: EXPLAIN_USAGE },
  rules: { run: runRules, usage: RULES_USAGE },
  test: { run: runTest, usage: TEST_USAGE },
  ingest: { run: runIngest, usage: INGEST_USAGE },
  query: { run: runQuery, usage: QUERY_USAGE },
  alerts: { run: runAlerts, usage: ALERTS_USAGE },
  convert: { run: runConvert, usage: CONVERT_USAGE },
};

/** Runs the command line and returns the exit code; never throws for user errors. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`siemlite: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    // parseArgs reports unknown options and missing values with ERR_PARSE_ARGS_* codes.
    const code = (e as { code?: string }).code ?? '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`siemlite ${name}: ${(e as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    throw e;
  }
}
