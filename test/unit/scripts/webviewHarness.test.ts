/**
 * The webview harness closes what it opened when Chromium cannot be launched: before, the HTTP
 * server it had started kept listening, so mocha never exited after the failed `before` hook and
 * `npm test` hung for good on a machine without Chromium.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness } from '../../webview/harness';

/** Open TCP servers in this process (Node's handle type for a listening net/http server). */
const listening = (): number => (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo()
  .filter((r) => r === 'TCPServerWrap').length;
const profiles = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('cnn-lab-chromium-'));

describe('webview harness: clean-up when the browser cannot start', function () {
  this.timeout(60_000);
  const saved = process.env.CNN_LAB_CHROMIUM;
  let tmp: string;
  before(() => { tmp = mkdtempSync(join(tmpdir(), 'cnnlab-harness-')); });
  after(() => {
    if (saved === undefined) delete process.env.CNN_LAB_CHROMIUM; else process.env.CNN_LAB_CHROMIUM = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  async function failsAndCleansUp(browser: string): Promise<void> {
    process.env.CNN_LAB_CHROMIUM = browser;
    const servers = listening();
    const before = new Set(profiles());
    const t0 = Date.now();
    await assert.rejects(startHarness(), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, new RegExp(`^could not launch Chromium at ${browser.replace(/[/.]/g, '\\$&')}: run \`bash scripts/system-deps.sh\``));
      return true;
    });
    assert.ok(Date.now() - t0 < 20_000, `failed after ${Date.now() - t0} ms`);
    assert.equal(listening(), servers, 'the harness HTTP server is closed again');
    assert.deepEqual(profiles().filter((p) => !before.has(p) && existsSync(join(tmpdir(), p))), [], 'the browser profile folder is removed');
  }

  it('CNN_LAB_CHROMIUM=/nonexistent: rejects with the command to run, no server left listening', async () => {
    await failsAndCleansUp('/nonexistent');
  });

  it('a browser that exits at once: same', async () => {
    const fake = join(tmp, 'chromium');
    writeFileSync(fake, '#!/bin/sh\necho "fake chromium: no display" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    await failsAndCleansUp(fake);
  });
});
