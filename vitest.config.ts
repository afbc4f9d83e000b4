import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source, so one copy of each class exists and
// no build is needed before a test run.
const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@siemlite/core': src('core'),
      '@siemlite/rules': src('rules'),
      '@siemlite/storage': src('storage'),
      '@siemlite/cli': src('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The CLI caches loaded rules in the user's cache folder by default: tests that run it
    // (and do not pick their own folder) use a scratch one instead.
    env: { SIEMLITE_CACHE_DIR: process.env['SIEMLITE_CACHE_DIR'] ?? join(tmpdir(), 'siemlite-test-cache') },
  },
});
