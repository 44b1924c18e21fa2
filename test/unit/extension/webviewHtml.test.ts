import { strict as assert } from 'node:assert';
import { buildWebviewHtml, contentSecurityPolicy, escapeHtml, makeNonce } from '../../../src/extension/webviewHtml';

const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

describe('webview HTML and CSP', function () {
  it('allows nothing by default, scripts only by nonce, styles/images/fonts only from the webview source', function () {
    const nonce = makeNonce();
    const csp = contentSecurityPolicy(SOURCE, nonce);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
    for (const d of ['style-src', 'img-src', 'font-src']) assert.deepEqual(directives.get(d), [SOURCE], d);
    assert.ok(!/unsafe-(inline|eval)/.test(csp));
    assert.ok(!/https?:\/\/(?!file\+)/.test(csp), 'no remote origins');
  });

  it('makes fresh 128-bit nonces and refuses unsafe inputs', function () {
    const a = makeNonce();
    assert.notEqual(a, makeNonce());
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.throws(() => contentSecurityPolicy(SOURCE, "x' 'unsafe-inline"));
    assert.throws(() => contentSecurityPolicy(`${SOURCE}; script-src *`, a));
    assert.throws(() => contentSecurityPolicy(`${SOURCE}" onload="x`, a));
    // The web workbench's value lists two sources.
    assert.match(contentSecurityPolicy(`'self' ${SOURCE}`, a), new RegExp(`style-src 'self' ${SOURCE.replace(/[.+*]/g, '\\$&')};`));
  });

  it('loads the one script with the nonce and escapes every inserted text', function () {
    const nonce = makeNonce();
    const html = buildWebviewHtml({
      cspSource: SOURCE, nonce, scriptUri: `${SOURCE}/dist/webview/dashboard.js`, styleUris: [`${SOURCE}/media/webview.css`],
      title: '<run> & "x"', lang: 'ko', app: 'dashboard',
    });
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0]?.includes(`nonce="${nonce}"`));
    assert.ok(html.includes('<title>&lt;run&gt; &amp; &quot;x&quot;</title>'));
    assert.ok(html.includes('<html lang="ko">'));
    assert.ok(!/\sstyle=/.test(html), 'no inline style attributes');
    assert.equal(escapeHtml(`'`), '&#39;');
  });
});
