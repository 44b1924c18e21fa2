/**
 * The shape of one entry of the layer registry: everything the model language knows about a layer
 * type, in one object per type (`./<type>.ts`), the way Keras and tfjs-layers keep a layer's
 * `compute_output_shape`, `count_params` and config in one class. Validation (`../analyze.ts`),
 * completion, hovers, the summary table, the quick fixes, the trainer and the TextMate grammar's
 * test read the registry (`./index.ts`); none of them lists layer types of its own.
 */
import type { Activation, Pair } from '../../shared/modelSpec';
import type { Locale } from '../messages';
import type { DiagnosticCode } from '../diagnosticCodes';
import type { FieldDef } from './fields';
import type { KerasConfigReader } from './kerasArgs';

/** A shape error with the layer key it is about (for the diagnostic range). */
export interface ShapeError {
  readonly code: 'shape-mismatch' | 'shape-zero' | 'missing-flatten';
  readonly message: string;
  /** Key of the layer's parameter at fault, or null for the layer keyword itself. */
  readonly key: string | null;
}

export interface LayerShape {
  readonly outputShape: readonly number[];
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  /** Multiply-accumulates per sample in the forward pass. */
  readonly macs: number;
}

export type LayerShapeResult = { readonly ok: true; readonly value: LayerShape } | { readonly ok: false; readonly error: ShapeError };

/**
 * Reads a layer's validated fields while it is built; a missing field gives the default passed
 * in, a malformed one is reported at its range (the layer then has no spec).
 */
export interface FieldReader {
  number(key: string, fallback: number, code?: DiagnosticCode): number;
  pair(key: string, fallback: Pair): Pair;
  choice<T extends string>(key: string, values: readonly T[], fallback: T): T;
  bool(key: string, fallback: boolean): boolean;
}

/**
 * What a layer does to a model's structure, for the checks and edits that reason about it
 * (dropout placement, the output layer, the dropout hint):
 * - `convolution`: learned kernels slid over the feature maps (spatial in, spatial out);
 * - `pooling`: a window reduction over the feature maps; `padding`: grows them;
 * - `flattening`: feature maps to one vector (flatten, global pooling);
 * - `dense`: a fully connected layer on a vector; `dropout`: random zeroing while training, the
 *   identity in evaluation; `normalization`: batch statistics; `activation`: an element-wise function.
 */
export type LayerKind = 'convolution' | 'pooling' | 'padding' | 'flattening' | 'dense' | 'dropout' | 'normalization' | 'activation';

export interface LayerTraits {
  readonly kind: LayerKind;
  /** Needs height × width × channels input. */
  readonly spatial: boolean;
  /** Has trainable weights. */
  readonly hasWeights: boolean;
  /**
   * Leaves values as they are when the model is evaluated (dropout) or only reshapes them
   * (flatten): the output layer is found by looking back over these.
   */
  readonly passThrough: boolean;
}

/** Docs of a layer type, one line each language. */
export interface LayerDocs {
  readonly en: string;
  readonly ko: string;
}

/** A layer spec as every layer has it: its keyword and an optional name. */
export interface LayerSpecCommon<T extends string> {
  readonly type: T;
  /** Optional user-given name; the summary falls back to Keras's `<prefix>_<n>`. */
  readonly name?: string;
}

/** A Keras layer's arguments as its `config` holds them, without `name`, `trainable` and `dtype` (../keras adds and checks those for every layer). */
export type KerasArgs = Readonly<Record<string, unknown>>;

/** One weight of a layer, in Keras's variable order. */
export interface KerasWeight {
  /** Its TensorFlow.js name inside the layer (`kernel`, `depthwise_kernel`, `moving_mean`): a checkpoint names it `<layer>/<name>`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Changed by training (BatchNormalization's moving statistics are not). */
  readonly trainable: boolean;
}

/**
 * How a layer type looks in Keras 3 (Keras's `get_config`/`from_config` of its class, the way
 * tfjs-layers keeps `getConfig` with the layer): the class, the default-name prefix, the
 * arguments both ways, and its weights in Keras's order. Checked against files Keras 3.15 wrote
 * and loaded (test/process/keras).
 */
export interface KerasMapping<S extends LayerSpecCommon<string>> {
  /** Keras's class (summary "(type)" column). */
  readonly className: string;
  /** Default-name prefix (`conv2d`, `conv2d_1`, ...). */
  readonly name: string;
  /** The arguments with which the Keras class computes what `spec` does; throws KerasMismatch when none does. */
  config(spec: S): KerasArgs;
  /**
   * The spec's fields from a Keras config (Keras 3, Keras 2 and TensorFlow.js spellings), every
   * setting read through `r`, which refuses what the language cannot express.
   */
  fromConfig(r: KerasConfigReader): Omit<S, 'type' | 'name'>;
  /**
   * Among the layer types that share a Keras class (`Activation`: activation, gelu, swish),
   * whether this config is this type's; absent: the type the class falls back to.
   */
  claims?(r: KerasConfigReader): boolean;
  /** Its weights in Keras's variable order for input `input` (no batch); absent: it has none. */
  weights?(spec: S, input: readonly number[]): readonly KerasWeight[];
}

export interface LayerDef<S extends LayerSpecCommon<string>> {
  /** The keyword in a model file (`conv2d`). */
  readonly type: S['type'];
  /** Keras's class and default-name prefix, and how the layer reads and writes Keras configs. */
  readonly keras: KerasMapping<S>;
  readonly docs: LayerDocs;
  /** Its keys, in the order completion offers them (`name` is added by the registry). */
  readonly fields: readonly FieldDef[];
  /** Other spellings users type for this layer (Keras and PyTorch names), offered as "did you mean". */
  readonly aliases?: readonly string[];
  /** The key a scalar stands for in the short form `- dropout: 0.5`. */
  readonly shorthand?: string;
  /** A complete example as shown in error messages. */
  readonly example: string;
  /** Completion snippet (LSP `$1` syntax). */
  readonly snippet: string;
  readonly traits: LayerTraits;
  /** The spec from the fields (the registry adds `type` and `name`). */
  build(read: FieldReader): Omit<S, 'type' | 'name'>;
  /** Output shape, parameters and MACs for an input shape (no batch dimension); errors in `locale`. */
  infer(spec: S, input: readonly number[], locale: Locale): LayerShapeResult;
  /**
   * How the parameter count is made up, for hovers (` = 3·3·1·32 weights + 32 biases`, through
   * `weightsFormula`); absent for layers without parameters.
   */
  paramFormula?(spec: S, input: readonly number[], locale: Locale): string;
  /** The activation function at the layer's end, for the output checks; absent when it has none to choose. */
  activationOf?(spec: S): Activation;
}

/** Identity for type inference: `export const conv2d = defineLayer<Conv2DLayer>({...})`. */
export function defineLayer<S extends LayerSpecCommon<string>>(def: LayerDef<S>): LayerDef<S> {
  return def;
}
