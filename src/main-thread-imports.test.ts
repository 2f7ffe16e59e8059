/**
 * The page's main thread does not load TF.js: training runs in the workers (src/worker), which the
 * page starts with `new Worker(new URL(...))`, not by importing them. ESLint's boundary rules catch a
 * direct import of TF.js from src/app; this test follows every static value import from the page's
 * entry (src/app/main.tsx) through the whole tree, so an indirect one (app -> a pure-looking engine
 * module -> something that imports src/engine/tf.ts) fails too. Type-only imports are erased by the
 * compiler and are not followed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(new URL(import.meta.url).pathname), '..');

/** The modules a file imports for their values (relative ones resolved to files; packages by name). */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      if (!named || !named.every((e) => e.isTypeOnly)) specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers.map((s) => {
    if (!s.startsWith('.')) return s;
    const base = join(dirname(file), s);
    return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile()) ?? base;
  });
}

/** Every module reachable from `entry` by static value imports, with the chain that first reached it. */
function reachable(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (!file.startsWith('/') || !/\.(ts|tsx)$/.test(file)) continue;
    for (const next of valueImports(file)) {
      if (chains.has(next)) continue;
      chains.set(next, [...chains.get(file)!, next]);
      queue.push(next);
    }
  }
  return chains;
}

describe("the page's main thread", () => {
  const chains = reachable(join(root, 'src/app/main.tsx'));
  const show = (chain: string[]) => chain.map((p) => (p.startsWith('/') ? relative(root, p) : p)).join(' -> ');

  it('imports neither TF.js nor src/engine/tf.ts, directly or through other modules', () => {
    const offending = [...chains].filter(([module]) => module.startsWith('@tensorflow/') || module === join(root, 'src/engine/tf.ts'));
    expect(offending.map(([, chain]) => show(chain))).toEqual([]);
  });

  it('does reach the modules it is meant to (the walk follows imports): the URL state, the run defaults and React', () => {
    expect(chains.has(join(root, 'src/app/url-state.ts'))).toBe(true);
    expect(chains.has(join(root, 'src/engine/train/settings.ts'))).toBe(true);
    expect(chains.has('react')).toBe(true);
    // A worker is started by URL, not imported: its TF.js stays in the worker's chunk.
    expect(chains.has(join(root, 'src/worker/training-worker.ts'))).toBe(false);
  });
});
