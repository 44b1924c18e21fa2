/**
 * Public API of the model language core (pure: no vscode, LSP or tfjs imports). The language
 * server, the extension, the CLI and the trainer call only what is exported here.
 */
export type {
  Analysis, ColourCost, CoreDiagnostic, CoreFix, DiagnosticCode, LayerNode, PartialSummary, Position, Range, Severity, TextEdit,
} from './types';
export { DIAGNOSTIC_CODES } from './types';
export { analyzeModelText } from './analyze';
export type { AnalyzeOptions } from './analyze';
export { inferLayer, inferSummary, formatShape, layerNames } from './shapes';
export type { LayerShape, LayerShapeResult, ShapeError } from './shapes';
export {
  endsInSoftmax, isLayerType, kerasClassOf, LAYER_ALIASES, LAYER_TYPES, layerDef, layerDefs, layerFields, outputLayerIndex, typedModelSpec,
} from './layers/index';
export type * from './layers/index';
export { formatSummaryTable } from './summaryTable';
export { applyEdits, datasetEdits, dropoutPlacementEdits, modelNameEdits } from './edits';
export { COLOUR_VARIANTS, DROPOUT_VARIANTS, planExperiment } from './experiments';
export type { ExperimentPlan, ExperimentPlanResult, ExperimentRefusal, VariantPlan } from './experiments';
export type { DropoutPlacement } from './edits';
export { applyOverrides, OverrideError, type CurrentData, type ModelOverrides } from './overrides';
export { colourCost, hoverAt } from './hover';
export type { CoreHover } from './hover';
export { completionsAt } from './completion';
export type { CompletionKind, CoreCompletionItem } from './completion';
export { inlayHints } from './inlayHints';
export type { CoreInlayHint } from './inlayHints';
export { codeLenses, SUMMARY_COMMAND, TRAIN_COMMAND } from './codeLens';
export type { CoreCodeLens } from './codeLens';
export { compact, groupDigits, bytes } from './format';
export { LOCALES, MESSAGES, placeholders, resolveLocale, t } from './messages';
export type { Locale, LocaleOptions, MessageArgs, MessageId, MessageTemplate } from './messages';
export * from './keras/index';
export { KerasConfigReader, KerasMismatch } from './layers/kerasArgs';
export type { KerasDialect } from './layers/kerasArgs';
export type { KerasArgs, KerasMapping, KerasWeight } from './layers/def';
