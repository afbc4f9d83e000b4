// shippedDataPath: the repository's data in a checkout, the packed copy once installed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGED_DATA_DIR, shippedDataPath } from '../src/index.js';

const rootUrl = (dir: string): URL => pathToFileURL(`${dir}/`);
let tmp = '';
afterEach(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('shippedDataPath', () => {
  it('in a checkout (packages/NAME with the data at the repository root) is the repository folder', () => {
    tmp = mkdtempSync(join(tmpdir(), 'siemlite-data-'));
    mkdirSync(join(tmp, 'rules/pipelines'), { recursive: true });
    mkdirSync(join(tmp, 'packages/rules/dist/data/rules/pipelines'), { recursive: true });
    expect(shippedDataPath(rootUrl(join(tmp, 'packages/rules')), 'rules/pipelines')).toBe(join(tmp, 'rules/pipelines'));
  });

  it('in an installed package (node_modules/@siemlite/NAME) is the packed copy under dist/data, even when a folder of that name exists two levels up', () => {
    tmp = mkdtempSync(join(tmpdir(), 'siemlite-data-'));
    const pkg = join(tmp, 'node_modules/@siemlite/rules');
    mkdirSync(join(tmp, 'node_modules/rules/pipelines'), { recursive: true });
    expect(shippedDataPath(rootUrl(pkg), 'rules/pipelines')).toBe(join(pkg, PACKAGED_DATA_DIR, 'rules/pipelines'));
  });

  it('in a packages/NAME folder without the repository data is the packed copy', () => {
    tmp = mkdtempSync(join(tmpdir(), 'siemlite-data-'));
    const pkg = join(tmp, 'packages/cli');
    expect(shippedDataPath(rootUrl(pkg), 'rules')).toBe(join(pkg, PACKAGED_DATA_DIR, 'rules'));
  });

  it('finds this repository\'s shipped rules from the source tree', () => {
    const here = new URL('../', import.meta.url);
    expect(shippedDataPath(here, 'rules/pipelines')).toBe(fileURLToPath(new URL('../../../rules/pipelines', import.meta.url)));
  });
});
