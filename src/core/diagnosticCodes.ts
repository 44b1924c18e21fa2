/** The diagnostic codes of the model language (own module so the layer registry can name them without a cycle). */
/** Stable diagnostic codes; tests and quick fixes key on them. */
export const DIAGNOSTIC_CODES = [
  'yaml-syntax', 'yaml-warning', 'not-a-map', 'missing-key', 'unknown-key', 'unknown-layer',
  'layer-form', 'wrong-type', 'out-of-range', 'unknown-value', 'unresolved-alias', 'duplicate-name',
  'input-mismatch', 'dataset-classes', 'shape-mismatch', 'shape-zero', 'missing-flatten',
  'output-not-flat', 'class-mismatch', 'output-not-softmax', 'dropout-range', 'dropout-useless',
  'dropout-suggested', 'dropout-on-feature-maps', 'empty-model', 'internal-error',
] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
