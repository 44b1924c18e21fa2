/**
 * Training from the editor: "Train MNIST Model" runs a real (small) training to completion and
 * leaves a run folder; "Stop Training" ends a run inside its first epoch; the dashboard and the
 * filters view open. Sample counts come from the workspace settings and the command arguments,
 * so each run takes seconds.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, allTabs, pollUntil, waitForEvent, workspaceRoot } from './util';

interface MetricLine { kind: 'batch' | 'epoch'; epoch: number; batch?: number; batchesPerEpoch?: number; loss: number }
interface Summary { status: string; backend: string; epochsCompleted: number; totalEpochs: number; testAcc: number | null }

function runsFolder(): string {
  const configured = vscode.workspace.getConfiguration('cnnLab').get<string>('runs.folder') ?? '.cnn-lab/runs';
  return isAbsolute(configured) ? configured : join(workspaceRoot().fsPath, configured);
}

function readSummary(runDir: string): Summary {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as Summary;
}

function readMetrics(runDir: string): MetricLine[] {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try { return [JSON.parse(l) as MetricLine]; } catch { return []; } // a line being written
  });
}

function runDirs(): string[] {
  const root = runsFolder();
  if (!existsSync(root)) return [];
  return readdirSync(root).map((d) => join(root, d)).filter((d) => statSync(d).isDirectory());
}

/** The backend `auto` must pick: the native one when tfjs-node loads on this machine. */
function expectedAutoBackend(extensionPath: string): string | null {
  const r = spawnSync(process.execPath, ['-e', 'require("@tensorflow/tfjs-node")'], { cwd: extensionPath, stdio: 'ignore', timeout: 60_000 });
  return r.status === 0 ? 'tensorflow' : null;
}

function webviewTabs(): vscode.Tab[] {
  return allTabs().filter((t) => t.input instanceof vscode.TabInputWebview);
}

describe('training from the editor', function () {
  this.timeout(300_000);

  let completedRun = '';

  it('Train MNIST Model runs to completion and leaves a run folder', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const webviewsBefore = webviewTabs().length;
    const result = await vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 1, maxTrainSamples: 256 });
    assert.equal(typeof result, 'string', `trainMnist resolved with ${JSON.stringify(result)}, expected the run folder path`);
    const runDir = result as string;
    completedRun = runDir;
    assert.ok(existsSync(runDir), `run folder ${runDir} does not exist`);
    assert.ok(!relative(runsFolder(), runDir).startsWith('..'), `run folder ${runDir} is not under cnnLab.runs.folder (${runsFolder()})`);
    const summary = readSummary(runDir);
    assert.equal(summary.status, 'completed', `run ended ${summary.status}`);
    assert.equal(summary.epochsCompleted, 1);
    assert.equal(summary.totalEpochs, 1, 'the epochs argument should override the model file');
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(summary.backend), `unknown backend ${summary.backend}`);
    const fastest = expectedAutoBackend(ext.extensionPath);
    if (fastest !== null) assert.equal(summary.backend, fastest, 'cnnLab.backend auto should pick the native backend, which loads here');
    const epochs = readMetrics(runDir).filter((m) => m.kind === 'epoch');
    assert.equal(epochs.length, 1, 'metrics.jsonl should hold one epoch record');
    assert.ok(Number.isFinite(epochs[0]?.loss), 'epoch loss is not a number');
    assert.ok(existsSync(join(runDir, 'model.cnn.yaml')), 'the trained model file is not saved in the run folder');
    // The dashboard opened for the run.
    await waitForEvent(vscode.window.tabGroups.onDidChangeTabs, () => (webviewTabs().length > webviewsBefore ? true : undefined),
      10_000, 'a dashboard webview tab');
  });

  it('Open Dashboard shows a run in a webview panel', async () => {
    assert.ok(completedRun !== '', 'needs the completed run of the previous test');
    // Start from no webview tabs, so that a new tab can only come from the command.
    for (const t of webviewTabs()) await vscode.window.tabGroups.close(t);
    const command = Promise.resolve(vscode.commands.executeCommand('cnnLab.openDashboard', vscode.Uri.file(completedRun)));
    const appeared = (): true | undefined => (webviewTabs().length > 0 ? true : undefined);
    try {
      await waitForEvent(vscode.window.tabGroups.onDidChangeTabs, appeared, 10_000, 'a dashboard webview tab after Open Dashboard');
    } catch {
      // It may ask which run in a quick pick; the newest run is the first item.
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await waitForEvent(vscode.window.tabGroups.onDidChangeTabs, appeared, 10_000, 'a dashboard webview tab after Open Dashboard (and accepting its quick pick)');
    }
    await command;
  });

  it('the filters view opens in the CNN Lab side bar', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    assert.ok(all.has('cnnLab.filters.focus'), 'no focus command for the view cnnLab.filters (is the view contributed?)');
    await vscode.commands.executeCommand('workbench.view.extension.cnnLab');
    await vscode.commands.executeCommand('cnnLab.filters.focus');
    assert.ok(all.has('cnnLab.runs.focus'), 'no focus command for the tree view cnnLab.runs');
  });

  it('Stop Training stops a run inside its first epoch', async () => {
    const before = new Set(runDirs());
    // Enough samples that the first epoch lasts long after the first batch is logged.
    const training = Promise.resolve(vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 2, maxTrainSamples: 8000 }));
    let settled = false;
    void training.then(() => { settled = true; }, () => { settled = true; });
    const { runDir, seen } = await pollUntil(() => {
      if (settled) throw new Error('training ended before any batch was logged');
      for (const d of runDirs()) {
        if (before.has(d)) continue;
        const batches = readMetrics(d).filter((m) => m.kind === 'batch');
        const last = batches[batches.length - 1];
        if (last !== undefined) return { runDir: d, seen: last };
      }
      return undefined;
    }, 180_000, 'the first batch of the new run in metrics.jsonl');
    await vscode.commands.executeCommand('cnnLab.stopTraining');
    const result = await training;
    assert.equal(result, runDir, 'trainMnist should resolve with the stopped run\'s folder');
    const summary = readSummary(runDir);
    assert.equal(summary.status, 'stopped', `run ended ${summary.status}`);
    assert.equal(summary.epochsCompleted, 0, 'the run went on to finish its epoch after Stop Training');
    const batches = readMetrics(runDir).filter((m) => m.kind === 'batch');
    const last = batches[batches.length - 1];
    assert.ok(last !== undefined && last.epoch === 1);
    assert.ok(seen.batchesPerEpoch !== undefined && (last.batch ?? 0) < seen.batchesPerEpoch,
      `the last logged batch ${String(last.batch)} reached the end of the epoch (${String(seen.batchesPerEpoch)} batches)`);
    console.log(`stop requested after batch ${String(seen.batch)}; last logged batch ${String(last.batch)} of ${String(seen.batchesPerEpoch)}`);
  });
});
