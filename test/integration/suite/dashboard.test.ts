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
import { activateCnnLab, allTabs, pollUntil } from './util';

describe('dashboard of a finished run', function () {
  this.timeout(240_000);
  let api: CnnLabApi;
  let finishedRun = '';

  before(async () => { api = await activateCnnLab(); });

  function shownWhen(runDir: string, accept: (s: DashboardShownMessage) => boolean, what: string, timeoutMs: number): Promise<DashboardShownMessage> {
    return pollUntil(() => { const s = api.dashboardShown(runDir); return s !== undefined && accept(s) ? s : undefined; },
      timeoutMs, `${what} (last shown: ${JSON.stringify(api.dashboardShown(runDir))})`);
  }

  it('picking sample 3 loads the run\'s weights in an inspection process and the dashboard shows "Sample 3"', async () => {
    const result = await vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 1, maxTrainSamples: 256 });
    assert.equal(typeof result, 'string', `trainMnist resolved with ${JSON.stringify(result)}`);
    const runDir = result as string;
    finishedRun = runDir;
    assert.equal(api.activeRunDir(), undefined, 'the run has finished: no trainer serves it');

    // Only this run's dashboard stays open (earlier tests leave others), so its tab is the webview tab.
    await vscode.window.tabGroups.close(allTabs().filter((x) => x.input instanceof vscode.TabInputWebview));
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

  it('keeps working while hidden: a pick answered behind another editor is on screen when the dashboard is shown again', async () => {
    assert.ok(finishedRun !== '', 'needs the run of the previous test');
    const tabs = allTabs().filter((t) => t.input instanceof vscode.TabInputWebview);
    assert.equal(tabs.length, 1, 'the dashboard tab of the run is the only webview tab');
    const tab = tabs[0];
    assert.ok(tab);
    // Another editor in the dashboard's group hides it (its page is unloaded: no retained context).
    const [file] = await vscode.workspace.findFiles('**/*.cnn.yaml', '**/.cnn-lab/**', 1);
    assert.ok(file, 'the workspace has a model file');
    await vscode.window.showTextDocument(file, { viewColumn: tab.group.viewColumn, preview: false });
    await pollUntil(() => (allTabs().some((t) => t.input instanceof vscode.TabInputWebview && !t.isActive) ? true : undefined), 10_000, 'the dashboard tab hidden');
    const hiddenSince = api.dashboardShown(finishedRun);
    assert.ok(api.pickSample(finishedRun, 5));
    // Give the inspection process time to answer while the page is away.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(api.dashboardShown(finishedRun), hiddenSince, 'a hidden page draws nothing');

    await vscode.commands.executeCommand('cnnLab.openDashboard', finishedRun);
    const shown = await pollUntil(() => { const s = api.dashboardShown(finishedRun); return s?.sampleIndex === 5 ? s : undefined; },
      30_000, `the shown-again dashboard with sample 5 (last shown: ${JSON.stringify(api.dashboardShown(finishedRun))})`);
    assert.match(shown.caption ?? '', /^Sample 5 /);
    // Closing the dashboard stops its inspection process (the extension's dispose chain).
    await vscode.window.tabGroups.close(allTabs().filter((x) => x.input instanceof vscode.TabInputWebview));
  });
});
