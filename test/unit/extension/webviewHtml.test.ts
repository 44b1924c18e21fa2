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

  it("accepts the web workbench's exact cspSource (code-server, VS Code for the Web) and keeps the policy strict", function () {
    // What `webview.cspSource` is in code-server 4.96 / vscode.dev: two sources, one a wildcard host.
    const WEB_CSP_SOURCE = "'self' https://*.vscode-cdn.net";
    const nonce = makeNonce();
    const csp = contentSecurityPolicy(WEB_CSP_SOURCE, nonce);
    assert.equal(csp, [
      "default-src 'none'",
      "img-src 'self' https://*.vscode-cdn.net",
      "style-src 'self' https://*.vscode-cdn.net",
      "font-src 'self' https://*.vscode-cdn.net",
      `script-src 'nonce-${nonce}'`,
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; '));
    // Scripts still only by nonce: the web origin never reaches script-src.
    assert.ok(!/script-src[^;]*(self|vscode-cdn)/.test(csp));
    // In the page the policy survives HTML escaping: the browser decodes &#39; back to '.
    const html = buildWebviewHtml({
      cspSource: WEB_CSP_SOURCE, nonce, scriptUri: 'https://abc.vscode-cdn.net/dist/webview/dashboard.js',
      styleUris: [], title: 't', lang: 'en', app: 'dashboard',
    });
    const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(content !== undefined);
    const decoded = content.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.equal(decoded, csp);
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
