#!/usr/bin/env node
// `npm run docs:api`: writes docs/API.md, the reference of every package's public entry,
// from the built declarations (packages/*/dist/index.d.ts: run the build first) with the
// TypeScript compiler API. Per package, every export in name order: functions (each
// overload), classes (public members), interfaces (fields), type aliases, constants and
// their JSDoc. Exports tagged @internal are left out. The output depends only on the
// declarations, so it is the same on every machine: test/package/api-docs.test.ts fails
// when docs/API.md differs from what this script writes.
//
//   node scripts/api-docs.mjs           write docs/API.md
//   node scripts/api-docs.mjs --check   exit 1 when docs/API.md is stale
//   node scripts/api-docs.mjs --missing list exports without a description
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const API_MD = join(REPO_ROOT, 'docs/API.md');
const PACKAGES = ['core', 'rules', 'storage', 'cli'];

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** The JSDoc text of a symbol (description, then @example/@param/@returns as lines). */
function docOf(symbol, checker) {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  return text.replace(/\r\n/g, '\n');
}

function isInternal(symbol) {
  return symbol.getJsDocTags().some((t) => t.name === 'internal');
}

function tagsOf(symbol, names) {
  const out = [];
  for (const t of symbol.getJsDocTags()) {
    if (!names.includes(t.name)) continue;
    out.push({ name: t.name, text: ts.displayPartsToString(t.text ?? []).trim() });
  }
  return out;
}

/** A declaration printed without its comments and without the `export`/`declare` keywords. */
function print(node, file) {
  const text = printer.printNode(ts.EmitHint.Unspecified, node, file);
  return text.replace(/^export (declare )?/, '').replace(/^declare /, '');
}

function hasModifier(node, kind) {
  return (ts.getCombinedModifierFlags(node) & kind) !== 0;
}

/** One line for a table cell: newlines folded, pipes escaped. */
function cell(text) {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The first sentence (or line) of a description, for tables. */
function firstLine(doc) {
  const para = doc.split(/\n\s*\n/)[0] ?? '';
  return cell(para);
}

function kindOf(declaration) {
  if (ts.isFunctionDeclaration(declaration)) return 'function';
  if (ts.isClassDeclaration(declaration)) return 'class';
  if (ts.isInterfaceDeclaration(declaration)) return 'interface';
  if (ts.isTypeAliasDeclaration(declaration)) return 'type';
  if (ts.isEnumDeclaration(declaration)) return 'enum';
  if (ts.isVariableDeclaration(declaration)) return 'const';
  if (ts.isModuleDeclaration(declaration)) return 'namespace';
  return 'export';
}

/** Public members of a class or interface: [signature, description] rows. */
function memberRows(declaration, checker, file) {
  const rows = [];
  for (const member of declaration.members) {
    if (ts.isClassElement(member) && (hasModifier(member, ts.ModifierFlags.Private) || hasModifier(member, ts.ModifierFlags.Protected))) continue;
    if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) continue;
    if (ts.isClassStaticBlockDeclaration?.(member)) continue;
    const symbol = member.name === undefined ? undefined : checker.getSymbolAtLocation(member.name);
    if (symbol !== undefined && isInternal(symbol)) continue;
    const doc = symbol === undefined ? '' : docOf(symbol, checker);
    // The JSDoc of a member is printed by the printer when it is attached: print a clone without it.
    rows.push([print(member, file).replace(/;$/, ''), doc]);
  }
  return rows;
}

function renderTable(rows, header) {
  if (rows.length === 0) return '';
  const lines = [`| ${header[0]} | ${header[1]} |`, '|---|---|'];
  for (const [sig, doc] of rows) lines.push(`| \`${cell(sig).replace(/`/g, "'")}\` | ${firstLine(doc)} |`);
  return `${lines.join('\n')}\n`;
}

