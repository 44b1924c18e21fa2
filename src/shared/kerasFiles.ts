/**
 * What the model language (src/core/keras) and the host's Keras export and import (src/host/keras)
 * hand each other through the CLI and the extension, typed once for both: a `.keras` file as
 * planned from a model (its JSON files and the layout of `model.weights.h5`, each weight named by
 * the core's one walk of the layers), and a model file's configs as the host read them.
 */

export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: Json };

/** A group of model.weights.h5 with its string attributes. */
export interface H5Group {
  readonly path: string;
  readonly attrs: Readonly<Record<string, string>>;
}

/** A dataset of model.weights.h5: a checkpoint weight (by its TensorFlow.js name `<layer>/<weight>`) or a constant. */
export interface H5Dataset {
  readonly path: string;
  readonly dtype: 'float32' | 'int64';
  readonly shape: readonly number[];
  readonly source: { readonly weight: string } | { readonly fill: number };
  /** Stored gzip-compressed (the optimizer's constant slots, which then take next to nothing). */
  readonly compressed?: boolean;
}

/** A `.keras` file: metadata.json, config.json, and model.weights.h5's groups and datasets (parents first). */
export interface KerasFilePlan {
  readonly config: JsonObject;
  readonly metadata: JsonObject;
  readonly groups: readonly H5Group[];
  readonly datasets: readonly H5Dataset[];
}

/** What Export Trained Model writes for a run's model text (the core's `kerasExportOf`, the host's `ExportPlanner`). */
export interface KerasExport {
  readonly modelName: string;
  readonly keras: KerasFilePlan;
  /** The Python script, loading `weightsFile` from beside itself. */
  script(weightsFile: string, scriptFile: string): string;
}

/** A model file read by the host: its configs as JSON, before any mapping (the core's `modelFromKeras` input). */
export interface ForeignModel {
  /** `keras`: a Keras 3 `.keras` zip; `h5`: a Keras HDF5 model; `tfjs`: a TensorFlow.js `model.json`. */
  readonly format: 'keras' | 'h5' | 'tfjs';
  /** The file's name, for the model file's header. */
  readonly fileName: string;
  /** `{ class_name, config }` of the model. */
  readonly modelConfig: unknown;
  /** Keras 3's `compile_config`, or Keras 2's / TensorFlow.js's `training_config`; null when not compiled. */
  readonly trainingConfig: unknown;
  /** metadata.json of a `.keras` file (CNN Lab's exports add a `cnn_lab` block), else null. */
  readonly metadata: unknown;
  /** Who wrote it (`3.15.1`, `tfjs-layers 4.22.0`), when the file says. */
  readonly writtenBy: string | null;
}
