/**
 * A trainer killed under the extension (the process-level kills of the extension host itself are
 * test/process/cli/kills.test.ts, `host+trainer` mode): SIGKILL of the trainer in epoch 2 ends the
 * run as interrupted (the extension marks the folder, as the trainer could not), the folder keeps
 * epoch 1's checkpoint and says so through the shared resume plan the Runs view and the
 * notification read, and Resume Run finishes it from there.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { describeResume, readResumePlan } from '../../../src/host/runStore';
import type { CnnLabApi } from '../../../src/extension/main';
import { EXTENSION_ID, pollUntil, workspaceRoot } from './util';

interface Summary { status: string; pid: number; epochsCompleted: number; totalEpochs: number }

function runsFolder(): string {
  const configured = vscode.workspace.getConfiguration('cnnLab').get<string>('runs.folder') ?? '.cnn-lab/runs';
  return isAbsolute(configured) ? configured : join(workspaceRoot().fsPath, configured);
}

function runDirs(): string[] {
  const root = runsFolder();
  return existsSync(root) ? readdirSync(root).map((d) => join(root, d)).filter((d) => statSync(d).isDirectory()) : [];
}

function readJson<T>(file: string): T | undefined {
  try { return JSON.parse(readFileSync(file, 'utf8')) as T; } catch { return undefined; } // absent, or being written
}

function epochLines(runDir: string): { kind: string; epoch: number }[] {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try { return [JSON.parse(l) as { kind: string; epoch: number }]; } catch { return []; }
  });
}

describe('a trainer killed under the extension', function () {
  this.timeout(300_000);

  it('SIGKILL of the trainer in epoch 2: the run is interrupted, resumable after epoch 1, and Resume Run completes it', async () => {
    const api = await vscode.extensions.getExtension<CnnLabApi>(EXTENSION_ID)?.activate();
    const before = new Set(runDirs());
    const training = Promise.resolve(vscode.commands.executeCommand<unknown>('cnnLab.trainMnist', { epochs: 2, maxTrainSamples: 8000 }));
    let settled = false;
    void training.then(() => { settled = true; }, () => { settled = true; });
    const { runDir, pid } = await pollUntil(() => {
      if (settled) throw new Error('training ended before epoch 2 began');
      for (const d of runDirs()) {
        if (before.has(d)) continue;
        const summary = readJson<Summary>(join(d, 'summary.json'));
        const inEpoch2 = epochLines(d).some((m) => m.kind === 'batch' && m.epoch === 2);
        if (summary?.status === 'running' && inEpoch2) return { runDir: d, pid: summary.pid };
      }
      return undefined;
    }, 180_000, 'a batch of epoch 2 in the new run');

    process.kill(pid, 'SIGKILL');
    assert.equal(await training, runDir, 'trainMnist should resolve with the killed run\'s folder');
    assert.equal(api?.activeRunDir(), undefined, 'no run should be active after the kill');
    const summary = readJson<Summary>(join(runDir, 'summary.json'));
    assert.equal(summary?.status, 'interrupted', 'the extension marks the killed run interrupted');
    assert.equal(summary?.epochsCompleted, 1);
    const { plan, entry } = await readResumePlan(runDir);
    assert.deepEqual(plan, { resumable: true, fromCheckpoint: 1 }, describeResume(plan, entry.totalEpochs));

    assert.equal(await vscode.commands.executeCommand<unknown>('cnnLab.resumeRun', runDir), runDir);
    const resumed = readJson<Summary>(join(runDir, 'summary.json'));
    assert.equal(resumed?.status, 'completed', `the resumed run ended ${String(resumed?.status)}`);
    assert.equal(resumed?.epochsCompleted, 2);
    assert.deepEqual(epochLines(runDir).filter((m) => m.kind === 'epoch').map((m) => m.epoch), [1, 2]);
  });
});
