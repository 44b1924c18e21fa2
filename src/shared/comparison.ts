/**
 * An experiment's comparison (its variants' epoch curves, test accuracy, size and speed), the
 * numbers its tables show, and the host ⇄ comparison webview protocol. The host builds a
 * `ComparisonState` from experiment.json and the variants' run folders (src/host/experiment.ts);
 * the webview panel and the CLI's `cnn-lab compare` table the same numbers from it.
 *
 * Flow: the page sends `ready`; the host answers with the whole state, and sends it again after
 * every change (an epoch of the variant training, a variant ending): a state is a few hundred
 * numbers, so there are no numbered appends as in the dashboard.
 */
import {
  EXPERIMENT_KINDS, EXPERIMENT_STATUSES, VARIANT_KEYS, VARIANT_STATUSES, type ExperimentKind, type ExperimentStatus, type VariantKey, type VariantStatus,
} from './experimentFiles';
import { isNat, isNum, isNumOrNull, isObj, isOneOf, isStr } from './guards';
import type { EpochEndMessage } from './trainerProtocol';
import type { L10nContents } from './webviewProtocol';

/**
 * One epoch of a variant's run: the trainer's `epochEnd` as its `metrics.jsonl` epoch record keeps
 * it (training loss and accuracy are means over the epoch's batches, dropout active; validation null
 * without a split).
 */
export type ComparisonEpoch = Pick<EpochEndMessage, 'epoch' | 'loss' | 'acc' | 'valLoss' | 'valAcc' | 'durationSec'>;

/** One variant as the comparison shows it. */
export interface ComparisonVariant {
  readonly key: VariantKey;
  /** The variant's model name (its runs' name in the Runs view). */
  readonly name: string;
  readonly runDir: string | null;
  readonly status: VariantStatus;
  readonly totalParams: number;
  /** Multiply-accumulates per sample in the forward pass. */
  readonly totalMacs: number;
  readonly inputShape: readonly number[];
  /** Completed epochs in order, one per epoch number. */
  readonly epochs: readonly ComparisonEpoch[];
  /** Epochs the run trains; null before it started. */
  readonly totalEpochs: number | null;
  /** Test-set accuracy once evaluated, else null. */
  readonly testAcc: number | null;
  readonly testLoss: number | null;
  /** The backend the run trained on (seconds per epoch compare only on the same one). */
  readonly backend: string | null;
}

/** Everything the comparison panel draws. */
export interface ComparisonState {
  readonly experimentDir: string;
  readonly kind: ExperimentKind;
  /** The model's name. */
  readonly name: string;
  readonly status: ExperimentStatus;
  readonly createdAt: string;
  readonly variants: readonly ComparisonVariant[];
  /** Index of the variant training now, else null. */
  readonly current: number | null;
  /** Resume Experiment would continue it (stopped, failed or interrupted). */
  readonly resumable: boolean;
}

// ---------------------------------------------------------------- the numbers of the tables

/** The overfitting gap of one epoch: training minus validation accuracy, validation minus training loss. */
export interface EpochGap {
  readonly acc: number;
  readonly valAcc: number;
  /** `acc − valAcc` (fractions: 0.05 is 5 percentage points). */
  readonly accGap: number;
  readonly loss: number;
  readonly valLoss: number;
  /** `valLoss − loss`. */
  readonly lossGap: number;
}

/** The gap of one epoch, or null when the epoch has no validation numbers (no validation split). */
export function epochGap(e: ComparisonEpoch): EpochGap | null {
  if (e.valAcc === null || e.valLoss === null) return null;
  return { acc: e.acc, valAcc: e.valAcc, accGap: e.acc - e.valAcc, loss: e.loss, valLoss: e.valLoss, lossGap: e.valLoss - e.loss };
}

/** One row of the gap table: an epoch, and each variant's gap at it (null: not trained yet). */
export interface GapRow {
  readonly epoch: number;
  readonly gaps: readonly (EpochGap | null)[];
}

/** The train/validation gap at each epoch, per variant (columns in the variants' order). */
export function gapTable(variants: readonly Pick<ComparisonVariant, 'epochs'>[]): GapRow[] {
  const last = Math.max(0, ...variants.flatMap((v) => v.epochs.map((e) => e.epoch)));
  return Array.from({ length: last }, (_, i) => {
    const epoch = i + 1;
    return { epoch, gaps: variants.map((v) => { const e = v.epochs.find((x) => x.epoch === epoch); return e === undefined ? null : epochGap(e); }) };
  });
}

/** One variant's row of a result table. */
export interface VariantResult {
  readonly key: VariantKey;
  readonly name: string;
  readonly status: VariantStatus;
  /** Input channels (3 colour, 1 grayscale). */
  readonly channels: number;
  readonly totalParams: number;
  readonly totalMacs: number;
  readonly epochsCompleted: number;
  /** Mean seconds per completed epoch; null before the first. */
  readonly secPerEpoch: number | null;
  /** The last epoch's numbers and gap; null before the first epoch. */
  readonly last: ComparisonEpoch | null;
  readonly lastGap: EpochGap | null;
  /** Best validation accuracy over the epochs. */
  readonly bestValAcc: number | null;
  readonly testAcc: number | null;
}

