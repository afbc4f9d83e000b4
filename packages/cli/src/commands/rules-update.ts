// `siemlite rules update [--package NAME] [--from URL|FILE] [--sha256 HEX] [--format text|json]`
import { parseArgs } from 'node:util';
import { dataDir, packageUrl, SIGMA_PACKAGES, updateRules, UpdateError } from '../rules-update/update.js';
import { UsageError } from '../usage-error.js';
import type { CommandIo } from './validate.js';

export const RULES_UPDATE_USAGE = `usage: siemlite rules update [options]

Downloads a SigmaHQ release package, checks it (a ZIP archive whose every rule loads, and
the SHA-256 if given), installs it atomically as the 'sigma' folder of the data folder
($SIEMLITE_DATA_DIR, else $XDG_DATA_HOME/siemlite, else ~/.local/share/siemlite) and
reports the rule files added, removed and modified. '--rules sigma' (hunt, validate,
rules, test) then means that folder. A failed update leaves the previous rules in use.

options:
  --package NAME         ${Object.keys(SIGMA_PACKAGES).join(', ')} (default: core)
  --from URL|FILE        download from this URL or read this file instead of
                         https://github.com/SigmaHQ/sigma/releases/latest/download/sigma_<package>.zip
  --sha256 HEX           refuse a package whose SHA-256 differs
  --format text|json     output (default: text)
  -h, --help             show this help

exit status: 0 installed, 1 download, check or install failed (nothing changed), 2 bad usage`;

const SHOWN = 20;

export async function runRulesUpdate(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      package: { type: 'string', default: 'core' },
      from: { type: 'string' },
      sha256: { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${RULES_UPDATE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`rules update takes no PATH, got '${positionals[0]}'`);
  if (!(values.package in SIGMA_PACKAGES)) throw new UsageError(`--package must be one of ${Object.keys(SIGMA_PACKAGES).join(', ')}, not '${values.package}'`);
  if (values.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.sha256)) throw new UsageError('--sha256 must be 64 hex digits');
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
  const from = values.from ?? packageUrl(values.package);
  if (values.format === 'text') io.stderr(`siemlite rules update: fetching ${from}\n`);
  try {
    const report = await updateRules({ from, dataDir: dataDir(), ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }) });
    if (values.format === 'json') {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const list = (title: string, items: readonly string[]): string =>
      items.length === 0 ? '' : `${title} (${items.length}):\n${items.slice(0, SHOWN).map((i) => `  ${i}\n`).join('')}${items.length > SHOWN ? `  ... and ${items.length - SHOWN} more\n` : ''}`;
    io.stdout(
      `installed ${report.rules} rules (${report.files} files, ${report.bytes} bytes, sha256 ${report.sha256}) in ${report.folder}\n` +
        `added ${report.added.length}, removed ${report.removed.length}, modified ${report.modified.length}, unchanged ${report.unchanged}\n` +
        list('added', report.added) +
        list('removed', report.removed) +
        list('modified', report.modified),
    );
    return 0;
  } catch (e) {
    if (!(e instanceof UpdateError)) throw e;
    io.stderr(`siemlite rules update: ${e.message}\nthe previously installed rules (if any) are unchanged\n`);
    return 1;
  }
}
