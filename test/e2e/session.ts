/**
 * The one workbench session the end-to-end steps share, set up by `run.ts` before mocha loads the
 * step files (the steps follow one user through one window, in order).
 */
import type { Workbench } from './workbench';

export interface E2eSession {
  readonly workbench: Workbench;
  /** Workbench URL with the folder and the extension under development. */
  readonly url: string;
  /** The scratch copy of the fixture workspace that the window has open. */
  readonly folder: string;
}

/**
 * Training settings of the e2e workspace: enough work that the dashboard is watched while the run is
 * still going, even on a fast machine. Measured on the 2-core dev box (native backend, ~4,500 samples/s):
 * 8 epochs of 6,000 samples train for about 12 s. The offline MNIST fallback has 8,499 training
 * images, so 6,000 plus their 10 % validation share is about the most one epoch can take.
 */
export const E2E_TRAINING = { epochs: 8, maxTrainSamples: 6000 } as const;

let current: E2eSession | undefined;

export function setSession(s: E2eSession): void {
  current = s;
}

export function session(): E2eSession {
  if (current === undefined) throw new Error('the e2e steps run only through test/e2e/run.ts');
  return current;
}
