/**
 * The model language's side of the Keras and TensorFlow.js interchange (pure; the host reads and
 * writes the files): a spec as a `.keras` plan and a Python script, a foreign model as a model file.
 */
export { exportedLayers, KERAS_FORMAT_VERSION, kerasFilePlan, kerasModelName, kerasSnakeCase, kerasWeightGroups } from './exportModel';
export type { ExportedLayer, KerasExportOptions } from './exportModel';
export type { ForeignModel, H5Dataset, H5Group, Json, JsonObject, KerasExport, KerasFilePlan } from '../../shared/kerasFiles';
export { float32Decimal, modelFromKeras } from './importModel';
export type { ImportedLayer, ImportedModel, ImportOptions } from './importModel';
export { layerLine, modelFileText } from './modelText';
export type { ModelFileParts } from './modelText';
export { pythonLiteral, pythonScript } from './pythonScript';
export type { ScriptOptions } from './pythonScript';
export { formatProblem, KerasInteropError } from './problems';
export { kerasExportOf } from './exportText';
export type { KerasLayerRef, KerasProblem } from './problems';
