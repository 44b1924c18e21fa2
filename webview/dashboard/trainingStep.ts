/**
 * The dashboard's "Training step" fact, under Backend: whether the run's steps take the direct
 * TensorFlow path, fall back to trainOnBatch because a layer has no native pass (a warning, with
 * what it costs), or run trainOnBatch as the wasm or cpu backend's own path (a plain fact).
 */
import * as l10n from '@vscode/l10n';
import type { TrainingStep } from '../../src/shared/trainerProtocol';

/** What the fact shows: its text, a tooltip with the detail, and whether it warns. */
interface TrainingStepFact {
  readonly text: string;
  readonly detail: string;
  readonly warn: boolean;
}

export function trainingStepFact(step: TrainingStep | null): TrainingStepFact {
  if (step === null) return { text: '–', detail: '', warn: false };
  switch (step.kind) {
    case 'direct':
      return { text: l10n.t('direct TensorFlow step'), detail: step.kernels.join('; '), warn: false };
    case 'fallback':
      return {
        text: step.layerIndex !== null
          ? l10n.t('trainOnBatch — layer {0} ({1}) has no native pass, about 3–6× slower per step', step.layerIndex + 1, step.layerName ?? '?')
          : l10n.t('trainOnBatch — the direct TensorFlow step could not be set up, about 3–6× slower per step'),
        detail: step.reason,
        warn: true,
      };
    case 'backendPath':
      return { text: l10n.t("trainOnBatch, the {0} backend's training path", step.backend), detail: '', warn: false };
  }
}
