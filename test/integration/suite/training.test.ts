/**
 * Training from the editor: "Train MNIST Model" runs a real (small) training to completion and
 * leaves a run folder; the dashboard and the filters view open; the trained model exports;
 * "Stop Training" ends a run within a batch and "Resume Run" finishes it. Sample counts come from
 * the workspace settings and the command arguments, so each run takes seconds.
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

  it('Export Trained Model writes a TensorFlow.js model whose weight files are all there', async () => {
    assert.ok(completedRun !== '', 'needs the completed run of the first test');
    const target = join(workspaceRoot().fsPath, 'exported');
    const written = await vscode.commands.executeCommand<unknown>('cnnLab.exportModel', { runDir: completedRun, target });
    assert.ok(Array.isArray(written) && written.length >= 2, `exportModel returned ${JSON.stringify(written)}`);
    const model = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as { modelTopology?: unknown; weightsManifest?: { paths: string[] }[] };
    assert.ok(model.modelTopology, 'model.json has no topology');
    const shards = (model.weightsManifest ?? []).flatMap((g) => g.paths);
    assert.ok(shards.length > 0, 'model.json lists no weight files');
    for (const shard of shards) assert.ok(existsSync(join(target, shard)), `weight file ${shard} is missing from the export`);
  });

  let stoppedRun = '';

  it('Stop Training stops a run within a batch, keeping the finished epoch', async () => {
    const before = new Set(runDirs());
    // Two epochs with enough samples that the second lasts long after its first batch is logged.
    const training = Promise.resolve(vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 2, maxTrainSamples: 8000 }));
    let settled = false;
    void training.then(() => { settled = true; }, () => { settled = true; });
    const { runDir, seen } = await pollUntil(() => {
      if (settled) throw new Error('training ended before a batch of epoch 2 was logged');
      for (const d of runDirs()) {
        if (before.has(d)) continue;
        const batches = readMetrics(d).filter((m) => m.kind === 'batch' && m.epoch === 2);
        const last = batches[batches.length - 1];
        if (last !== undefined) return { runDir: d, seen: last };
      }
      return undefined;
    }, 180_000, 'the first batch of epoch 2 in the new run\'s metrics.jsonl');
    await vscode.commands.executeCommand('cnnLab.stopTraining');
    const result = await training;
    assert.equal(result, runDir, 'trainMnist should resolve with the stopped run\'s folder');
    stoppedRun = runDir;
    const summary = readSummary(runDir);
    assert.equal(summary.status, 'stopped', `run ended ${summary.status}`);
    assert.equal(summary.epochsCompleted, 1, 'the run should keep epoch 1 and not finish epoch 2 after Stop Training');
    const batches = readMetrics(runDir).filter((m) => m.kind === 'batch');
    const last = batches[batches.length - 1];
    assert.ok(last !== undefined && last.epoch === 2);
    assert.ok(seen.batchesPerEpoch !== undefined && (last.batch ?? 0) < seen.batchesPerEpoch,
      `the last logged batch ${String(last.batch)} reached the end of the epoch (${String(seen.batchesPerEpoch)} batches)`);
    console.log(`stop requested after batch ${String(seen.batch)}; last logged batch ${String(last.batch)} of ${String(seen.batchesPerEpoch)}`);
  });

  it('Resume Run continues the stopped run from its checkpoint to the last epoch', async () => {
    assert.ok(stoppedRun !== '', 'needs the stopped run of the previous test');
    const result = await vscode.commands.executeCommand<unknown>('cnnLab.resumeRun', stoppedRun);
    assert.equal(result, stoppedRun, 'resumeRun should resolve with the run folder');
    const summary = readSummary(stoppedRun);
    assert.equal(summary.status, 'completed', `resumed run ended ${summary.status}`);
    assert.equal(summary.epochsCompleted, 2);
    const epochs = readMetrics(stoppedRun).filter((m) => m.kind === 'epoch').map((m) => m.epoch);
    assert.deepEqual([...new Set(epochs)].sort(), [1, 2], `epoch records after resuming: ${epochs.join(', ')}`);
  });
});
