/**
 * A window of its own for a step file that cannot share the session's one: its own code-server
 * (with workspace trust when asked), its own chromium and its own scratch copy of the fixture
 * workspace, so that Restricted Mode or a "Developer: Reload Window" leaves the shared window as
 * the other step files expect it. Started in the file's `before` (only when one of its tests is
 * selected), closed in its `after`; screenshots go to `test-output/e2e/<name>/`, and on a failure
 * the server's and VS Code's logs too.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, workbenchUrl, type Browser } from '../../scripts/code-server/browser';
import { startCodeServer, type CodeServer } from '../../scripts/code-server/server';
import { REPO_ROOT, prepareWorkspace } from '../integration/prepare';
import { saveServerLogs } from '../integration/runner';
import { session } from './session';
import { Workbench } from './workbench';

export interface OwnWindowOptions {
  /** Sub-folder of the e2e output for the screenshots and, on failure, the logs. */
  readonly name: string;
  /** Open the folder with workspace trust on (Restricted Mode until trusted); off by default. */
  readonly workspaceTrust?: boolean;
  /** Settings written into the workspace's .vscode/settings.json, over the fixture's. */
  readonly workspaceSettings?: Readonly<Record<string, unknown>>;
  /** User settings, over the quiet defaults. */
  readonly userSettings?: Readonly<Record<string, unknown>>;
  /** Folders copied into the workspace before the window opens: workspace-relative target → source. */
  readonly copies?: Readonly<Record<string, string>>;
}

export interface OwnWindow {
  readonly workbench: Workbench;
  readonly url: string;
  /** The window's scratch copy of the fixture workspace. */
  readonly folder: string;
  readonly server: CodeServer;
  /** Closes the browser and the server and removes their folders; keeps the logs when `failed`. */
  close(failed: boolean): Promise<void>;
}

export async function openOwnWindow(o: OwnWindowOptions): Promise<OwnWindow> {
  const output = join(session().workbench.outputDir, o.name);
  mkdirSync(output, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'cnne2e-'));
  const ws = prepareWorkspace(join(work, 'workspace'), o.workspaceSettings ?? {});
  for (const [to, from] of Object.entries(o.copies ?? {})) cpSync(from, join(ws.folder, to), { recursive: true });
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async (failed: boolean): Promise<void> => {
    await browser?.close();
    if (failed && server !== undefined) saveServerLogs(server, output);
    await server?.stop();
    if (server !== undefined) rmSync(server.stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };
  try {
    server = await startCodeServer({
      folder: ws.folder,
      ...(o.workspaceTrust !== undefined ? { workspaceTrust: o.workspaceTrust } : {}),
      ...(o.userSettings !== undefined ? { userSettings: o.userSettings } : {}),
    });
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? await browser.context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[${o.name} workbench error] ${e.message}\n`));
    const url = workbenchUrl({ server: server.url, folder: ws.folder, extensionDevelopmentPath: REPO_ROOT });
    return { workbench: new Workbench(page, output), url, folder: ws.folder, server, close };
  } catch (err) {
    await close(true);
    throw err;
  }
}
