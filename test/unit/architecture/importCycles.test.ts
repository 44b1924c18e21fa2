/**
 * No import cycle anywhere in the shipped code: a cycle makes module order matter (a value read
 * before its module finished loading is undefined) and says two modules are one concept split in
 * two. Type-only imports count too: they are the same design smell, only without the crash.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(e) && !e.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports (and re-exports) of a file, resolved to files. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    const base = path.resolve(path.dirname(file), m[1] ?? '');
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile());
    if (hit !== undefined) out.push(hit);
  }
  return out;
}

/** Every elementary cycle's first occurrence found by depth-first search, as file lists. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const next of graph.get(n) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('import cycles', function () {
  it('finds a cycle when there is one (the checker itself)', function () {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(findCycles(g), [['a', 'b', 'c', 'a']]);
    assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', []]])), []);
  });

  it('has none in src/ and webview/', function () {
    const files = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'webview'))];
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const rel = (f: string): string => path.relative(ROOT, f);
    const cycles = findCycles(graph).map((c) => c.map(rel).join(' → '));
    assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
  });
});
