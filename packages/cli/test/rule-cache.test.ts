import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleCacheDir, ruleCacheOption } from '../src/rule-cache.js';

describe('rule cache folder', () => {
  it('is $SIEMLITE_CACHE_DIR, else $XDG_CACHE_HOME/siemlite when absolute, else ~/.cache/siemlite', () => {
    expect(ruleCacheDir({ SIEMLITE_CACHE_DIR: '/c/own', XDG_CACHE_HOME: '/c/xdg' })).toBe('/c/own');
    expect(ruleCacheDir({ SIEMLITE_CACHE_DIR: '', XDG_CACHE_HOME: '/c/xdg' })).toBe(join('/c/xdg', 'siemlite'));
    expect(ruleCacheDir({ XDG_CACHE_HOME: 'relative/xdg' })).toBe(join(homedir(), '.cache', 'siemlite'));
    expect(ruleCacheDir({})).toBe(join(homedir(), '.cache', 'siemlite'));
  });

  it('is not used with --no-rule-cache', () => {
    expect(ruleCacheOption(true, null)).toBeUndefined();
  });
});
