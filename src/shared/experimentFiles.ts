/**
 * The experiment folder's format (the course's comparisons, "Compare Dropout Placements" and
 * "Compare Colour and Grayscale"): `<runs folder>/experiments/<kind>-<model>-<time>/experiment.json`
 * lists the variants of one model that are trained one after another, each its own ordinary run
 * folder beside the others. Written by the host's ExperimentRunner (src/host/experiment.ts), read
 * by the extension's views and the CLI. Pure: no fs, as runFiles.ts.
 */
import { isNum, isOneOf, isPosInt, parseJsonAs } from './guards';
import { isJsonObject, type RunOverrides } from './runFiles';
import { BACKEND_CHOICES, type RunStatus } from './trainerProtocol';

/** Names of the experiment folders and their record. */
export const EXPERIMENT_FILES = {
  /** Under a runs folder: holds one folder per experiment (never a run folder itself). */
  folder: 'experiments',
  /** `ExperimentRecord`, rewritten atomically at every change of a variant. */
  record: 'experiment.json',
} as const;

/** What an experiment compares: dropout placements (course 3.5) or colour against grayscale (3.6.2). */
export const EXPERIMENT_KINDS = ['dropout', 'colour'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

/**
 * One variant of a model: a dropout placement (the values of Configure Dropout Placement:
 * `none`, `afterFlatten` the recommended one, `afterEveryConvBlock`) or the input colour.
 */
export const VARIANT_KEYS = ['none', 'afterFlatten', 'afterEveryConvBlock', 'rgb', 'grayscale'] as const;
export type VariantKey = (typeof VARIANT_KEYS)[number];

/** A variant not started yet is `pending`; once started, its run's status. */
export type VariantStatus = 'pending' | RunStatus;
export const VARIANT_STATUSES: readonly VariantStatus[] = ['pending', 'running', 'completed', 'stopped', 'failed', 'interrupted'];

/** The experiment as a whole: `running` while its owner trains a variant. */
export type ExperimentStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['running', 'completed', 'stopped', 'failed', 'interrupted'];

/** What defines a variant: planned by the core (`planExperiment`), recorded by the host. */
export interface VariantDefinition {
  readonly key: VariantKey;
  /** The `name:` of the variant's model text, so its runs read apart in the Runs view. */
  readonly name: string;
  /** The model text the variant trains (before the experiment's epochs override). */
  readonly modelText: string;
  /** Parameters and multiply-accumulates per sample of the variant's model (the core's inference). */
  readonly totalParams: number;
  readonly totalMacs: number;
  /** [h, w, c] of its input. */
  readonly inputShape: readonly number[];
}

/** One variant in `experiment.json`. */
export interface ExperimentVariant extends VariantDefinition {
  /** Its run folder once started, else null. */
  readonly runDir: string | null;
  readonly status: VariantStatus;
}

/** What every variant's run is trained with besides its model text (the same for all). */
export type ExperimentSettings = Pick<RunOverrides, 'epochs' | 'maxTrainSamples' | 'maxTestSamples' | 'backend'>;

/** `experiment.json`. */
export interface ExperimentRecord {
  readonly version: 1;
  readonly kind: ExperimentKind;
  /** The model's own name (the variants' names add the variant). */
  readonly name: string;
  /** The model file the experiment was started on, when there was one. */
  readonly sourceFile: string | null;
  /** Folder that relative data-set paths resolve against (the model file's). */
  readonly modelDir: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly status: ExperimentStatus;
  /** Pid of the process that trains it while `running`: a dead owner means it was interrupted. */
  readonly ownerPid: number;
  readonly settings: ExperimentSettings;
  /** In training order. */
  readonly variants: readonly ExperimentVariant[];
}


function isVariant(v: unknown): v is ExperimentVariant {
  return isJsonObject(v) && isOneOf(VARIANT_KEYS, v.key) && typeof v.name === 'string' && typeof v.modelText === 'string'
    && isNum(v.totalParams) && isNum(v.totalMacs) && Array.isArray(v.inputShape) && v.inputShape.every(isNum)
    && (v.runDir === null || typeof v.runDir === 'string') && isOneOf(VARIANT_STATUSES, v.status);
}

function isSettings(v: unknown): v is ExperimentSettings {
  return isJsonObject(v)
    && (v.epochs === undefined || isPosInt(v.epochs)) && (v.maxTrainSamples === undefined || isPosInt(v.maxTrainSamples))
    && (v.maxTestSamples === undefined || isPosInt(v.maxTestSamples)) && (v.backend === undefined || isOneOf(BACKEND_CHOICES, v.backend));
}

/** Checks what a reader of experiment.json relies on. */
function isExperimentRecord(v: unknown): v is ExperimentRecord {
  return isJsonObject(v) && v.version === 1 && isOneOf(EXPERIMENT_KINDS, v.kind) && typeof v.name === 'string'
    && (v.sourceFile === null || typeof v.sourceFile === 'string') && typeof v.modelDir === 'string'
    && typeof v.createdAt === 'string' && typeof v.updatedAt === 'string' && isOneOf(EXPERIMENT_STATUSES, v.status)
    && isNum(v.ownerPid) && isSettings(v.settings) && Array.isArray(v.variants) && v.variants.length > 0 && v.variants.every(isVariant);
}

/** experiment.json's content, or null when it is not a record (missing, torn or foreign). */
export function parseExperimentRecord(text: string): ExperimentRecord | null {
  return parseJsonAs(text, isExperimentRecord);
}

/** The status to show: a `running` record whose owner process is gone was interrupted (a window reload, a kill). */
export function effectiveExperimentStatus(r: Pick<ExperimentRecord, 'status' | 'ownerPid'>, alive: (pid: number) => boolean): ExperimentStatus {
  return r.status === 'running' && !alive(r.ownerPid) ? 'interrupted' : r.status;
}

/** An experiment that ended before its last variant completed continues where it stopped. */
export function isExperimentResumable(status: ExperimentStatus): boolean {
  return status === 'stopped' || status === 'failed' || status === 'interrupted';
}

/** The variant to train next: the first one not completed; -1 when every variant completed. */
export function nextVariantIndex(r: Pick<ExperimentRecord, 'variants'>): number {
  return r.variants.findIndex((v) => v.status !== 'completed');
}

/** The record with one variant changed (and the time of the change). */
export function withVariant(r: ExperimentRecord, index: number, patch: Partial<Pick<ExperimentVariant, 'runDir' | 'status'>>, now: Date = new Date()): ExperimentRecord {
  return {
    ...r,
    updatedAt: now.toISOString(),
    variants: r.variants.map((v, i) => (i === index ? { ...v, ...patch } : v)),
  };
}

/** What an ended variant makes of the experiment: go on with the next, or end with its status. */
export function experimentStatusAfter(variant: Exclude<RunStatus, 'running'>): ExperimentStatus | null {
  return variant === 'completed' ? null : variant;
}
