// Loads YAML text into located trees: every map, list and scalar keeps the file position
// it came from, so each later error can point at the line and column in the rule file.
import { createRequire } from 'node:module';
import type { Alias, Document, LineCounter, Node as YamlAstNode, Scalar } from 'yaml';
import type * as Yaml from 'yaml';
import { errorRecord, type ErrorRecord, type SourceLocation } from '@siemlite/core';
import { resolvePlainScalar, type ScalarTag, type ScalarValue } from './resolve-scalar.js';

/**
 * The yaml library, loaded on first use: a start with every rule in the rule cache parses no
 * YAML at all (issue 14, start-up). Its CommonJS build, so that the load is synchronous.
 */
let yamlApi: typeof Yaml | null = null;
function yaml(): typeof Yaml {
  yamlApi ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlApi;
}

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

/** A located YAML scalar. */
export interface YamlScalar {
  readonly kind: 'scalar';
  /** Typed value (YAML 1.1 rules for plain scalars; quoted and block scalars are strings). */
  readonly value: ScalarValue;
  readonly tag: ScalarTag;
  /** The decoded text of the scalar (for a plain scalar, its source text). */
  readonly text: string;
  readonly style: ScalarStyle;
  readonly loc: SourceLocation;
  /** Offset of the scalar in the file, and its end offset (exclusive). */
  readonly start: number;
  readonly end: number;
}

/** One key and value of a located YAML mapping. */
export interface YamlEntry {
  readonly key: string;
  readonly keyLoc: SourceLocation;
  readonly value: YamlValue;
}

/** A located YAML mapping, entries in the order written. */
export interface YamlMap {
  readonly kind: 'map';
  readonly entries: readonly YamlEntry[];
  readonly loc: SourceLocation;
}

/** A located YAML sequence. */
export interface YamlSeq {
  readonly kind: 'seq';
  readonly items: readonly YamlValue[];
  readonly loc: SourceLocation;
}

/** Any located YAML value. */
export type YamlValue = YamlMap | YamlSeq | YamlScalar;

/** One document of a YAML file, with its located root value. */
export interface YamlDocument {
  /** 1-based index of the document in the file. */
  readonly index: number;
  /** Null for an empty document or one with syntax errors. */
  readonly value: YamlValue | null;
  readonly loc: SourceLocation;
  readonly errors: readonly ErrorRecord[];
}

export interface LoadYamlOptions {
  /** Upper bound on nodes produced per document, counting alias expansions (alias bombs). */
  readonly maxNodes?: number;
  /** Upper bound on nesting depth of maps and lists. */
  readonly maxDepth?: number;
}

/** Default limits: far above any real rule, far below what hurts. */
export const DEFAULT_MAX_NODES = 100_000;
export const DEFAULT_MAX_DEPTH = 64;

/** Offset → 1-based line/column in one file. */
export interface Locator {
  readonly file: string;
  at(offset: number): SourceLocation;
  /** The source text (to map offsets inside scalars). */
  readonly source: string;
}

export function createLocator(file: string, source: string, lineCounter?: LineCounter): Locator {
  const counter = lineCounter ?? new (yaml().LineCounter)();
  if (lineCounter === undefined) {
    counter.addNewLine(0);
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) counter.addNewLine(i + 1);
  }
  return {
    file,
    source,
    at(offset: number): SourceLocation {
      const pos = counter.linePos(Math.max(0, Math.min(offset, source.length)));
      return Object.freeze({ file, line: pos.line, column: pos.col });
    },
  };
}

