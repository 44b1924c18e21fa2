/**
 * Entry of `dist/keras.js`: Export Trained Model and Import Model with h5wasm (HDF5, about 4 MB of
 * JavaScript with its wasm inside). Its own bundle, required by `./lazy` only when a run is
 * exported or a model imported, so the extension and CLI bundles do without it.
 */
export { exportRun } from './exportRun';
export { importModelFile } from './importFile';
