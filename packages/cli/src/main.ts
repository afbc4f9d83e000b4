#!/usr/bin/env node
// Entry point of the `siemlite` command.
import { runCli } from './cli.js';

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
