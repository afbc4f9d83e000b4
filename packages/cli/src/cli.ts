// Command dispatch for `siemlite`; each command lives in commands/ (STYLE.md §2.2).
import type { CommandIo } from './commands/validate.js';
import { UsageError } from './usage-error.js';

/** The text `siemlite --help` prints: the commands and what each does. */
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

/** A command: how it runs and its usage text, printed after a usage error. */
interface Command {
  readonly run: (argv: readonly string[], io: CommandIo) => number | Promise<number>;
  readonly usage: string;
}

// Each command's module is imported when the command runs, so that `hunt` does not load
// DuckDB (storage commands) nor `query` the rule parser: module loading is a large share of
// a short run's start-up (issue 14, benchmarks/startup.bench.mjs).
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  hunt: async () => import('./commands/hunt.js').then((m) => ({ run: m.runHunt, usage: m.HUNT_USAGE })),
  validate: async () => import('./commands/validate.js').then((m) => ({ run: m.runValidate, usage: m.VALIDATE_USAGE })),
  explain: async () => import('./commands/explain.js').then((m) => ({ run: m.runExplain, usage: m.EXPLAIN_USAGE })),
  rules: async () => import('./commands/rules.js').then((m) => ({ run: m.runRules, usage: m.RULES_USAGE })),
  test: async () => import('./commands/test.js').then((m) => ({ run: m.runTest, usage: m.TEST_USAGE })),
  ingest: async () => import('./commands/ingest.js').then((m) => ({ run: m.runIngest, usage: m.INGEST_USAGE })),
  query: async () => import('./commands/query.js').then((m) => ({ run: m.runQuery, usage: m.QUERY_USAGE })),
  alerts: async () => import('./commands/alerts.js').then((m) => ({ run: m.runAlerts, usage: m.ALERTS_USAGE })),
  convert: async () => import('./commands/convert.js').then((m) => ({ run: m.runConvert, usage: m.CONVERT_USAGE })),
};

/** Runs the command line and returns the exit code; never throws for user errors. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    io.stderr(`siemlite: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  const command = await load();
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
