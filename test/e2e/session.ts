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

/** Training settings of the e2e workspace: enough that the curves visibly grow for a few seconds. */
export const E2E_TRAINING = { epochs: 4, maxTrainSamples: 4000 } as const;

let current: E2eSession | undefined;

export function setSession(s: E2eSession): void {
  current = s;
}

export function session(): E2eSession {
  if (current === undefined) throw new Error('the e2e steps run only through test/e2e/run.ts');
  return current;
}
