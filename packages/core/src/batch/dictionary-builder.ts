// A column's dictionary while it is built: each distinct string once, keys in order of first
// appearance. Used by the batch builder for field columns and by toArrow for the keyword column.

/** Strings to dictionary keys: `key(text)` gives the key of `text`, adding it when new. */
export class DictionaryBuilder {
  readonly index = new Map<string, number>();
  readonly values: string[] = [];

  key(text: string): number {
    let k = this.index.get(text);
    if (k === undefined) {
      k = this.values.length;
      this.index.set(text, k);
      this.values.push(text);
    }
    return k;
  }
}
