/**
 * Plain data types of the model language service. LSP-shaped (0-based lines, UTF-16 columns) so
 * the server converts them one to one, but with no dependency on vscode-languageserver.
 */
import type { LayerSummary, ModelSummary } from '../shared/modelSpec';
import type { LayerSpec, TypedModelSpec } from './layers/index';

/** 0-based line and UTF-16 column, as in LSP. */
export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit { range: Range; newText: string }

/** A quick fix attached to a diagnostic. */
export interface CoreFix { title: string; edits: TextEdit[]; preferred?: boolean }

export { DIAGNOSTIC_CODES } from './diagnosticCodes';
export type { DiagnosticCode } from './diagnosticCodes';
import type { DiagnosticCode } from './diagnosticCodes';

export interface CoreDiagnostic {
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  fix?: CoreFix[];
}

/** One item of the `layers:` list as written, whether or not it validated. */
export interface LayerNode {
  index: number;
  /** The whole list item (without the `- `). */
  range: Range;
  /** The layer type keyword (`conv2d`), or the whole item when it has no usable key. */
  typeRange: Range;
  /** The keyword as written, '' when there is none. */
  type: string;
  /** Null when the item does not validate. */
  spec: LayerSpec | null;
}

/** Per-layer shape results that exist even when a later layer (or the rest of the file) fails. */
export interface PartialSummary {
  /** Model input [h, w, c]; null when the data set or `input` is unusable. */
  inputShape: readonly number[] | null;
  /** Index-aligned with `Analysis.layers`; null from the first layer whose shape cannot be inferred on. */
  layers: (LayerSummary | null)[];
}

/** What the first conv's weights cost on colour versus grayscale input (for hovers). */
export interface ColourCost {
  channels: number;
  params: number;
  grayscaleParams: number;
}

export interface Analysis {
  /** Null whenever any error diagnostic exists. */
  spec: TypedModelSpec | null;
  /** Null unless `spec` is non-null (shapes then always infer). */
  summary: ModelSummary | null;
  diagnostics: CoreDiagnostic[];
  layers: LayerNode[];
  partialSummary: PartialSummary;
  /** Range of the `layers` key, for CodeLens placement; null when absent. */
  layersKeyRange: Range | null;
  /** The data set name as resolved (`mnist`, or the folder path), null when unusable. */
  datasetLabel: string | null;
  /** Number of classes of the data set, when known. */
  numClasses: number | null;
  /** Batch size used for activation memory (train.batchSize or its default). */
  batchSize: number;
}
