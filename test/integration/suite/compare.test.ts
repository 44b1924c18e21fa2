/**
 * The course's experiments in a real VS Code: "Compare Dropout Placements" and "Compare Colour
 * and Grayscale" run end to end on small data (each variant a normal run folder, the experiment
 * recorded in experiment.json, the comparison panel open with every variant's epochs); colour is
 * refused on MNIST; Stop Training in the middle of a comparison stops it with the run kept, and
 * Resume Experiment continues that run from its checkpoint and trains the rest. Sample counts come
 * from the command arguments, so each variant takes seconds.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import * as vscode from 'vscode';
import type { CnnLabApi } from '../../../src/extension/main';
import type { ComparisonState } from '../../../src/shared/comparison';
import type { ExperimentRecord } from '../../../src/shared/experimentFiles';
import { EXTENSION_ID, activateCnnLab, allTabs, fixture, pollUntil, workspaceRoot, writeScratchModel } from './util';

interface Summary { status: string; epochsCompleted: number; totalEpochs: number; testAcc: number | null }
interface MetricLine { kind: string; epoch: number }

function runsFolder(): string {
  const configured = vscode.workspace.getConfiguration('cnnLab').get<string>('runs.folder') ?? '.cnn-lab/runs';
  return isAbsolute(configured) ? configured : join(workspaceRoot().fsPath, configured);
}

const readJson = <T>(file: string): T | undefined => {
  try { return JSON.parse(readFileSync(file, 'utf8')) as T; } catch { return undefined; } // absent, or being written
};
const record = (dir: string): ExperimentRecord | undefined => readJson<ExperimentRecord>(join(dir, 'experiment.json'));
const summary = (runDir: string): Summary | undefined => readJson<Summary>(join(runDir, 'summary.json'));
const metrics = (runDir: string): MetricLine[] => {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((l) => { try { return [JSON.parse(l) as MetricLine]; } catch { return []; } });
};
const experiments = (): string[] => {
  const root = join(runsFolder(), 'experiments');
  return existsSync(root) ? readdirSync(root).map((d) => join(root, d)) : [];
};

describe('the course\'s experiments as commands', function () {
  this.timeout(300_000);
  let api: CnnLabApi;

  before(async () => { api = await activateCnnLab(); });

  /** The comparison panel's last state once `accept` likes it. */
  function shown(dir: string, accept: (s: ComparisonState) => boolean, what: string): Promise<ComparisonState> {
    return pollUntil(() => { const s = api.comparisonShown(dir); return s !== undefined && accept(s) ? s : undefined; },
      20_000, `${what} (last shown: ${JSON.stringify(api.comparisonShown(dir)?.variants.map((v) => [v.key, v.status, v.epochs.length]))})`);
  }

  function checkCompleted(dir: string, keys: string[], epochs: number): ExperimentRecord {
    const r = record(dir);
    assert.ok(r !== undefined, `no experiment.json in ${dir}`);
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.variants.map((v) => v.key), keys);
    for (const v of r.variants) {
      assert.equal(v.status, 'completed', `${v.key} ${v.status}`);
      assert.ok(v.runDir !== null && existsSync(v.runDir), `${v.key} has a run folder`);
      assert.ok(!relative(runsFolder(), v.runDir).startsWith('..'), `${v.runDir} is a run of the runs folder`);
      const s = summary(v.runDir);
      assert.equal(s?.status, 'completed');
      assert.equal(s?.epochsCompleted, epochs);
      assert.ok(s?.testAcc !== null && s?.testAcc !== undefined);
    }
    return r;
  }

  it('Compare Dropout Placements trains none, after flatten and after every conv block, and shows the comparison', async () => {
    const before = new Set(experiments());
    const dir = await vscode.commands.executeCommand<unknown>('cnnLab.compareDropout',
      { uri: fixture('models', 'small-mnist.cnn.yaml'), epochs: 2, maxTrainSamples: 256, maxTestSamples: 200 });
    assert.equal(typeof dir, 'string', `compareDropout resolved with ${JSON.stringify(dir)}`);
    const experimentDir = dir as string;
    assert.ok(!before.has(experimentDir) && experiments().includes(experimentDir), `${experimentDir} is a new experiment of the runs folder`);
    const r = checkCompleted(experimentDir, ['none', 'afterFlatten', 'afterEveryConvBlock'], 2);
    assert.deepEqual(r.variants.map((v) => v.name), ['small-mnist-no-dropout', 'small-mnist-dropout-flatten', 'small-mnist-dropout-blocks']);
    assert.equal(r.settings.maxTrainSamples, 256);

    // The comparison panel is open and shows each variant's two epochs and test accuracy.
    assert.ok(allTabs().some((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Compare Dropout Placements: small-mnist'),
      `tabs: ${allTabs().map((t) => t.label).join(', ')}`);
    const state = await shown(experimentDir, (s) => s.status === 'completed' && s.variants.every((v) => v.epochs.length === 2), 'the finished comparison');
    for (const v of state.variants) assert.equal(v.testAcc, summary(v.runDir ?? '')?.testAcc);

    // Open Comparison on the finished experiment (as the Runs view does) reveals that panel.
    assert.equal(await vscode.commands.executeCommand('cnnLab.openComparison', experimentDir), experimentDir);
  });

  it('Compare Colour and Grayscale trains the shapes model on RGB and on grayscale', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const uri = await writeScratchModel('shapes-compare.cnn.yaml', readFileSync(join(ext.extensionPath, 'examples', 'shapes-rgb.cnn.yaml'), 'utf8'));
    const dir = await vscode.commands.executeCommand<unknown>('cnnLab.compareColour', { uri, epochs: 1, maxTrainSamples: 256, maxTestSamples: 200 });
    assert.equal(typeof dir, 'string', `compareColour resolved with ${JSON.stringify(dir)}`);
    const r = checkCompleted(dir as string, ['rgb', 'grayscale'], 1);
    const [rgb, gray] = r.variants;
    assert.ok(rgb !== undefined && gray !== undefined);
    assert.deepEqual([rgb.inputShape[2], gray.inputShape[2]], [3, 1]);
    assert.ok(rgb.totalParams > gray.totalParams && rgb.totalMacs > gray.totalMacs);
    const state = await shown(dir as string, (s) => s.status === 'completed' && s.variants.every((v) => v.epochs.length === 1), 'the finished colour comparison');
    assert.ok(state.variants.every((v) => v.epochs[0] !== undefined && v.epochs[0].durationSec > 0), 'seconds per epoch are known');
  });

  it('Compare Colour and Grayscale refuses MNIST and trains nothing', async () => {
    const before = experiments().length;
    const result = await vscode.commands.executeCommand<unknown>('cnnLab.compareColour', { uri: fixture('models', 'small-mnist.cnn.yaml'), epochs: 1 });
    assert.equal(result, undefined);
    assert.equal(experiments().length, before, 'no experiment recorded');
    // The refusal points at the data set: the editor selects it.
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor !== undefined && editor.document.uri.fsPath.endsWith('small-mnist.cnn.yaml'));
    assert.equal(editor.document.getText(editor.selection), 'mnist');
  });

  it('Stop Training in a comparison stops it with the run kept; Resume Experiment continues that run and trains the rest', async () => {
    const before = new Set(experiments());
    // Enough samples that the first variant's second epoch lasts long after its first batch is logged.
    const comparing = Promise.resolve(vscode.commands.executeCommand<unknown>('cnnLab.compareDropout',
      { uri: fixture('models', 'small-mnist.cnn.yaml'), epochs: 2, maxTrainSamples: 6000, maxTestSamples: 200 }));
    let settled = false;
    void comparing.then(() => { settled = true; }, () => { settled = true; });
    const { dir, runDir } = await pollUntil(() => {
      if (settled) throw new Error('the comparison ended before its first variant reached epoch 2');
      const d = experiments().find((e) => !before.has(e));
      const first = d !== undefined ? record(d)?.variants[0]?.runDir : null;
      return d !== undefined && first && metrics(first).some((m) => m.kind === 'batch' && m.epoch === 2) ? { dir: d, runDir: first } : undefined;
    }, 180_000, 'a batch of epoch 2 of the first variant');
    await vscode.commands.executeCommand('cnnLab.stopTraining');
    assert.equal(await comparing, dir);
    const stopped = record(dir);
    assert.equal(stopped?.status, 'stopped');
    assert.deepEqual(stopped?.variants.map((v) => v.status), ['stopped', 'pending', 'pending']);
    assert.equal(summary(runDir)?.epochsCompleted, 1);
    await shown(dir, (s) => s.status === 'stopped' && s.resumable, 'the stopped comparison, resumable');

    assert.equal(await vscode.commands.executeCommand<unknown>('cnnLab.resumeExperiment', dir), dir);
    const r = checkCompleted(dir, ['none', 'afterFlatten', 'afterEveryConvBlock'], 2);
    assert.equal(r.variants[0]?.runDir, runDir, 'the stopped variant continued in its own run folder');
    assert.deepEqual(metrics(runDir).filter((m) => m.kind === 'epoch').map((m) => m.epoch), [1, 2], 'from the checkpoint of epoch 1');
  });
});