/** The result table: one row per variant, in order. */
export function variantResults(variants: readonly ComparisonVariant[]): VariantResult[] {
  return variants.map((v) => {
    const last = v.epochs[v.epochs.length - 1] ?? null;
    const valAccs = v.epochs.map((e) => e.valAcc).filter((a): a is number => a !== null);
    return {
      key: v.key, name: v.name, status: v.status, channels: v.inputShape[2] ?? 1,
      totalParams: v.totalParams, totalMacs: v.totalMacs, epochsCompleted: v.epochs.length,
      secPerEpoch: v.epochs.length === 0 ? null : v.epochs.reduce((s, e) => s + e.durationSec, 0) / v.epochs.length,
      last, lastGap: last === null ? null : epochGap(last),
      bestValAcc: valAccs.length === 0 ? null : Math.max(...valAccs),
      testAcc: v.testAcc,
    };
  });
}

/**
 * Epoch records as the comparison uses them: one per epoch number, the last written winning (a
 * resumed run that trains an epoch again after a kill writes it twice), in epoch order.
 */
export function epochsOfRecords(records: readonly ({ readonly kind: string } & Partial<ComparisonEpoch>)[]): ComparisonEpoch[] {
  const byEpoch = new Map<number, ComparisonEpoch>();
  for (const r of records) {
    if (r.kind !== 'epoch' || r.epoch === undefined || r.loss === undefined || r.acc === undefined || r.durationSec === undefined) continue;
    byEpoch.set(r.epoch, { epoch: r.epoch, loss: r.loss, acc: r.acc, valLoss: r.valLoss ?? null, valAcc: r.valAcc ?? null, durationSec: r.durationSec });
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

// ---------------------------------------------------------------- host ⇄ comparison webview

/** Host → page: the whole comparison, on `ready` and after every change. */
export interface ComparisonStateMessage {
  readonly type: 'comparisonState';
  readonly state: ComparisonState;
  /** Translated strings for `@vscode/l10n` in the page; null = English. */
  readonly l10n: L10nContents;
}
export type HostToComparisonMessage = ComparisonStateMessage;

/** Page → host: loaded, send the state. */
export interface ComparisonReadyMessage { readonly type: 'ready' }
/** Page → host: open a variant's dashboard (a run folder of this experiment). */
export interface OpenVariantRunMessage { readonly type: 'openRun'; readonly runDir: string }
/** Page → host: stop the experiment (its current run stops after its batch, with a checkpoint). */
export interface StopExperimentMessage { readonly type: 'stopExperiment' }
/** Page → host: continue the stopped experiment. */
export interface ResumeExperimentMessage { readonly type: 'resumeExperiment' }
/** Page → host: an uncaught error in the page, for the log. */
export interface ComparisonErrorMessage { readonly type: 'webviewError'; readonly message: string }
export type ComparisonToHostMessage =
  | ComparisonReadyMessage | OpenVariantRunMessage | StopExperimentMessage | ResumeExperimentMessage | ComparisonErrorMessage;

/** Longest string the page may send. */
const MAX_PAGE_STRING = 10_000;

function isEpoch(v: unknown): v is ComparisonEpoch {
  return isObj(v) && isNat(v.epoch) && isNum(v.loss) && isNum(v.acc) && isNumOrNull(v.valLoss) && isNumOrNull(v.valAcc) && isNum(v.durationSec);
}

function isVariant(v: unknown): v is ComparisonVariant {
  return isObj(v) && isOneOf(VARIANT_KEYS, v.key) && isStr(v.name) && (v.runDir === null || isStr(v.runDir))
    && isOneOf(VARIANT_STATUSES, v.status) && isNum(v.totalParams) && isNum(v.totalMacs)
    && Array.isArray(v.inputShape) && v.inputShape.every(isNat) && Array.isArray(v.epochs) && v.epochs.every(isEpoch)
    && (v.totalEpochs === null || isNat(v.totalEpochs)) && isNumOrNull(v.testAcc) && isNumOrNull(v.testLoss)
    && (v.backend === null || isStr(v.backend));
}

function isState(v: unknown): v is ComparisonState {
  return isObj(v) && isStr(v.experimentDir) && isOneOf(EXPERIMENT_KINDS, v.kind) && isStr(v.name)
    && isOneOf(EXPERIMENT_STATUSES, v.status) && isStr(v.createdAt) && Array.isArray(v.variants) && v.variants.every(isVariant)
    && (v.current === null || (isNat(v.current) && v.current < v.variants.length)) && typeof v.resumable === 'boolean';
}

/** Guard run by the page on every message from the host. */
export function isHostToComparisonMessage(v: unknown): v is HostToComparisonMessage {
  return isObj(v) && v.type === 'comparisonState' && isState(v.state)
    && (v.l10n === null || (isObj(v.l10n) && Object.values(v.l10n).every(isStr)));
}

/** Guard run by the host on every message from a comparison panel. */
export function isComparisonToHostMessage(v: unknown): v is ComparisonToHostMessage {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'stopExperiment':
    case 'resumeExperiment':
      return true;
    case 'openRun': return isStr(v.runDir) && v.runDir.length <= MAX_PAGE_STRING;
    case 'webviewError': return isStr(v.message) && v.message.length <= MAX_PAGE_STRING;
    default: return false;
  }
}
