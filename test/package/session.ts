/**
 * The one session the package steps share, set up by `run.ts` before mocha loads the step file:
 * a fresh code-server profile with the built VSIX installed, the workbench on an empty folder, and
 * the local wheel index the extension's native set-up downloads from.
 */
import type { Workbench } from '../e2e/workbench';
import type { WheelIndex } from './wheelIndex';

export interface PackageSession {
  readonly workbench: Workbench;
  /** Workbench URL: the empty folder, no extension under development (only the installed VSIX). */
  readonly url: string;
  readonly folder: string;
  /** The fresh profile's `--user-data-dir` and `--extensions-dir`. */
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** `<publisher>.<name>` from package.json, and its version. */
  readonly extensionId: string;
  readonly version: string;
  readonly index: WheelIndex;
  /** What the steps measured, for the runner's summary. */
  readonly timings: Record<string, number>;
}

/** Training settings of the fresh profile: short, the point is that it trains natively at all. */
export const PACKAGE_TRAINING = { epochs: 2, maxTrainSamples: 2000 } as const;

/** The native install the extension should leave in its global storage (tfjs-node 4.22.0 on TensorFlow 2.21.0). */
export const NATIVE_INSTALL = 'tfjs-node-4.22.0-tf-2.21.0-napi-v8-linux-x64';

/** The wheel the native set-up takes libtensorflow from. */
export const TF_WHEEL = { project: 'tensorflow-cpu', version: '2.21.0' } as const;

let current: PackageSession | undefined;

export function setSession(s: PackageSession): void {
  current = s;
}

export function session(): PackageSession {
  if (current === undefined) throw new Error('the package steps run only through test/package/run.ts');
  return current;
}
