/**
 * The Keras export and import as the CLI and the extension call them: `kerasInterop()` loads the
 * exporter and importer (h5wasm inside, about 5.6 MB of JavaScript) on first use, from
 * `dist/keras.js` beside the running bundle, or from source under tsx (the tests). What they need
 * before that is in `./interop`.
 */
import * as path from 'node:path';
import { CnnLabError, isWireError } from '../../shared/errors';
import type * as KerasBundle from './bundle';

export type KerasInterop = Pick<typeof KerasBundle, 'exportRun' | 'importModelFile'>;

/**
 * A CnnLabError of the other bundle (its own copy of the class) as one of ours, so that callers'
 * `instanceof CnnLabError` holds; anything else as it is (the model language's errors, thrown by
 * the caller's own core through the injected planner and converter, are ours already).
 */
function ours(err: unknown): unknown {
  if (err instanceof CnnLabError || !(err instanceof Error) || err.name !== 'CnnLabError') return err;
  const wire: unknown = { code: (err as { code?: unknown }).code, message: err.message, hint: (err as { hint?: unknown }).hint, stack: err.stack };
  return isWireError(wire) ? CnnLabError.fromWire(wire) : err;
}

let loaded: KerasInterop | null = null;

/** The exporter and importer, loaded once (process.env.CNN_LAB_BUNDLED is "1" in the bundles, see esbuild.mjs). */
export function kerasInterop(): KerasInterop {
  if (loaded === null) {
    const file = process.env.CNN_LAB_BUNDLED === '1' ? path.join(__dirname, 'keras.js') : path.join(__dirname, 'bundle');
    // A computed require: esbuild leaves it to Node, so the caller's bundle does not take h5wasm in.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require(file) as typeof KerasBundle;
    loaded = {
      exportRun: (...a) => m.exportRun(...a).catch((err: unknown) => { throw ours(err); }),
      importModelFile: (...a) => m.importModelFile(...a).catch((err: unknown) => { throw ours(err); }),
    };
  }
  return loaded;
}
