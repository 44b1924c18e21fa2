/**
 * A stand-in for the extension host, for the kill harness's `host+trainer` mode (killHarness.ts):
 * it starts a run the way src/extension/trainingService.ts does (the same `extensionRunOptions`
 * and `extensionLaunchOptions` from src/host/extensionRun.ts: the trainer forked on this process's
 * own Node, in this process's group, ended by its watchdog when this process dies), resumes one the
 * way the Resume Run command does, and lists runs the way the Runs view reads them. Built by
 * `KillCampaign.build()` into one bundle, as dist/extension.js is.
 *
 *   node stand-in.js train MODEL_FILE RUNS_ROOT SETTINGS_JSON
 *   node stand-in.js resume RUN_DIR SETTINGS_JSON
 *   node stand-in.js list RUNS_ROOT
 *
 * SETTINGS_JSON: the `cnnLab.*` settings over the defaults (CnnLabSettings). Writes JSON lines:
 * `{type:'trainerPid'}` as soon as the trainer is forked, every trainer message the extension would
 * relay (as `cnn-lab train --json` prints them), for `resume` first `{type:'resuming', plan, note}`
 * (what Resume Run acts on), and at the end the run's `done` with what resuming the folder would
 * do (the notification the extension shows). `list`: one line per run, with its resume note.
 * Exit 0 when the run completed, 2 otherwise, 1 when the run could not start.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText, applyOverrides } from '../../../src/core/index';
import { extensionLaunchOptions, extensionRunOptions, type ExtensionRunRequest } from '../../../src/host/extensionRun';
import { nativeEnvForTrainer } from '../../../src/host/native/shared';
import { RunSession, type ApplyModelOverrides } from '../../../src/host/runSession';
import { describeResume, listRuns, readResumePlan, readRun } from '../../../src/host/runStore';
import type { ModelSpec } from '../../../src/shared/modelSpec';
import { DEFAULT_SETTINGS, type CnnLabSettings } from '../../../src/shared/settings';

/** The repository root: the extension's folder in a checkout (dist/trainer.js under it). */
const EXTENSION_PATH = process.env.CNN_LAB_EXTENSION_PATH ?? path.resolve(__dirname, '../../..');

const out = (v: unknown): void => { process.stdout.write(`${JSON.stringify(v)}\n`); };

function settingsOf(json: string | undefined): CnnLabSettings {
  return { ...DEFAULT_SETTINGS, ...(json !== undefined ? JSON.parse(json) as Partial<CnnLabSettings> : {}) };
}

function analyze(text: string): ModelSpec {
  const analysis = analyzeModelText(text);
  if (analysis.spec === null) throw new Error(`the model does not validate: ${analysis.diagnostics.map((d) => d.message).join('; ')}`);
  return analysis.spec;
}

/** TrainingService's override step, in English (the extension's is in the user's language). */
const overridesFor = (spec: ModelSpec): ApplyModelOverrides => (text, overrides) => {
  const edited = applyOverrides(text, overrides, { dataset: spec.dataset, grayscale: spec.grayscale });
  return { modelText: edited, spec: analyze(edited) };
};

/** TrainingService.start, less the views: the session, every message relayed, the end told. */
async function run(req: ExtensionRunRequest, s: CnnLabSettings): Promise<number> {
  const trainerPath = path.join(EXTENSION_PATH, 'dist', 'trainer.js');
  // The extension's NativeBackend: nothing in a checkout (the trainer finds the addon npm built), else the set-up's addon.
  const nativeEnv = await nativeEnvForTrainer(trainerPath);
  const session = RunSession.start(extensionRunOptions(req, s, {
    applyOverrides: overridesFor(req.spec),
    dataDir: s.dataCacheDir,
    launch: extensionLaunchOptions(s, { extensionPath: EXTENSION_PATH, nativeEnv, log: (line) => process.stderr.write(`${line}\n`) }, '[trainer]'),
  }));
  out({ type: 'trainerPid', pid: session.client.pid ?? null, runDir: session.runDir });
  session.onMessage((m) => {
    if (m.type === 'featureMaps' || m.type === 'filters' || m.type === 'pong' || m.type === 'done') return;
    out(m);
  });
  const { done, discarded, failure, resume } = await session.ended;
  await Promise.race([session.exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
  // What TrainingService.finish tells: removed, or what Resume Run will do with the folder.
  out({
    ...done, runDir: discarded ? null : session.runDir, ...(failure !== undefined ? { failure } : {}),
    ...(resume !== null ? { resume: resume.plan, resumeNote: resume.note } : {}),
  });
  return done.status === 'completed' ? 0 : 2;
}

/** The Resume Run command (src/extension/commands/training.ts): the shared plan, then TrainingService.start. */
async function resume(runDir: string, s: CnnLabSettings): Promise<number> {
  const data = await readRun(runDir);
  const { plan } = await readResumePlan(runDir);
  const total = data.entry.totalEpochs ?? 0;
  out({ type: 'resuming', plan, note: describeResume(plan, data.entry.totalEpochs) });
  if (!plan.resumable || data.modelText === null) return 1;
  return run({
    spec: analyze(data.modelText), modelText: data.modelText, modelDir: path.dirname(runDir),
    runsRoot: path.dirname(runDir), resumeDir: runDir, epochs: total,
    ...(data.summary?.backend !== undefined ? { backend: data.summary.backend } : {}),
  }, s);
}

async function main(): Promise<number> {
  const [command, a, b, c] = process.argv.slice(2);
  if (command === 'train' && a !== undefined && b !== undefined) {
    const modelText = readFileSync(a, 'utf8');
    return run({ spec: analyze(modelText), modelText, modelDir: path.dirname(path.resolve(a)), runsRoot: path.resolve(b) }, settingsOf(c));
  }
  if (command === 'resume' && a !== undefined) return resume(path.resolve(a), settingsOf(b));
  if (command === 'list' && a !== undefined) {
    // The Runs view after a reload: every folder, with what Resume Run would do.
    for (const e of await listRuns(path.resolve(a))) {
      out({ runId: e.runId, dir: e.dir, status: e.status, resume: e.resume, resumeNote: describeResume(e.resume, e.totalEpochs) });
    }
    return 0;
  }
  process.stderr.write('usage: stand-in.js train MODEL RUNS_ROOT [SETTINGS_JSON] | resume RUN_DIR [SETTINGS_JSON] | list RUNS_ROOT\n');
  return 1;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`stand-in: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
