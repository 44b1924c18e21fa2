import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const json = (p: string): Record<string, string> => JSON.parse(readFileSync(path.join(ROOT, p), 'utf8')) as Record<string, string>;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? tsFiles(p) : e.endsWith('.ts') ? [p] : [];
  });
}

/** The runtime value of a JS string literal body (the escapes our sources use). */
const unescape = (raw: string): string => raw.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));

/** Every string passed to `l10n.t(...)` in the extension host and the webviews. */
function usedMessages(): Set<string> {
  const used = new Set<string>();
  for (const f of [...tsFiles(path.join(ROOT, 'src/extension')), ...tsFiles(path.join(ROOT, 'webview'))]) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/l10n\.t\(\s*(['"])((?:\\.|(?!\1).)*)\1/g)) used.add(unescape(m[2] ?? ''));
  }
  return used;
}

describe('English and Korean', function () {
  it('has an English and a Korean entry for every l10n.t message', function () {
    const used = usedMessages();
    assert.ok(used.size > 100);
    const en = json('l10n/bundle.l10n.json');
    const ko = json('l10n/bundle.l10n.ko.json');
    for (const m of used) {
      assert.ok(m in en, `missing in bundle.l10n.json: ${m}`);
      assert.ok(typeof ko[m] === 'string' && ko[m] !== '', `missing in bundle.l10n.ko.json: ${m}`);
      const placeholders = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((x) => x[0]).sort();
      assert.deepEqual(placeholders(ko[m] ?? ''), placeholders(m), `placeholders of: ${m}`);
    }
    assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort(), 'both bundles hold the same messages');
    assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'no stale messages');
  });

  it('translates every %key% of package.json into both package.nls files', function () {
    const manifest = readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const keys = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1] ?? ''));
    const en = json('package.nls.json');
    const ko = json('package.nls.ko.json');
    for (const k of keys) {
      assert.ok(typeof en[k] === 'string', `package.nls.json lacks ${k}`);
      assert.ok(typeof ko[k] === 'string', `package.nls.ko.json lacks ${k}`);
    }
    assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
    assert.equal((JSON.parse(manifest) as { l10n?: string }).l10n, './l10n');
  });
});