class TreeLimitError extends Error {
  constructor(
    readonly code: 'yaml-alias' | 'yaml-syntax',
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parses every document of a YAML file. Syntax errors, duplicate keys and limits become
 * located error records on the document; one bad document does not hide the others.
 *
 * @example
 * const { documents, locator } = loadYaml('rule.yml', text);
 */
export function loadYaml(
  file: string,
  source: string,
  options: LoadYamlOptions = {},
): { readonly documents: readonly YamlDocument[]; readonly locator: Locator } {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(source, {
    schema: 'failsafe',
    lineCounter,
    uniqueKeys: false, // we report duplicates ourselves, with the key's location
    prettyErrors: false,
    strict: true,
  });
  const locator = createLocator(file, source, lineCounter);
  const docs = Array.isArray(parsed) ? parsed : [];
  const documents: YamlDocument[] = [];
  if (!Array.isArray(parsed)) {
    // An EmptyStream: the file has no document at all.
    return { documents, locator };
  }
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  docs.forEach((doc, i) => {
    const loc = locator.at(doc.range[0]);
    const errors: ErrorRecord[] = [];
    for (const e of doc.errors) {
      errors.push(errorRecord('yaml-syntax', cleanYamlMessage(e.message), locator.at(e.pos[0])));
    }
    let value: YamlValue | null = null;
    if (errors.length === 0 && doc.contents !== null) {
      const builder = new TreeBuilder(doc as unknown as Document, locator, maxNodes, maxDepth, errors);
      try {
        value = builder.build(doc.contents as YamlAstNode, 0);
      } catch (e) {
        if (!(e instanceof TreeLimitError)) throw e;
        errors.push(errorRecord(e.code, e.message, locator.at(e.offset)));
        value = null;
      }
    }
    documents.push(Object.freeze({ index: i + 1, value: errors.length > 0 ? null : value, loc, errors }));
  });
  return { documents, locator };
}

function cleanYamlMessage(message: string): string {
  // The yaml package appends a code excerpt after the first line; the CLI prints its own.
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

const STYLE: Record<string, ScalarStyle> = {
  PLAIN: 'plain',
  QUOTE_SINGLE: 'single',
  QUOTE_DOUBLE: 'double',
  BLOCK_LITERAL: 'literal',
  BLOCK_FOLDED: 'folded',
};

class TreeBuilder {
  #count = 0;
  readonly #locator: Locator;
  readonly #maxNodes: number;
  readonly #maxDepth: number;
  readonly #errors: ErrorRecord[];
  readonly #aliasStack = new Set<YamlAstNode>();
  readonly #doc: Document;

  constructor(doc: Document, locator: Locator, maxNodes: number, maxDepth: number, errors: ErrorRecord[]) {
    this.#doc = doc;
    this.#locator = locator;
    this.#maxNodes = maxNodes;
    this.#maxDepth = maxDepth;
    this.#errors = errors;
  }

  build(node: YamlAstNode | null, depth: number, aliasSite?: number): YamlValue {
    const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
    if (++this.#count > this.#maxNodes) {
      throw new TreeLimitError(
        'yaml-alias',
        `document expands to more than ${this.#maxNodes} YAML nodes (alias bomb?)`,
        aliasSite ?? offsetOf(node),
      );
    }
    if (depth > this.#maxDepth) {
      throw new TreeLimitError('yaml-syntax', `YAML nested deeper than ${this.#maxDepth} levels`, offsetOf(node));
    }
    if (node === null) return this.#nullScalar(aliasSite ?? 0);
    if (isAlias(node)) {
      const site = node.range?.[0] ?? 0;
      const target = this.#resolveAlias(node);
      if (target === null) throw new TreeLimitError('yaml-alias', `unknown alias *${node.source}`, site);
      if (this.#aliasStack.has(target)) throw new TreeLimitError('yaml-alias', `recursive alias *${node.source}`, site);
      this.#aliasStack.add(target);
      const built = this.build(target, depth + 1, aliasSite ?? site);
      this.#aliasStack.delete(target);
      return built;
    }
    const at = aliasSite ?? offsetOf(node);
    if (isScalar(node)) return this.#scalar(node, at);
    if (isMap(node)) {
      const entries: YamlEntry[] = [];
      const seen = new Map<string, SourceLocation>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlAstNode | null;
        const keyOffset = aliasSite ?? (keyNode !== null ? offsetOf(keyNode) : at);
        const keyLoc = this.#locator.at(keyOffset);
        let key: string;
        if (keyNode !== null && isScalar(keyNode)) key = String(keyNode.value);
        else if (keyNode === null) key = '';
        else throw new TreeLimitError('yaml-syntax', 'map keys must be plain strings, not maps or lists', keyOffset);
        const previous = seen.get(key);
        if (previous !== undefined) {
          this.#errors.push(
            errorRecord(
              'yaml-duplicate-key',
              `duplicate key '${key}' (first defined at line ${previous.line}, column ${previous.column})`,
              keyLoc,
            ),
          );
        } else {
          seen.set(key, keyLoc);
        }
        const valueNode = (pair.value ?? null) as YamlAstNode | null;
        const value =
          valueNode === null
            ? this.#nullScalar(aliasSite ?? (keyNode?.range?.[1] ?? keyOffset))
            : this.build(valueNode, depth + 1, aliasSite);
        entries.push(Object.freeze({ key, keyLoc, value }));
      }
      return Object.freeze({ kind: 'map', entries: Object.freeze(entries), loc: this.#locator.at(at) });
    }
    if (isSeq(node)) {
      const items = node.items.map((item) => this.build((item ?? null) as YamlAstNode | null, depth + 1, aliasSite));
      return Object.freeze({ kind: 'seq', items: Object.freeze(items), loc: this.#locator.at(at) });
    }
    throw new TreeLimitError('yaml-syntax', 'unsupported YAML node', at);
  }

  #resolveAlias(alias: Alias): YamlAstNode | null {
    // Alias.resolve returns the anchored node, not a JS object: we expand it ourselves so
    // the node budget above applies to every expansion (alias bombs).
    return (alias.resolve(this.#doc) as YamlAstNode | undefined) ?? null;
  }

  #nullScalar(offset: number): YamlScalar {
    const loc = this.#locator.at(offset);
    return Object.freeze({ kind: 'scalar', value: null, tag: 'null', text: '', style: 'plain', loc, start: offset, end: offset });
  }

  #scalar(node: Scalar, at: number): YamlScalar {
    const style = STYLE[String(node.type)] ?? 'plain';
    const text = String(node.value);
    const start = node.range?.[0] ?? at;
    const end = node.range?.[1] ?? at;
    const loc = this.#locator.at(at);
    if (style === 'plain') {
      const { tag, value } = resolvePlainScalar(text);
      return Object.freeze({ kind: 'scalar', value, tag, text, style, loc, start, end });
    }
    return Object.freeze({ kind: 'scalar', value: text, tag: 'str', text, style, loc, start, end });
  }
}

function offsetOf(node: YamlAstNode | null): number {
  return node?.range?.[0] ?? 0;
}
