/**
 * What the Keras export and import report when one side cannot express the other: located at the
 * layer (its position, name and Keras class) and the setting, in one message format for the CLI,
 * the extension and the tests.
 */
import { CnnLabError } from '../../shared/errors';

/** Where in a model a problem is: the layer's 1-based position in the layer list, its name and Keras class. */
export interface KerasLayerRef {
  readonly index: number;
  readonly name: string;
  readonly className: string;
}

export interface KerasProblem {
  /** Null: the model as a whole (its class, its input, its file). */
  readonly layer: KerasLayerRef | null;
  /** The Keras setting at fault (`dilation_rate`), or null for the layer or model as a whole. */
  readonly setting: string | null;
  readonly message: string;
}

/** `layer 3 'conv2d_1' (Conv2D), dilation_rate: …` */
export function formatProblem(p: KerasProblem): string {
  const where = p.layer === null ? 'model' : `layer ${p.layer.index} '${p.layer.name}' (${p.layer.className})`;
  return `${where}${p.setting !== null ? `, ${p.setting}` : ''}: ${p.message}`;
}

/** The export or import refused: every problem found, each located. */
export class KerasInteropError extends CnnLabError {
  constructor(readonly problems: readonly KerasProblem[], what: string, hint: string) {
    super('E_MODEL_INVALID', `${what}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, hint);
    this.name = 'KerasInteropError';
  }
}
