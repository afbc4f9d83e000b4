#!/usr/bin/env node
// Entry point of the `siemlite` command.
import { runCli } from './cli.js';

// A reader that goes away (`siemlite hunt ... | head`) ends the run quietly, as for any Unix
// filter, instead of an unhandled EPIPE error: nothing more can be delivered.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const io = {
  stdout: (text: string): void => void process.stdout.write(text),
  stderr: (text: string): void => void process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Only our own bugs reach this point: say so plainly, with the stack for a report.
    process.stderr.write(`siemlite: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 3;
  },
);
