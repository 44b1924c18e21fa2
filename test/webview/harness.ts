/**
 * Loads a built webview bundle (dist/webview/<app>.js) in Debian's headless Chromium, in a page
 * made by the extension's own HTML builder with the same strict CSP, served from a local HTTP
 * origin that plays the part of `webview.cspSource`. `acquireVsCodeApi` is a stand-in that records
 * what the app posts; the test plays the host by posting protocol messages into the page.
 */
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWebviewHtml, makeNonce } from '../../src/extension/webviewHtml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'recorded-run');
export const OUTPUT = path.join(ROOT, 'test-output', 'webview');
/** Debian's chromium unless `$CNN_LAB_CHROMIUM` (or the older `$CHROMIUM`) names another browser. */
export function chromiumExecutable(): string {
  return process.env.CNN_LAB_CHROMIUM || process.env.CHROMIUM || '/usr/bin/chromium';
}
/** Under the webview layer's 60 s hook timeout, so that a browser that never starts still lets the harness clean up. */
const LAUNCH_TIMEOUT_MS = 45_000;
/** `webview.cspSource` in code-server 4.96 and VS Code for the Web. */
export const WEB_CSP_SOURCE = "'self' https://*.vscode-cdn.net";

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.map': 'application/json' };

export interface Harness {
  readonly context: BrowserContext;
  readonly origin: string;
  /**
   * Opens an app page. `cspSource` 'web' builds the page with the exact `webview.cspSource` of the
   * web workbench (code-server, VS Code for the Web), `'self' https://*.vscode-cdn.net`: the
   * harness serves from 'self', so the page loads only if that policy admits it.
   */
  open(app: 'dashboard' | 'filters' | 'comparison', theme?: 'dark' | 'light', cspSource?: 'origin' | 'web'): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Reloads a page as VS Code does when a hidden webview is shown again: a fresh page, the saved
 * webview state kept; resolves when the app has said `ready` again.
 */
export async function reloadPage(page: Page): Promise<void> {
  await page.reload();
  await page.waitForFunction('window.__log.sent.length > 0');
}

/** What the page's stand-in VS Code API and CSP listener have collected. */
export interface PageLog { sent: unknown[]; csp: string[]; errors: string[] }

export async function startHarness(): Promise<Harness> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/page/')) {
        const [, , app, theme] = url.pathname.split('/');
        const origin = `http://${req.headers.host ?? ''}`;
        const html = buildWebviewHtml({
          cspSource: url.searchParams.get('csp') === 'web' ? WEB_CSP_SOURCE : origin, nonce: makeNonce(), scriptUri: `${origin}/dist/webview/${app}.js`,
          styleUris: [
            `${origin}/test/webview/theme-${theme === 'light' ? 'light' : 'dark'}.css`,
            // The apps that import CSS (uPlot's) have a bundled style sheet.
            ...(app === 'dashboard' || app === 'comparison' ? [`${origin}/dist/webview/${app}.css`] : []),
            `${origin}/media/webview.css`, `${origin}/media/${app}.css`,
          ],
          title: app ?? '', lang: 'en', app: app === 'filters' || app === 'comparison' ? app : 'dashboard',
        });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
        return;
      }
      // Only the folders a webview may load from (plus the test theme).
      const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
      if (!/^(dist[/\\]webview|media|test[/\\]webview)[/\\]/.test(rel)) { res.writeHead(404); res.end(); return; }
      try {
        const body = await fsp.readFile(path.join(ROOT, rel));
        res.writeHead(200, { 'content-type': TYPES[path.extname(rel)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404); res.end();
      }
    })();
  });
  // Everything opened below is closed again if a later step fails: a listening server or a running
  // browser would keep mocha's process alive after the failed `before` hook.
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  const closeAll = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (userDataDir !== undefined) await fsp.rm(userDataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-chromium-'));
    const executablePath = chromiumExecutable();
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath,
        headless: true,
        timeout: LAUNCH_TIMEOUT_MS,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync'],
        viewport: { width: 1200, height: 900 },
      });
    } catch (err) {
      throw new Error(`could not launch Chromium at ${executablePath}: run \`bash scripts/system-deps.sh\` (Debian's chromium), `
        + `or set CNN_LAB_CHROMIUM to a Chromium binary.\n${err instanceof Error ? err.message : String(err)}`);
    }
    const ctx = context;
    // Plain JavaScript: it runs in the page before the bundle (the stand-in for VS Code's API).
    await ctx.addInitScript({ content: `
      window.__log = { sent: [], csp: [], errors: [] };
      // Like VS Code, the state outlives the page: a hidden webview is unloaded and reloaded on show.
      let acquired = false;
      window.acquireVsCodeApi = () => {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return {
          postMessage: (m) => { window.__log.sent.push(JSON.parse(JSON.stringify(m))); },
          getState: () => { const v = sessionStorage.getItem('vscodeState'); return v === null ? undefined : JSON.parse(v); },
          setState: (s) => { sessionStorage.setItem('vscodeState', JSON.stringify(s)); },
        };
      };
      document.addEventListener('securitypolicyviolation', (e) => { window.__log.csp.push(e.violatedDirective + ' ' + e.blockedURI); });
      window.addEventListener('error', (e) => { window.__log.errors.push(String(e.message)); });
    ` });
    await fsp.mkdir(OUTPUT, { recursive: true });
    return {
      context: ctx,
      origin,
      async open(app, theme = 'dark', cspSource = 'origin') {
        const page = await ctx.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => { errors.push(e.message); });
        pageErrors.set(page, errors);
        await page.goto(`${origin}/page/${app}/${theme}${cspSource === 'web' ? '?csp=web' : ''}`);
        await page.waitForFunction('window.__log.sent.length > 0');
        return page;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Posts a message into the page as the extension host would. */
export async function postToPage(page: Page, message: unknown): Promise<void> {
  await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
}

const pageErrors = new WeakMap<Page, string[]>();

/** What the page posted to the "host", CSP violations, and uncaught errors. */
export async function pageLog(page: Page): Promise<PageLog> {
  const log = await page.evaluate<PageLog>('window.__log');
  return { ...log, errors: [...log.errors, ...(pageErrors.get(page) ?? [])] };
}

/** The pixels of the `index`-th canvas matching `selector`, read back from the page. */
export async function canvasPixels(page: Page, selector: string, index = 0): Promise<{ width: number; height: number; data: number[] }> {
  return page.evaluate<{ width: number; height: number; data: number[] }>(`(() => {
    const c = document.querySelectorAll(${JSON.stringify(selector)})[${index}];
    if (!c) throw new Error('no canvas ' + ${JSON.stringify(selector)});
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, data: Array.from(d) };
  })()`);
}

/** Number of distinct colours in a canvas: 1 means blank. */
export async function distinctColours(page: Page, selector: string, index = 0): Promise<number> {
  const { data } = await canvasPixels(page, selector, index);
  const set = new Set<number>();
  for (let i = 0; i < data.length; i += 4) set.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
  return set.size;
}

/**
 * Waits until a JavaScript expression is true in the page. Playwright's `waitForFunction` polls
 * with `eval` inside the page, which the webview's CSP (rightly) refuses; this asks from outside
 * (DevTools protocol evaluation is not subject to the page's CSP), every 25 ms.
 */
export async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate<boolean>(`Boolean(${expression})`)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
