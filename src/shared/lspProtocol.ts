/**
 * Custom LSP requests between the extension's language client and the CNN language server.
 * Both ends import the method names and types from here.
 */
import type { ModelSpec, ModelSummary } from './modelSpec';

/**
 * Client → server: the resolved spec of a document at an exact version, used by the training
 * service so that it trains exactly what the editor shows. Errors block training.
 */
export const MODEL_SPEC_REQUEST = 'cnn/modelSpec';

export interface ModelSpecParams {
  readonly uri: string;
}

export interface ModelSpecResult {
  readonly uri: string;
  /** Version of the document the result was computed for. */
  readonly version: number;
  /** Null when the document has errors. */
  readonly spec: ModelSpec | null;
  /** Null when shapes could not be inferred. */
  readonly summary: ModelSummary | null;
  /** Error-severity diagnostics, as "line:col message", for a user-facing refusal. */
  readonly errors: readonly string[];
}
