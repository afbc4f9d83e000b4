#!/usr/bin/env node
// Renders a findings report (hunt --report FILE.html) in headless Chromium and saves a PNG,
// to check that it renders offline: node scripts/screenshot-report.mjs REPORT.html OUT.png [HEIGHT]
// Needs a Chromium binary (Debian: apt-get install chromium; or set CHROMIUM=/path/to/chrome).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, out, height = '3000'] = process.argv.slice(2);
if (report === undefined || out === undefined) {
  console.error('usage: node scripts/screenshot-report.mjs REPORT.html OUT.png [HEIGHT]');
  process.exit(2);
}
const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean);
const browser = candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (browser === undefined) {
  console.error('no Chromium found (apt-get install chromium, or set CHROMIUM)');
  process.exit(1);
}
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  // No network: the report must be self-contained.
  '--proxy-server=127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  `--window-size=1280,${height}`,
  `--screenshot=${resolve(out)}`,
  pathToFileURL(resolve(report)).href,
];
const run = spawnSync(browser, args, { encoding: 'utf8', timeout: 60_000 });
if (run.status !== 0 || !existsSync(out)) {
  console.error(run.stderr);
  process.exit(1);
}
console.log(`${out}: ${statSync(out).size} bytes (${browser})`);