/** The code shown for one declaration of an export. */
function declarationCode(name, symbol, d, checker) {
  const file = d.getSourceFile();
  if (ts.isClassDeclaration(d)) {
    const c = ts.factory.updateClassDeclaration(d, d.modifiers, d.name, d.typeParameters, d.heritageClauses, []);
    return print(c, file).replace(/\s*\{\s*\}$/, '');
  }
  if (ts.isInterfaceDeclaration(d)) {
    const i = ts.factory.updateInterfaceDeclaration(d, d.modifiers, d.name, d.typeParameters, d.heritageClauses, []);
    return print(i, file).replace(/\s*\{\s*\}$/, '');
  }
  if (ts.isVariableDeclaration(d)) {
    const type = d.type === undefined ? checker.typeToString(checker.getTypeOfSymbol(symbol), d) : printer.printNode(ts.EmitHint.Unspecified, d.type, file);
    return `const ${name}: ${type}`;
  }
  return print(d, file);
}

function renderExport(name, symbol, checker) {
  const declarations = symbol.getDeclarations() ?? [];
  if (declarations.length === 0) return { kind: 'export', text: `### \`${name}\`\n`, documented: false };
  // A name can be declared more than once: an IR node is an interface and a factory const.
  const kind = [...new Set(declarations.map(kindOf))].join(' + ');
  const doc = docOf(symbol, checker);
  const parts = [`### \`${name}\` (${kind})\n`];
  if (doc !== '') parts.push(`${doc}\n`);
  const code = [...new Set(declarations.map((d) => declarationCode(name, symbol, d, checker)))];
  parts.push(`\`\`\`ts\n${code.join('\n')}\n\`\`\`\n`);
  const typed = declarations.filter((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d));
  const rows = typed.flatMap((d) => memberRows(d, checker, d.getSourceFile()));
  const table = renderTable(rows, typed.some((d) => ts.isClassDeclaration(d)) ? ['member', 'description'] : ['field', 'description']);
  if (table !== '') parts.push(table);
  for (const e of tagsOf(symbol, ['example'])) parts.push(`Example:\n\n\`\`\`ts\n${e.text}\n\`\`\`\n`);
  return { kind, text: parts.join('\n'), documented: doc !== '' };
}

/**
 * The reference as Markdown, plus the exports without a description. Throws when a
 * package is not built.
 */
export function renderApiDocs() {
  const entries = PACKAGES.map((p) => join(REPO_ROOT, 'packages', p, 'dist/index.d.ts'));
  for (const e of entries) if (!existsSync(e)) throw new Error(`${e} not found: build first (npx turbo run build)`);
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const missing = [];
  const out = [
    '# siemlite API reference',
    '',
    'Generated by `npm run docs:api` (scripts/api-docs.mjs) from the built declarations of each',
    "package's public entry (`packages/*/dist/index.d.ts`); do not edit by hand. Exports are in",
    'name order; a class lists its public members, an interface its fields. Install: see',
    '[README.md](../README.md#install).',
    '',
  ];
  const sections = [];
  for (const [i, p] of PACKAGES.entries()) {
    const source = program.getSourceFile(entries[i]);
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${entries[i]}`);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', p, 'package.json'), 'utf8'));
    const exports = checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => ({ name: s.getName(), symbol: s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s }))
      .filter((e) => !isInternal(e.symbol))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rendered = exports.map((e) => ({ name: e.name, ...renderExport(e.name, e.symbol, checker) }));
    for (const r of rendered) if (!r.documented) missing.push(`${pkg.name}: ${r.name} (${r.kind})`);
    out.push(`- [${pkg.name}](#${pkg.name.replace(/[@/]/g, '')}): ${rendered.length} exports`);
    const index = rendered.map((r) => `\`${r.name}\``).join(', ');
    sections.push([`## ${pkg.name}`, '', pkg.description, '', index, '', ...rendered.map((r) => r.text)].join('\n'));
  }
  out.push('', sections.join('\n'));
  return { markdown: `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`, missing };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { markdown, missing } = renderApiDocs();
  if (process.argv.includes('--missing')) {
    process.stdout.write(`${missing.join('\n')}\n${missing.length} exports without a description\n`);
  } else if (process.argv.includes('--check')) {
    const current = existsSync(API_MD) ? readFileSync(API_MD, 'utf8') : '';
    if (current !== markdown) {
      process.stderr.write('docs/API.md is stale: run `npm run docs:api`\n');
      process.exit(1);
    }
  } else {
    writeFileSync(API_MD, markdown);
    process.stderr.write(`wrote docs/API.md (${markdown.split('\n').length} lines; ${missing.length} exports without a description)\n`);
  }
}
