// docs/API.md is generated from the built declarations (scripts/api-docs.mjs): this test
// regenerates it in memory and fails when the committed file differs. Needs the build
// (`npm test` builds first).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations
import { API_MD, renderApiDocs } from '../../scripts/api-docs.mjs';

interface Rendered {
  readonly markdown: string;
  readonly missing: readonly string[];
}

describe('docs/API.md', () => {
  const { markdown } = (renderApiDocs as () => Rendered)();

  it('is what `npm run docs:api` writes from the current declarations', () => {
    const current = readFileSync(API_MD as string, 'utf8');
    // Not toBe(): a diff of thousands of lines says less than the command to run.
    if (current !== markdown) expect.fail('docs/API.md is stale: run `npm run docs:api` (after `npx turbo run build`) and commit it');
  });

  it('documents the entry points with their signatures and JSDoc, and leaves out private members', () => {
    expect(markdown).toContain('## @siemlite/core');
    expect(markdown).toContain('## @siemlite/cli');
    expect(markdown).toMatch(/### `detect` \(function\)\n\nOne-shot detection[^\n]*\n\n```ts\nfunction detect\(/);
    expect(markdown).toMatch(/### `loadRules` \(function\)/);
    expect(markdown).toMatch(/### `SqlHunter` \(class\)[\s\S]*?\| `static open\(path\?: string/);
    expect(markdown).toMatch(/### `Alert` \(interface\)[\s\S]*?\| `readonly timestamp: string \\\| null` \| Event time as ISO-8601/);
    expect(markdown).not.toMatch(/\| `(private |#)/);
  });
});
