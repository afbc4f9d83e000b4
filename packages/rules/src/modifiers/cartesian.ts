// Cartesian product shared by the expanding modifiers (windash §4.5, expand §4.11).

/** Number of combinations, so callers can refuse an explosion before building it. */
export function productSize(lists: readonly (readonly unknown[])[]): number {
  return lists.reduce((n, list) => n * list.length, 1);
}

/**
 * Every combination taking one element of each list, the first list varying slowest (the
 * order of Python's itertools.product, which pySigma uses).
 *
 * @example cartesian([['a', 'b'], ['1', '2']]) // [['a','1'], ['a','2'], ['b','1'], ['b','2']]
 */
export function cartesian<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) {
    const next: T[][] = [];
    for (const prefix of out) for (const item of list) next.push([...prefix, item]);
    out = next;
  }
  return out;
}
