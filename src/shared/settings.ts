/**
 * The extension's settings, typed in one place: keys, defaults and sanitising. Mirrors
 * `contributes.configuration` in package.json (a unit test checks the two agree). Pure: the
 * extension host hands in a reader over `workspace.getConfiguration`, tests hand in a plain object.
 */
import { BACKEND_CHOICES, type BackendChoice } from './trainerProtocol';

export interface CnnLabSettings {
  /** `cnnLab.backend`: which TensorFlow.js backend the trainer uses. */
  readonly backend: BackendChoice;
  /** `cnnLab.trainer.nodePath`: a system Node to run the trainer with; empty = VS Code's own runtime. */
  readonly trainerNodePath: string;
  /** `cnnLab.data.cacheDir`: where data sets are cached; empty = the extension's global storage. */
  readonly dataCacheDir: string;
  /** `cnnLab.data.mnistMirrors`: base URLs tried in order for MNIST-format downloads; empty = built-in defaults. */
  readonly mnistMirrors: readonly string[];
  /** `cnnLab.training.maxTrainSamples`: cap on training samples for quick runs; 0 = all. */
  readonly maxTrainSamples: number;
  /** `cnnLab.training.epochs`: overrides the model file's epochs; 0 = as in the file. */
  readonly epochs: number;
  /** `cnnLab.runs.folder`: run folders, relative to the workspace folder (or absolute). */
  readonly runsFolder: string;
  /**
   * `cnnLab.native.packageIndex`: the Python package index the native backend's libtensorflow is
   * downloaded from (PyPI's JSON API, or a PEP 503 `/simple` mirror); machine scope only.
   */
  readonly nativePackageIndex: string;
}

/** Setting keys, relative to the `cnnLab` section. */
export const SETTING_KEYS = {
  backend: 'backend',
  trainerNodePath: 'trainer.nodePath',
  dataCacheDir: 'data.cacheDir',
  mnistMirrors: 'data.mnistMirrors',
  maxTrainSamples: 'training.maxTrainSamples',
  epochs: 'training.epochs',
  runsFolder: 'runs.folder',
  nativePackageIndex: 'native.packageIndex',
} as const satisfies Record<keyof CnnLabSettings, string>;

export const SETTINGS_SECTION = 'cnnLab';

export const DEFAULT_SETTINGS: CnnLabSettings = {
  backend: 'auto',
  trainerNodePath: '',
  dataCacheDir: '',
  mnistMirrors: [],
  maxTrainSamples: 0,
  epochs: 0,
  runsFolder: '.cnn-lab/runs',
  nativePackageIndex: 'https://pypi.org',
};

/** Upper bounds that keep a typo from asking for a year of training. */
export const MAX_EPOCHS = 1000;
export const MAX_TRAIN_SAMPLES = 10_000_000;

function nonNegativeInt(v: unknown, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return fallback;
  return Math.min(Math.floor(v), max);
}

function trimmedString(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v.trim() : fallback;
}

/** Only http(s) URLs survive; duplicates and blanks are dropped, order kept. */
function mirrorList(v: unknown): readonly string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const item of v) {
    if (typeof item !== 'string') continue;
    const s = item.trim();
    if (!/^https?:\/\/[^\s]+$/i.test(s) || out.includes(s)) continue;
    out.push(s);
  }
  return out;
}

/** An http(s) URL without a trailing slash; anything else is the default index. */
function packageIndex(v: unknown): string {
  const s = trimmedString(v, '');
  return /^https?:\/\/[^\s]+$/i.test(s) ? s.replace(/\/+$/, '') : DEFAULT_SETTINGS.nativePackageIndex;
}

/** A relative folder may not climb out of the workspace; blanks fall back to the default. */
function runsFolder(v: unknown): string {
  const s = trimmedString(v, DEFAULT_SETTINGS.runsFolder);
  if (s === '') return DEFAULT_SETTINGS.runsFolder;
  const isAbsolute = s.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(s) || s.startsWith('\\\\');
  if (!isAbsolute && s.split(/[\\/]/).includes('..')) return DEFAULT_SETTINGS.runsFolder;
  return s;
}

/**
 * Reads every setting through `get` (relative keys, e.g. `training.epochs`) and replaces values
 * of the wrong type or out of range by their defaults, so the rest of the code never re-checks.
 */
export function readSettings(get: (key: string) => unknown): CnnLabSettings {
  const backend = get(SETTING_KEYS.backend);
  return {
    backend: (BACKEND_CHOICES as readonly unknown[]).includes(backend) ? (backend as BackendChoice) : DEFAULT_SETTINGS.backend,
    trainerNodePath: trimmedString(get(SETTING_KEYS.trainerNodePath), DEFAULT_SETTINGS.trainerNodePath),
    dataCacheDir: trimmedString(get(SETTING_KEYS.dataCacheDir), DEFAULT_SETTINGS.dataCacheDir),
    mnistMirrors: mirrorList(get(SETTING_KEYS.mnistMirrors)),
    maxTrainSamples: nonNegativeInt(get(SETTING_KEYS.maxTrainSamples), MAX_TRAIN_SAMPLES, DEFAULT_SETTINGS.maxTrainSamples),
    epochs: nonNegativeInt(get(SETTING_KEYS.epochs), MAX_EPOCHS, DEFAULT_SETTINGS.epochs),
    runsFolder: runsFolder(get(SETTING_KEYS.runsFolder)),
    nativePackageIndex: packageIndex(get(SETTING_KEYS.nativePackageIndex)),
  };
}

/** The full key (`cnnLab.training.epochs`) of a setting. */
export function settingId(key: keyof CnnLabSettings): string {
  return `${SETTINGS_SECTION}.${SETTING_KEYS[key]}`;
}
