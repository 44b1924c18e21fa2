/**
 * The dashboard of a finished run in a real VS Code: no trainer serves it any more, yet picking a
 * test sample starts an inspection process (the real trainer in `inspect` mode) that loads the
 * run's weights, and the page shows that sample's feature maps. The page reports what it drew
 * (`shown`), which the extension's API hands to this test.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CnnLabApi } from '../../../src/extension/main';
import type { DashboardShownMessage } from '../../../src/shared/webviewProtocol';
import { EXTENSION_ID, pollUntil } from './util';

describe('dashboard of a finished run', function () {
  this.timeout(240_000);
  let api: CnnLabApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<CnnLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
  });

  function shownWhen(runDir: string, accept: (s: DashboardShownMessage) => boolean, what: string, timeoutMs: number): Promise<DashboardShownMessage> {
    return pollUntil(() => { const s = api.dashboardShown(runDir); return s !== undefined && accept(s) ? s : undefined; },
      timeoutMs, `${what} (last shown: ${JSON.stringify(api.dashboardShown(runDir))})`);
  }

  it('picking sample 3 loads the run\'s weights in an inspection process and the dashboard shows "Sample 3"', async () => {
    const result = await vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 1, maxTrainSamples: 256 });
    assert.equal(typeof result, 'string', `trainMnist resolved with ${JSON.stringify(result)}`);
    const runDir = result as string;
    assert.equal(api.activeRunDir(), undefined, 'the run has finished: no trainer serves it');

    await vscode.commands.executeCommand('cnnLab.openDashboard', runDir);
    const before = await shownWhen(runDir, (s) => s.picking === 'inspect', 'the finished run\'s dashboard offering picks', 30_000);
    assert.match(before.caption ?? '', /^Sample 0 \(label: \d\), after epoch 1$/, 'the maps stored with the run: sample 0');

    const asked = Date.now();
    assert.ok(api.pickSample(runDir, 3), 'the dashboard of the run is open');
    const shown = await shownWhen(runDir, (s) => s.sampleIndex === 3, 'the dashboard showing sample 3', 120_000);
    assert.match(shown.caption ?? '', /^Sample 3 \(label: \d\), after epoch 1$/);
    console.log(`sample 3 shown ${Date.now() - asked} ms after the pick (inspection process started, weights and data loaded)`);

    // The process stays for the next pick.
    const again = Date.now();
    assert.ok(api.pickSample(runDir, 7));
    const seven = await shownWhen(runDir, (s) => s.sampleIndex === 7, 'the dashboard showing sample 7', 60_000);
    assert.match(seven.caption ?? '', /^Sample 7 /);
    console.log(`sample 7 shown ${Date.now() - again} ms after the pick (same process)`);
    assert.equal(seven.picking, 'inspect');
  });
});
