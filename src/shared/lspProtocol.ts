/**
 * Custom LSP requests between the extension's language client and the CNN language server.
 * Both ends import the request objects from here, so method, parameters and result are typed once.
 * (`vscode-jsonrpc` is the JSON-RPC layer both vscode-languageclient and vscode-languageserver are
 * built on; it has no VS Code or LSP dependency.)
 */
import { RequestType } from 'vscode-jsonrpc';
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

/**
 * `cnn/modelSpec`, typed for both ends. The answer is null when the server failed to analyse the
 * document (an internal error it logged); the client must handle that case.
 */
export const ModelSpecRequest = new RequestType<ModelSpecParams, ModelSpecResult | null, void>(MODEL_SPEC_REQUEST);
