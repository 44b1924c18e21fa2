/**
 * `npm run test:integration`: the in-host suite in a real VS Code. Desktop VS Code through
 * `@vscode/test-electron` wherever it can be downloaded and shown (a display, or not Linux);
 * otherwise — offline, behind a firewall, or headless — VS Code's own server as packaged by
 * code-server, which installs from the npm registry alone. Both run the same suite.
 *
 *   CNN_LAB_VSCODE=electron|code-server   force one (default: auto)
 *   VSCODE_EXECUTABLE=/path/to/code       use an installed VS Code (implies electron)
 *
 * Other arguments (`--grep`, `--no-build`) are passed on to the runner.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { downloadAndUnzipVSCode } from '@vscode/test-electron';
import { VSCODE_VERSION } from '../../scripts/code-server/paths';
import { REPO_ROOT } from './prepare';
import { runMain } from './runner';

type Host = 'electron' | 'code-server';

/** Why desktop VS Code cannot be used here, or null when it can (it is then downloaded and cached). */
async function electronUnavailable(): Promise<string | null> {
  if (process.env.VSCODE_EXECUTABLE !== undefined) return null;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display for desktop VS Code (DISPLAY is unset)';
  }
  try {
    await downloadAndUnzipVSCode({ version: VSCODE_VERSION, timeout: 15_000 });
    return null;
  } catch (err) {
    return `VS Code ${VSCODE_VERSION} could not be downloaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

async function chooseHost(): Promise<Host> {
  const forced = process.env.CNN_LAB_VSCODE;
  if (forced === 'electron' || forced === 'code-server') return forced;
  if (forced !== undefined && forced !== '' && forced !== 'auto') {
    throw new Error(`CNN_LAB_VSCODE must be electron, code-server or auto, not "${forced}"`);
  }
  const why = await electronUnavailable();
  if (why === null) return 'electron';
  process.stderr.write(`[integration] ${why}: running the suite in code-server's VS Code ${VSCODE_VERSION} instead\n`);
  return 'code-server';
}

async function main(): Promise<number> {
  const host = await chooseHost();
  const runner = join(REPO_ROOT, 'test', 'integration', host === 'electron' ? 'runTestElectron.ts' : 'runCodeServer.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...process.argv.slice(2)], { stdio: 'inherit', cwd: REPO_ROOT });
  return r.status ?? 1;
}

runMain('integration', main);
