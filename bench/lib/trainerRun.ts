/**
 * One run of CNN Lab's own trainer (dist/trainer.js, forked through the host library exactly as
 * the extension and the CLI fork it), with what the benchmark reads off it: samples/s and tensor
 * count per epoch, the training step it used, and the process's peak resident memory.
 */
import * as path from 'node:path';
import { TrainerClient } from '../../src/host/trainerClient';
import type { ModelSpec } from '../../src/shared/modelSpec';
import type { BackendName, DoneMessage, EpochEndMessage, EvaluationMessage, TrainerMessage } from '../../src/shared/trainerProtocol';
import { ROOT, peakRssMiB } from './common';
import { OFFLINE_MIRRORS, dataDir } from './data';

export const TRAINER_BUNDLE = path.join(ROOT, 'dist', 'trainer.js');

export interface TrainerRunOptions {
  readonly spec: ModelSpec;
  readonly modelText: string;
  readonly runDir: string;
  readonly backend: BackendName;
  readonly maxTrainSamples?: number;
  readonly maxTestSamples?: number;
  readonly mirrors?: readonly string[];
  /** Extra environment for the trainer (thread counts). */
  readonly env?: NodeJS.ProcessEnv;
  readonly onMessage?: (m: TrainerMessage) => void;
}

export interface TrainerRunResult {
  readonly done: DoneMessage;
  readonly backendDetail: string;
  readonly datasetSource: string;
  readonly trainCount: number;
  /** The trainer's log line naming its training step (native ops or trainOnBatch), if any. */
  readonly stepMode: string | null;
  readonly epochs: readonly EpochEndMessage[];
  readonly evaluation: EvaluationMessage | null;
  readonly peakRssMiB: number | null;
  readonly stderrTail: string;
}

export async function runTrainer(o: TrainerRunOptions): Promise<TrainerRunResult> {
  const stderr: string[] = [];
  const client = TrainerClient.launch({
    runDir: o.runDir, spec: o.spec, modelText: o.modelText, modelDir: ROOT, backend: o.backend,
    dataDir: dataDir(), resume: false, mirrors: [...(o.mirrors ?? OFFLINE_MIRRORS)],
    ...(o.maxTrainSamples ? { maxTrainSamples: o.maxTrainSamples } : {}),
    ...(o.maxTestSamples ? { maxTestSamples: o.maxTestSamples } : {}),
    batchIntervalMs: 1000,
  }, {
    trainerPath: TRAINER_BUNDLE,
    env: { ...process.env, ...o.env },
    onStderr: (line) => { stderr.push(line); if (stderr.length > 40) stderr.shift(); },
    unresponsiveAfterMs: 600_000,
  });
  let backendDetail = '';
  let datasetSource = '';
  let trainCount = 0;
  let stepMode: string | null = null;
  const epochs: EpochEndMessage[] = [];
  let evaluation: EvaluationMessage | null = null;
  let rss: number | null = null;
  const poll = setInterval(() => {
    const pid = client.pid;
    const v = pid !== undefined ? peakRssMiB(pid) : null;
    if (v !== null) rss = Math.max(rss ?? 0, v);
  }, 200);
  client.onMessage((m) => {
    o.onMessage?.(m);
    switch (m.type) {
      case 'backend': backendDetail = m.detail; break;
      case 'dataset': datasetSource = m.source; trainCount = m.trainCount; break;
      case 'log': if (m.message.startsWith('Training step:')) stepMode = m.message; break;
      case 'epochEnd': {
        epochs.push(m);
        const pid = client.pid;
        const v = pid !== undefined ? peakRssMiB(pid) : null;
        if (v !== null) rss = Math.max(rss ?? 0, v);
        break;
      }
      case 'evaluation': evaluation = m; break;
      default: break;
    }
  });
  const done = await client.done;
  await client.exited;
  clearInterval(poll);
  client.dispose();
  if (done.status !== 'completed') {
    const why = client.failure ? `${client.failure.code}: ${client.failure.message}` : done.status;
    throw new Error(`trainer run ${o.runDir} ended ${done.status} (${why})\n${stderr.join('\n')}`);
  }
  return { done, backendDetail, datasetSource, trainCount, stepMode, epochs, evaluation, peakRssMiB: rss, stderrTail: stderr.join('\n') };
}
