// The rules the `siemlite` command uses when no --rules is given.
import { shippedDataPath } from '@siemlite/core';

/**
 * The shipped rules folder: `rules/` at the repository root in a checkout, the copy under
 * `dist/data/rules/` in an installed package (see `shippedDataPath`).
 */
export const SHIPPED_RULES = shippedDataPath(new URL('../', import.meta.url), 'rules');
