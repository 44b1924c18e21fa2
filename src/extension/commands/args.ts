/**
 * Typed parsing of command arguments. Every command works interactively (no argument) and with
 * an argument, so the CodeLens, menus, the runs view, other commands and the integration tests
 * can call it: these turn what they pass into typed values and drop anything malformed.
 */
import * as vscode from 'vscode';
import type { DropoutPlacement } from '../../core/index';
import { BUILTIN_DATASETS, type BuiltinDatasetName } from '../../shared/modelSpec';
import { BACKEND_CHOICES, type BackendChoice } from '../../shared/trainerProtocol';
import { isLabId, type LabId } from '../labs';
import type { RunItem } from '../runsView';

type Obj = Record<string, unknown>;
/** An options object (not a Uri, not an array). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !(v instanceof vscode.Uri) && !Array.isArray(v);

const includes = <T>(list: readonly T[], v: unknown): v is T => (list as readonly unknown[]).includes(v);
const positiveInt = (v: unknown): number | undefined => (Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined);

/** A Uri from a command argument: a Uri, a URI string, a file path, or `{ uri }`. */
export function uriOf(a: unknown): vscode.Uri | undefined {
  if (a instanceof vscode.Uri) return a;
  if (typeof a === 'string' && a !== '') return /^[a-zA-Z][\w+.-]+:/.test(a) && !/^[a-zA-Z]:[\\/]/.test(a) ? vscode.Uri.parse(a) : vscode.Uri.file(a);
  if (isObj(a)) return uriOf(a.uri);
  return undefined;
}

/** A run folder from a command argument: a path, a Uri, a runs-view item or `{ runDir }`. */
export function runDirOf(a: unknown): string | undefined {
  if (typeof a === 'string' && a !== '') return a;
  if (a instanceof vscode.Uri) return a.fsPath;
  if (isObj(a)) {
    if (typeof a.runDir === 'string') return a.runDir;
    const run = (a as Partial<RunItem>).run;
    if (run !== undefined && typeof run.dir === 'string') return run.dir;
  }
  return undefined;
}

/** Overrides of a training command: `{ epochs, maxTrainSamples, backend }`, each optional. */
export interface TrainOverrides { epochs?: number; maxTrainSamples?: number; backend?: BackendChoice }

export function trainOverridesOf(a: unknown): TrainOverrides {
  if (!isObj(a)) return {};
  const o: TrainOverrides = {};
  const epochs = positiveInt(a.epochs);
  const maxTrainSamples = positiveInt(a.maxTrainSamples);
  if (epochs !== undefined) o.epochs = epochs;
  if (maxTrainSamples !== undefined) o.maxTrainSamples = maxTrainSamples;
  if (includes(BACKEND_CHOICES, a.backend)) o.backend = a.backend;
  return o;
}

/** Open Lab: a lab id, or `{ lab, train }` with Train Model's overrides; `train` trains the lab's model at once. */
export interface LabArgs extends TrainOverrides { lab?: LabId; train: boolean }

export function labArgsOf(a: unknown): LabArgs {
  if (isLabId(a)) return { lab: a, train: false };
  if (!isObj(a)) return { train: false };
  return { ...trainOverridesOf(a), ...(isLabId(a.lab) ? { lab: a.lab } : {}), train: a.train === true };
}

/** New Model File: `{ template, path }`; with a path the file is written without asking. */
export interface NewModelFileArgs { template?: string; path?: string }

export function newModelFileArgsOf(a: unknown): NewModelFileArgs {
  if (!isObj(a)) return {};
  return {
    ...(typeof a.template === 'string' ? { template: a.template } : {}),
    ...(typeof a.path === 'string' ? { path: a.path } : {}),
  };
}

/** Select Dataset: `{ uri, dataset, grayscale }`, each optional. */
export interface SelectDatasetArgs { uri?: vscode.Uri; dataset?: BuiltinDatasetName; grayscale?: boolean }

export function selectDatasetArgsOf(a: unknown): SelectDatasetArgs {
  if (!isObj(a)) return {};
  const uri = uriOf(a.uri);
  return {
    ...(uri !== undefined ? { uri } : {}),
    ...(includes(BUILTIN_DATASETS, a.dataset) ? { dataset: a.dataset } : {}),
    ...(typeof a.grayscale === 'boolean' ? { grayscale: a.grayscale } : {}),
  };
}

/** Configure Dropout Placement: `{ uri, placement, rate }`, each optional. */
export interface DropoutArgs { uri?: vscode.Uri; placement?: DropoutPlacement; rate?: number }

export function dropoutArgsOf(a: unknown, placements: readonly DropoutPlacement[]): DropoutArgs {
  if (!isObj(a)) return {};
  const uri = uriOf(a.uri);
  return {
    ...(uri !== undefined ? { uri } : {}),
    ...(includes(placements, a.placement) ? { placement: a.placement } : {}),
    ...(typeof a.rate === 'number' ? { rate: a.rate } : {}),
  };
}

/** Select Backend: `{ backend }`; without one the user picks. */
export function backendOf(a: unknown): BackendChoice | undefined {
  return isObj(a) && includes(BACKEND_CHOICES, a.backend) ? a.backend : undefined;
}

/** Export Trained Model: the run (as runDirOf reads it) and `{ target }`, the folder to write. */
export function exportTargetOf(a: unknown): string | undefined {
  return isObj(a) && typeof a.target === 'string' ? a.target : undefined;
}

/** Delete Run asks first unless called with `{ confirm: false }`. */
export function deleteConfirmOf(a: unknown): boolean {
  return !(isObj(a) && a.confirm === false);
}
