/**
 * Inspection of a run that no trainer serves any more (`StartRequest.mode: 'inspect'`): the model
 * rebuilt from the run's spec, its trained weights loaded (final/, else the last complete
 * checkpoint), and feature maps computed on demand for any test sample (and, through its
 * `Inspector`, for the user's own images, with explanations and saliency). Read-only by design: the
 * dashboard opens finished runs this way, and looking at a run must never change it, so nothing
 * here writes to the run folder (no summary, metrics, temp files or checkpoints).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TypedModelSpec } from '../core/index';
import type { ModelSummary } from '../shared/modelSpec';
import type { DoneMessage, FeatureMapsMessage, RunSummary } from '../shared/trainerProtocol';
import { CnnLabError } from '../shared/errors';
import { Inspector, activationModel, featureLayerIndices } from './inspect';
import { buildModel } from './model';
import { RUN_FILES, checkpointDir, listCheckpoints, readModelDir, readSummary, restoreModelDir, type ModelDir } from './runFolder';
import type { PreparedData } from './train';

/** Where the inspected weights came from. */
export type WeightsSource = { readonly kind: 'final' } | { readonly kind: 'checkpoint'; readonly epoch: number };

export interface Inspection {
  readonly weights: WeightsSource;
  /** The epoch the weights belong to, as `featureMaps.epoch` reports it. */
  readonly epoch: number;
  /** Feature maps of test sample `sampleIndex` (clamped to the test set). */
  featureMaps(sampleIndex: number): FeatureMapsMessage;
  /** Answers `inspectRequest`s (own images, explanations, saliency) on the same weights. */
  readonly inspector: Inspector;
  /** The `done` this session ends with: the run's recorded status, untouched. */
  done(): DoneMessage;
  dispose(): void;
}

/**
 * The run's status as `done` can carry it. `done` has no `running`: a summary that still says so
 * belongs to a trainer that died without finishing (the run store reports it as `interrupted` too),
 * and so does a folder without a readable summary.
 */
function recordedStatus(summary: RunSummary | null): DoneMessage['status'] {
  return summary && summary.status !== 'running' ? summary.status : 'interrupted';
}

/**
 * Opens a run for inspection. Throws CnnLabError `E_RUN_NOT_RESUMABLE` when the folder has no
 * loadable weights, `E_MODEL_INVALID` when the weights do not fit the model spec.
 */
export async function openInspection(o: {
  readonly runDir: string;
  readonly spec: TypedModelSpec;
  readonly summary: ModelSummary;
  readonly data: PreparedData;
}): Promise<Inspection> {
  const { runDir, spec, data } = o;
  if (!fs.existsSync(runDir)) {
    throw new CnnLabError('E_RUN_NOT_RESUMABLE', `The run folder ${runDir} does not exist.`, 'Pick a run from the runs list.');
  }
  const recorded = readSummary(runDir);
  let weights: WeightsSource;
  let saved: ModelDir | null = readModelDir(path.join(runDir, RUN_FILES.final));
  let epoch: number;
  if (saved) {
    weights = { kind: 'final' };
    epoch = recorded?.epochsCompleted ?? listCheckpoints(runDir).at(-1) ?? 0;
  } else {
    const last = listCheckpoints(runDir).at(-1);
    saved = last !== undefined ? readModelDir(checkpointDir(runDir, last)) : null;
    if (last === undefined || !saved) {
      throw new CnnLabError('E_RUN_NOT_RESUMABLE',
        `The run ${path.basename(runDir)} has no trained weights yet (no final/ folder and no complete checkpoint).`,
        'Let the run finish at least one epoch, or train it again.');
    }
    weights = { kind: 'checkpoint', epoch: last };
    epoch = last;
  }

  const names = o.summary.layers.map((l) => l.name);
  const built = buildModel(spec, names.length === spec.layers.length ? names : undefined);
  try {
    await restoreModelDir(saved, built.model, null);
  } catch (err) {
    built.model.dispose();
    if (err instanceof CnnLabError && err.code === 'E_RUN_NOT_RESUMABLE') {
      throw new CnnLabError('E_MODEL_INVALID', `The run's weights do not fit its model file: ${err.message}`,
        "The run's model.cnn.yaml was changed after training; train the model again.");
    }
    throw err;
  }
  const featIdx = featureLayerIndices(spec.layers);
  const actModel = activationModel(built.model, featIdx);
  const clamp = (i: number): number => Math.min(Math.max(0, i), Math.max(0, data.test.count - 1));
  const inspector = new Inspector({
    model: built.model, actModel, layerIndices: featIdx, names: built.names, layers: spec.layers, test: data.test, shape: data.shape,
  }, epoch);

  return {
    weights,
    epoch,
    inspector,
    featureMaps: (sampleIndex) => {
      if (data.test.count === 0) {
        throw new CnnLabError('E_DATASET_UNAVAILABLE', `The ${data.name} data set has no test samples to inspect.`);
      }
      return inspector.featureMaps({ kind: 'test', index: clamp(sampleIndex) });
    },
    done: () => ({
      type: 'done',
      status: recordedStatus(recorded),
      runDir,
      epochsCompleted: recorded?.epochsCompleted ?? epoch,
      testAcc: recorded?.testAcc ?? null,
      durationSec: recorded?.durationSec ?? 0,
    }),
    // The activation model shares the trained layers; disposing the model frees their weights.
    dispose: () => built.model.dispose(),
  };
}
