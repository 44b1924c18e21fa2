/**
 * No dead exports in the shipped code: every exported function, constant or class of src/ and
 * webview/ is named by some other file (a caller, a re-export, a test). An export only its own
 * module uses should not be exported; one nobody uses should not exist. Types are not checked:
 * a protocol's member types are exported to document the union they belong to.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** Names VS Code or a runtime calls by convention, not by import. */
const ENTRY_POINTS = new Set(['activate', 'deactivate']);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((e) => {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) return [];
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(e) && !e.endsWith('.d.ts') ? [p] : [];
  });
}

describe('architecture: exports', () => {
  it('every exported value of src/ and webview/ is used by another file', () => {
    const shipped = [...files(path.join(ROOT, 'src'), /\.ts$/), ...files(path.join(ROOT, 'webview'), /\.ts$/)];
    const readers = [
      ...shipped, ...files(path.join(ROOT, 'test'), /\.(ts|mts)$/), ...files(path.join(ROOT, 'bench'), /\.ts$/),
      ...files(path.join(ROOT, 'scripts'), /\.(ts|mts|mjs)$/),
    ];
    const text = new Map(readers.map((f) => [f, readFileSync(f, 'utf8')]));
    const dead: string[] = [];
    for (const f of shipped) {
      const own = text.get(f) ?? '';
      for (const m of own.matchAll(/^export (?:async )?(?:function\*?|const|let|class|abstract class|enum) ([A-Za-z_$][\w$]*)/gm)) {
        const name = m[1] ?? '';
        if (ENTRY_POINTS.has(name)) continue;
        const word = new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`);
        if (!readers.some((g) => g !== f && word.test(text.get(g) ?? ''))) dead.push(`${path.relative(ROOT, f)}: ${name}`);
      }
    }
    assert.deepEqual(dead, [], `exported but used nowhere else (unexport or delete):\n${dead.join('\n')}`);
  });
});
