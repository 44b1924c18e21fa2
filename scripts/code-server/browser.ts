/**
 * Headless Debian chromium driven by playwright-core (no browser download), and the workbench URL
 * that loads an extension under development and, optionally, runs its tests in the Node
 * extension host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { chromiumPath } from './paths';

export interface Browser {
  readonly context: BrowserContext;
  /** Closes chromium and removes its profile folder. */
  close(): Promise<void>;
}

/** The browser to drive: `$CNN_LAB_CHROMIUM` when set, else paths.ts's choice (`$CHROMIUM` or Debian's chromium). */
export function browserExecutable(): string {
  const fromEnv = process.env.CNN_LAB_CHROMIUM;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : chromiumPath();
}

export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  // Playwright refuses --user-data-dir in args; a persistent context passes it. TMPDIR inside the
  // profile keeps chromium's org.chromium.Chromium.* temp folders out of /tmp.
  const profile = mkdtempSync(join(tmpdir(), 'cnnpw-'));
  const executablePath = browserExecutable();
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport,
      // A browser that never comes up fails the run in a minute instead of Playwright's three.
      timeout: 60_000,
      env: { ...process.env, TMPDIR: profile },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    throw new Error(`could not launch Chromium at ${executablePath}: run \`bash scripts/system-deps.sh\` (Debian's chromium), `
      + `or set CNN_LAB_CHROMIUM to a Chromium binary.\n${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

export interface WorkbenchUrlOptions {
  /** Server base URL, e.g. http://127.0.0.1:1234/ */
  readonly server: string;
  /** Folder to open; an empty window when omitted. */
  readonly folder?: string;
  /** Absolute path of the extension to load as under development (no install). */
  readonly extensionDevelopmentPath?: string;
  /** Absolute path of a tests module whose `run()` the extension host awaits. */
  readonly extensionTestsPath?: string;
}

/**
 * code-server's CLI rejects --extensionDevelopmentPath/--extensionTestsPath, but the web workbench
 * reads them from the URL `payload`, as vscode-remote:// URIs whose authority is the page's host.
 */
export function workbenchUrl(o: WorkbenchUrlOptions): string {
  const url = new URL(o.server);
  const remote = (p: string): string => `vscode-remote://${url.host}${p}`;
  const payload: [string, string][] = [['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  if (o.extensionDevelopmentPath !== undefined) payload.push(['extensionDevelopmentPath', remote(o.extensionDevelopmentPath)]);
  if (o.extensionTestsPath !== undefined) payload.push(['extensionTestsPath', remote(o.extensionTestsPath)]);
  if (o.folder !== undefined) url.searchParams.set('folder', o.folder);
  else url.searchParams.set('ew', 'true');
  url.searchParams.set('payload', JSON.stringify(payload));
  return url.href;
}
