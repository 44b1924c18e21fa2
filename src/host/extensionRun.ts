/**
 * How the extension starts a run, without vscode: the launch options of the trainer it forks (its
 * bundle inside the extension's folder, VS Code's own runtime unless `cnnLab.trainer.nodePath` is
 * set, the native backend's environment, its output to the log) and the `RunSession` options a
 * request and the settings give. src/extension/trainingService.ts calls both, and so does the kill
 * harness's stand-in for the extension host (test/process/cli/extensionHostStandIn.ts), so that the
 * runs it kills are started exactly as the extension starts them.
 */
import * as path from 'node:path';
import type { ModelSpec } from '../shared/modelSpec';
import type { CnnLabSettings } from '../shared/settings';
import type { BackendChoice } from '../shared/trainerProtocol';
import type { ApplyModelOverrides, RunSessionOptions } from './runSession';
import type { TrainerLaunchOptions } from './trainerClient';
import { trainerOutputLevel, type OutputLevel } from './trainerOutput';

/** What the extension's commands ask for: one new run, or the resume of a run folder. */
export interface ExtensionRunRequest {
  readonly spec: ModelSpec;
  readonly modelText: string;
  readonly modelDir: string;
  /** Folder that holds run folders. */
  readonly runsRoot: string;
  /** Continue this run folder from its last checkpoint instead of creating a new one. */
  readonly resumeDir?: string;
  readonly epochs?: number;
  readonly maxTrainSamples?: number;
  /** Test samples evaluated at most (quick runs); absent: all. */
  readonly maxTestSamples?: number;
  readonly backend?: BackendChoice;
}

export interface ExtensionLaunchContext {
  /** The extension's folder: `dist/trainer.js` under it is forked. */
  readonly extensionPath: string;
  /** Added to the host's environment for the trainer (the native backend's addon, when set up). */
  readonly nativeEnv: NodeJS.ProcessEnv;
  /** Each line the trainer writes to stdout or stderr, prefixed, with how loud it is (the extension's log channel). */
  readonly log: (line: string, level: OutputLevel) => void;
}

/**
 * How the extension forks the trainer. No `execPath` unless a Node is configured: the client then
 * runs the trainer on the host's own runtime (Electron with ELECTRON_RUN_AS_NODE under VS Code). No
 * process group of its own: the trainer's watchdog (IPC disconnect, parent pid, pings) ends it when
 * the extension host goes away.
 */
export function extensionLaunchOptions(s: CnnLabSettings, c: ExtensionLaunchContext, logPrefix: string): TrainerLaunchOptions {
  return {
    trainerPath: path.join(c.extensionPath, 'dist', 'trainer.js'),
    ...(s.trainerNodePath !== '' ? { execPath: s.trainerNodePath } : {}),
    env: { ...process.env, ...c.nativeEnv },
    onStderr: (line) => c.log(`${logPrefix} ${line}`, trainerOutputLevel(line)),
    onStdout: (line) => c.log(`${logPrefix} ${line}`, trainerOutputLevel(line)),
  };
}

/**
 * The session options of an extension run. The epochs: the request's, else the setting (when set),
 * else the model's. A new run takes the sample cap and backend from the settings; a resume keeps
 * what its folder recorded (RunSession reads run.json), unless the request names them.
 */
export function extensionRunOptions(
  req: ExtensionRunRequest,
  s: CnnLabSettings,
  o: { readonly applyOverrides: ApplyModelOverrides; readonly dataDir: string; readonly launch: TrainerLaunchOptions },
): RunSessionOptions {
  const resuming = req.resumeDir !== undefined;
  const epochs = req.epochs ?? (s.epochs > 0 ? s.epochs : req.spec.train.epochs);
  const maxTrainSamples = req.maxTrainSamples ?? (!resuming && s.maxTrainSamples > 0 ? s.maxTrainSamples : undefined);
  const backend = req.backend ?? (resuming ? undefined : s.backend);
  return {
    modelText: req.modelText, spec: req.spec, modelDir: req.modelDir, runsRoot: req.runsRoot,
    ...(req.resumeDir !== undefined ? { resumeDir: req.resumeDir } : {}),
    overrides: {
      epochs,
      ...(maxTrainSamples !== undefined ? { maxTrainSamples } : {}),
      ...(req.maxTestSamples !== undefined ? { maxTestSamples: req.maxTestSamples } : {}),
      ...(backend !== undefined ? { backend } : {}),
    },
    applyOverrides: o.applyOverrides,
    dataDir: o.dataDir,
    mirrors: s.mnistMirrors,
    launch: o.launch,
  };
}
