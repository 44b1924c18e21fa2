/**
 * The walkthrough's steps in a real VS Code: each runs `cnnLab.openLab` as its buttons do and
 * the lab's model opens in the editor (copied into the workspace once, the student's copy kept),
 * with the view that shows its lesson: the dashboard of the run, the dropout picker, the Filters
 * view and the explainer, the summary of the AlexNet. Trainings are 1 epoch on 256 samples;
 * CIFAR-10 is only opened (its data set is a download).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabShown } from '../../../src/extension/commands/labs';
import type { CnnLabApi } from '../../../src/extension/main';
import { activateCnnLab, allTabs, pollUntil, waitForEvent, workspaceRoot } from './util';

const QUICK = { epochs: 1, maxTrainSamples: 256 };

function webviewTabs(): vscode.Tab[] {
  return allTabs().filter((t) => t.input instanceof vscode.TabInputWebview);
}

async function closeWebviews(): Promise<void> {
  await vscode.window.tabGroups.close(webviewTabs());
}

async function openLab(arg: unknown): Promise<LabShown> {
  const shown = await vscode.commands.executeCommand<LabShown | undefined>('cnnLab.openLab', arg);
  assert.ok(shown !== undefined, `cnnLab.openLab ${JSON.stringify(arg)} resolved with nothing`);
  return shown;
}

/** The lab's model is the copy in the workspace root, open in a visible editor. */
function assertModelOpen(shown: LabShown, example: string): void {
  assert.equal(shown.model, vscode.Uri.file(join(workspaceRoot().fsPath, example)).toString(), 'the example is copied into the workspace folder');
  assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === shown.model),
    `${example} is open in an editor (visible: ${vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()).join(', ')})`);
}

function waitForWebviewTab(what: string): Promise<true> {
  return waitForEvent(vscode.window.tabGroups.onDidChangeTabs, () => (webviewTabs().length > 0 ? true : undefined), 15_000, what);
}

describe('walkthrough: the labs', function () {
  this.timeout(300_000);
  let api: CnnLabApi;

  before(async () => { api = await activateCnnLab(); });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  it('MNIST: its Train button trains the copied model and shows the dashboard; opened again, the dashboard of that run', async () => {
    await closeWebviews();
    const trained = await openLab({ lab: 'mnist', train: true, ...QUICK });
    assertModelOpen(trained, 'mnist.cnn.yaml');
    assert.ok(trained.runDir !== undefined, `the lab's training ended with a run folder: ${JSON.stringify(trained)}`);
    assert.deepEqual(trained.shown, ['dashboard']);
    await waitForWebviewTab('the dashboard of the lab\'s run');

    await closeWebviews();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const opened = await openLab('mnist');
    assertModelOpen(opened, 'mnist.cnn.yaml');
    assert.deepEqual(opened.shown, ['dashboard']);
    assert.equal(opened.runDir, trained.runDir, 'the newest run of mnist-convnet');
    await waitForWebviewTab('the dashboard of the model\'s latest run');
    assert.equal(api.filtersShown().runDir, trained.runDir, 'the Filters view shows the same run');
  });

  it('Dropout: opens the Keras convnet with the placement picker, and never overwrites the student\'s copy', async () => {
    const first = await openLab('dropout');
    assertModelOpen(first, 'mnist-keras-example.cnn.yaml');
    assert.ok(first.shown.includes('dropoutPlacement'), `the dropout picker is offered: ${JSON.stringify(first.shown)}`);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');

    // The student edits and saves the copy; the step's button opens it as it is.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(first.model));
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# my notes on dropout\n')));
    assert.ok(await doc.save());
    const saved = readFileSync(doc.uri.fsPath, 'utf8');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const again = await openLab('dropout');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(again.model, first.model);
    assert.equal(readFileSync(doc.uri.fsPath, 'utf8'), saved, 'the existing copy is not overwritten');
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === again.model);
    assert.ok(shown?.document.getText().startsWith('# my notes on dropout'), 'the editor shows the student\'s copy');
  });

  it('Colour: opens the shapes model and the Filters view; once trained, the explainer of filter 0 in the run\'s dashboard', async () => {
    await closeWebviews();
    const opened = await openLab('colour');
    assertModelOpen(opened, 'shapes-rgb.cnn.yaml');
    assert.ok(opened.shown.includes('filters'), JSON.stringify(opened.shown));
    await pollUntil(() => (api.filtersShown().visible ? true : undefined), 15_000, 'the Filters view on screen');

    const trained = await openLab({ lab: 'colour', train: true, ...QUICK });
    assert.ok(trained.runDir !== undefined, `the colour lab trained: ${JSON.stringify(trained)}`);
    assert.deepEqual(trained.shown, ['dashboard', 'filters']);

    await closeWebviews();
    const explained = await openLab('colour');
    assertModelOpen(explained, 'shapes-rgb.cnn.yaml');
    assert.deepEqual(explained.shown, ['filters', 'dashboard', 'explainer']);
    assert.equal(explained.runDir, trained.runDir);
    await waitForWebviewTab('the dashboard with the explainer');
    const filters = await pollUntil(() => { const f = api.filtersShown(); return f.visible && f.runDir === trained.runDir ? f : undefined; },
      15_000, `the Filters view showing the shapes run (now ${JSON.stringify(api.filtersShown())})`);
    assert.ok(filters.visible);
  });

  it('CIFAR-10: opens the simplified AlexNet with its summary, without training (its data set is a download)', async () => {
    const opened = await openLab('cifar10');
    assertModelOpen(opened, 'cifar10-alexnet.cnn.yaml');
    assert.deepEqual(opened.shown, ['summary']);
    assert.equal(opened.runDir, undefined);
    const summary = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'cnn-lab-summary');
    assert.ok(summary, 'the summary is shown beside the model');
    assert.match(summary.document.getText(), /528,054/);
  });

  it('from the palette, without a lab, opens the walkthrough of the labs', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The workbench registers an extension's walkthroughs a few seconds after the extension (it
    // waits up to 5 s for an experiment service); until then the Welcome page shows another one.
    const tab = await pollUntil(async () => {
      assert.equal(await vscode.commands.executeCommand<unknown>('cnnLab.openLab'), undefined);
      // The tab is titled after the extension ("Walkthrough: CNN Lab"); before ours is registered it names another.
      return allTabs().find((t) => t.label === 'Walkthrough: CNN Lab');
    }, 30_000, 'the tab "Walkthrough: CNN Lab"');
    assert.ok(tab.isActive);
  });
});
