/**
 * The HTML shell of the webviews, with a strict Content Security Policy: nothing by default,
 * scripts only by nonce, styles, images and fonts only from the webview's own resource origin
 * (`webview.cspSource`), no inline code, no eval, no remote content. Pure, so the policy is tested.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly nonce: string;
  /** `webview.asWebviewUri(...)` of the app bundle, as a string. */
  readonly scriptUri: string;
  /** Style sheets, in order. */
  readonly styleUris: readonly string[];
  readonly title: string;
  /** BCP 47 language of the UI, e.g. `en` or `ko`. */
  readonly lang: string;
  /** Which app the page hosts; becomes `data-app` on the body. */
  readonly app: 'dashboard' | 'filters' | 'comparison';
}

/** A fresh nonce (base64 of 16 random bytes, as CSP recommends at least 128 bits). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

const NONCE_RE = /^[A-Za-z0-9+/=]{16,}$/;

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!NONCE_RE.test(nonce)) throw new Error('invalid CSP nonce');
  // VS Code's value is one or more sources (e.g. `'self' https://*.vscode-cdn.net` in the web
  // workbench); only characters that could end the directive or the attribute are refused.
  if (/[;"<>\n\r,]/.test(cspSource) || cspSource.trim() === '') throw new Error('invalid webview cspSource');
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n  ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(o.lang)}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  ${styles}
  <title>${escapeHtml(o.title)}</title>
</head>
<body data-app="${o.app}">
  <main id="app" aria-live="polite"></main>
  <script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
