/**
 * A training step for the native backend (tfjs-node) that calls libtensorflow's own training ops
 * directly, with a hand-written backward pass over the sequential model.
 *
 * Why: `model.trainOnBatch` on tfjs-node runs tfjs's generic graph of small ops, and several of
 * them are far from what TensorFlow itself runs for the same model (measured in
 * docs/benchmarks.md, "Speed steps"):
 * - the ReLU gradient is `dy * step(y)`, and tfjs-node's `Step` kernel is seven ops that allocate
 *   two full-size constant tensors; TensorFlow has `ReluGrad`, one pass;
 * - the loss is a softmax, a clip, a log and a sum (and their gradients) where TensorFlow has
 *   `SparseSoftmaxCrossEntropyWithLogits`, one op giving the loss and its gradient, on the logits
 *   (what Keras does too when the last layer is a softmax);
 * - the bias gradient is a `Sum` where TensorFlow has `BiasAddGrad`; the tape, the layers'
 *   symbolic checks and the per-op scalar uploads cost JavaScript time on every op;
 * - Adam, RMSProp, SGD, Adagrad and Adamax are 5 to 15 element-wise ops per variable, where
 *   TensorFlow applies each as one `ResourceApply*` op on resource variables (so does Keras).
 * - `MaxPoolGrad` recomputes the pooling to find each window's maximum (11 ms for the first pool
 *   of the Keras mnist_convnet at batch 128); oneDNN's own max pooling keeps a workspace of the
 *   positions, and its gradient is a scatter (0.25 ms).
 * So this step runs the forward pass with TensorFlow ops, keeps each layer's output, derives the
 * gradients layer by layer with TensorFlow's gradient ops, and updates the weights with the
 * optimizer's `ResourceApply*` op on resource variables that live in libtensorflow; the tfjs
 * variables of the model are refreshed from them after each step (a buffer hand-over, no copy).
 * A ReLU in front of a max pooling runs behind it instead (`foldReluIntoPool`): same result, a
 * quarter of the work.
 *
 * It covers the layers the course's models use: conv2d, dense (activation linear or relu, or
 * softmax on the last layer), max pooling, flatten and dropout. For any other model
 * `NativeStep.create` returns null and the trainer keeps `trainOnBatch`. The gradients are checked
 * against tfjs's automatic differentiation in test/process/trainer/nativeStep.test.ts.
 *
 * The optimizer state (moments, accumulators, iteration count) lives in resource variables during
 * training. It is read from the tfjs optimizer when the step is created (fresh, or restored from a
 * checkpoint) and written out under tfjs's names through `checkpointOptimizer()`, so checkpoints
 * stay the tfjs layers format and a run resumes on any backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelSpec } from '../shared/modelSpec';
import type { BuiltModel, SeededDropout } from './model';

// ------------------------------------------------------------------ the native binding, typed

interface OpAttr { readonly name: string; readonly type: number; readonly value: unknown }

interface NativeBinding {
  readonly TF_ATTR_STRING: number;
  readonly TF_ATTR_INT: number;
  readonly TF_ATTR_FLOAT: number;
  readonly TF_ATTR_BOOL: number;
  readonly TF_ATTR_TYPE: number;
  readonly TF_ATTR_SHAPE: number;
  readonly TF_FLOAT: number;
  readonly TF_INT32: number;
  readonly TF_RESOURCE: number;
}

/** The part of tfjs-node's `NodeJSKernelBackend` this module calls. */
interface NativeBackend {
  readonly binding: NativeBinding;
  executeSingleOutput(name: string, attrs: readonly OpAttr[], inputs: readonly tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: readonly OpAttr[], inputs: readonly tf.Tensor[], numOutputs: number): tf.Tensor[];
}

function nativeBackend(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  if (typeof b.executeSingleOutput !== 'function' || typeof b.executeMultipleOutputs !== 'function' || b.binding === undefined) return null;
  return b as NativeBackend;
}

/** Ops with their attributes; every call returns a tfjs tensor owned by the enclosing tidy. */
class Ops {
  private readonly T: OpAttr;
  private readonly nhwc: OpAttr;
  constructor(readonly be: NativeBackend) {
    this.T = { name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT };
    this.nhwc = { name: 'data_format', type: be.binding.TF_ATTR_STRING, value: 'NHWC' };
  }
  private int(name: string, value: number | readonly number[]): OpAttr { return { name, type: this.be.binding.TF_ATTR_INT, value }; }
  private str(name: string, value: string): OpAttr { return { name, type: this.be.binding.TF_ATTR_STRING, value }; }
  private bool(name: string, value: boolean): OpAttr { return { name, type: this.be.binding.TF_ATTR_BOOL, value }; }
  private type(name: string, value: number): OpAttr { return { name, type: this.be.binding.TF_ATTR_TYPE, value }; }
  private one(name: string, attrs: readonly OpAttr[], inputs: readonly tf.Tensor[]): tf.Tensor {
    return this.be.executeSingleOutput(name, attrs, inputs);
  }
  private convAttrs(strides: readonly [number, number], padding: string): OpAttr[] {
    return [this.T, this.int('strides', [1, strides[0], strides[1], 1]), this.str('padding', padding), this.nhwc,
      this.bool('use_cudnn_on_gpu', true), this.int('dilations', [1, 1, 1, 1])];
  }

  conv2d(x: tf.Tensor, w: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('Conv2D', this.convAttrs(strides, padding), [x, w]);
  }
  conv2dBackpropInput(inputSizes: tf.Tensor, w: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('Conv2DBackpropInput', this.convAttrs(strides, padding), [inputSizes, w, dy]);
  }
  conv2dBackpropFilter(x: tf.Tensor, filterSizes: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('Conv2DBackpropFilter', this.convAttrs(strides, padding), [x, filterSizes, dy]);
  }
  biasAdd(x: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('BiasAdd', [this.T, this.nhwc], [x, b]); }
  biasAddGrad(dy: tf.Tensor): tf.Tensor { return this.one('BiasAddGrad', [this.T, this.nhwc], [dy]); }
  relu(x: tf.Tensor): tf.Tensor { return this.one('Relu', [this.T], [x]); }
  reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor { return this.one('ReluGrad', [this.T], [dy, y]); }
  private poolAttrs(pool: readonly [number, number], strides: readonly [number, number], padding: string): OpAttr[] {
    return [this.T, this.int('ksize', [1, pool[0], pool[1], 1]), this.int('strides', [1, strides[0], strides[1], 1]), this.str('padding', padding), this.nhwc];
  }
  /**
   * oneDNN's own kernels, reachable by name in libtensorflow builds with oneDNN (x86-64) when the
   * node carries the `_kernel: MklNameChangeOp` label: its max pooling keeps a workspace of the
   * arg-max positions, so the gradient is a scatter (0.25 ms) where the stock `MaxPoolGrad`
   * recomputes the pooling (11 ms, Keras mnist_convnet's first pool at batch 128); its
   * convolution adds the bias in the same pass. Results are bit-identical to the stock ops.
   */
  private mklAttrs(): OpAttr[] { return [this.str('_kernel', 'MklNameChangeOp')]; }
  mklConv2dWithBias(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('_MklNativeConv2DWithBias', [...this.convAttrs(strides, padding), ...this.mklAttrs(), this.bool('is_filter_const', false)], [x, w, b]);
  }
  /** Pooled output and oneDNN's workspace (an opaque uint8 tensor the gradient needs). */
  mklMaxPool(x: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): [tf.Tensor, tf.Tensor] {
    const [y, workspace] = this.be.executeMultipleOutputs('_MklNativeMaxPool',
      [...this.poolAttrs(pool, strides, padding), ...this.mklAttrs(), this.bool('workspace_enabled', true)], [x], 2);
    if (!y || !workspace) throw new Error('_MklNativeMaxPool returned no outputs');
    return [y, workspace];
  }
  mklMaxPoolGrad(x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, workspace: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('_MklNativeMaxPoolGrad',
      [...this.poolAttrs(pool, strides, padding), ...this.mklAttrs(), this.bool('workspace_enabled', true)], [x, y, dy, workspace]);
  }
  /** Whether the oneDNN ops above run here, checked on a tiny input against the stock ops. */
  mklWorks(): boolean {
    try {
      return tf.tidy(() => {
        const x = tf.tensor4d([1, 5, 3, 2, 4, 0, 7, 6, 1, 2, 8, 3, 5, 9, 0, 4], [1, 4, 4, 1]);
        const w = tf.tensor4d([1, -1, 2, 0.5], [2, 2, 1, 1]);
        const b = tf.tensor1d([0.25]);
        const conv = this.mklConv2dWithBias(x, w, b, [1, 1], 'VALID');
        const [y, ws] = this.mklMaxPool(x, [2, 2], [2, 2], 'VALID');
        const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
        const dx = this.mklMaxPoolGrad(x, y, dy, ws, [2, 2], [2, 2], 'VALID');
        const same = (a: tf.Tensor, c: tf.Tensor): boolean => a.shape.join() === c.shape.join()
          && Array.from(a.dataSync()).every((v, i) => v === c.dataSync()[i]);
        return same(conv, this.biasAdd(this.conv2d(x, w, [1, 1], 'VALID'), b))
          && same(y, this.maxPool(x, [2, 2], [2, 2], 'VALID'))
          && same(dx, this.maxPoolGrad(x, y, dy, [2, 2], [2, 2], 'VALID'));
      });
    } catch {
      return false;
    }
  }
  maxPool(x: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('MaxPool', this.poolAttrs(pool, strides, padding), [x]);
  }
  maxPoolGrad(x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('MaxPoolGrad', this.poolAttrs(pool, strides, padding), [x, y, dy]);
  }
  matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
    return this.one('MatMul', [this.T, this.bool('transpose_a', transposeA), this.bool('transpose_b', transposeB)], [a, b]);
  }
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('Mul', [this.T], [a, b]); }
  /** Uniform [0, 1) floats of `shape` from TensorFlow's counter-based generator: the same seed, the same numbers. */
  statelessUniform(shape: tf.Tensor, seed: tf.Tensor): tf.Tensor {
    return this.one('StatelessRandomUniform', [this.type('dtype', this.be.binding.TF_FLOAT),
      this.type('T', this.be.binding.TF_INT32), this.type('Tseed', this.be.binding.TF_INT32)], [shape, seed]);
  }
  greaterEqual(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('GreaterEqual', [this.T], [a, b]); }
  /** `cond ? a : b`, broadcasting. */
  select(cond: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('SelectV2', [this.T], [cond, a, b]); }
  reshape(x: tf.Tensor, shape: tf.Tensor): tf.Tensor {
    return this.one('Reshape', [this.T, this.type('Tshape', this.be.binding.TF_INT32)], [x, shape]);
  }
  /** Per-sample loss [B] and its gradient with respect to the logits [B, C]. */
  sparseSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const [loss, backprop] = this.be.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits',
      [this.T, this.type('Tlabels', this.be.binding.TF_INT32)], [logits, labels], 2);
    if (!loss || !backprop) throw new Error('SparseSoftmaxCrossEntropyWithLogits returned no outputs');
    return [loss, backprop];
  }

  // ---- resource variables (live in libtensorflow; the tfjs tensor is an opaque handle)
  varHandle(shape: readonly number[], sharedName: string): tf.Tensor {
    return this.one('VarHandleOp', [
      this.str('container', ''), this.str('shared_name', sharedName),
      this.type('dtype', this.be.binding.TF_FLOAT), { name: 'shape', type: this.be.binding.TF_ATTR_SHAPE, value: [...shape] },
    ], []);
  }
  assignVariable(handle: tf.Tensor, value: tf.Tensor): void {
    this.be.executeMultipleOutputs('AssignVariableOp', [this.type('dtype', this.be.binding.TF_FLOAT)], [handle, value], 0);
  }
  readVariable(handle: tf.Tensor): tf.Tensor {
    return this.one('ReadVariableOp', [this.type('dtype', this.be.binding.TF_FLOAT)], [handle]);
  }
  destroyResource(handle: tf.Tensor): void {
    this.be.executeMultipleOutputs('DestroyResourceOp', [this.bool('ignore_lookup_error', true)], [handle], 0);
  }
  /** Runs a `ResourceApply*` op (no outputs) with `T` and `use_locking` set, plus `extra` attributes. */
  apply(op: string, inputs: readonly tf.Tensor[], extra: readonly OpAttr[] = []): void {
    this.be.executeMultipleOutputs(op, [this.T, this.bool('use_locking', false), ...extra], inputs, 0);
  }
  boolAttr(name: string, value: boolean): OpAttr { return this.bool(name, value); }
}

// ------------------------------------------------------------------ the model as a plan

type Padding = 'SAME' | 'VALID';

type Step =
  | { readonly kind: 'conv'; readonly w: tf.Variable; readonly b: tf.Variable | null; readonly relu: boolean; readonly strides: readonly [number, number]; readonly padding: Padding; readonly wShape: readonly number[] }
  | { readonly kind: 'dense'; readonly w: tf.Variable; readonly b: tf.Variable | null; readonly relu: boolean }
  /** `relu`: the ReLU of the convolution before, moved behind the pooling (see `foldReluIntoPool`). */
  | { readonly kind: 'maxpool'; readonly pool: readonly [number, number]; readonly strides: readonly [number, number]; readonly padding: Padding; readonly relu: boolean }
  | { readonly kind: 'flatten' }
  | { readonly kind: 'dropout'; readonly layer: SeededDropout };

/** Why the fast step does not apply to a model (for the run log), or null when it does. */
export function nativeStepUnsupported(layers: readonly LayerSpec[]): string | null {
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i] as LayerSpec;
    const last = i === layers.length - 1;
    switch (l.type) {
      case 'conv2d':
      case 'dense':
        if (l.activation === 'linear' || l.activation === 'relu') break;
        if (l.activation === 'softmax' && last) break;
        return `${l.type} with activation ${l.activation}${l.activation === 'softmax' ? ' before the last layer' : ''}`;
      case 'maxpool2d':
      case 'flatten':
      case 'dropout':
        break;
      default:
        return `a ${l.type} layer`;
    }
  }
  const lastLayer = layers[layers.length - 1];
  if (!lastLayer || (lastLayer.type !== 'dense' && lastLayer.type !== 'conv2d')) return 'a model that does not end in a dense or conv2d layer';
  return null;
}

function variableOf(layer: tf.layers.Layer, k: number): tf.Variable {
  const lv = layer.weights[k] as unknown as { read(): tf.Variable } | undefined;
  if (!lv) throw new Error(`layer ${layer.name} has no weight ${k}`);
  return lv.read();
}

/**
 * Max pooling commutes with ReLU (both are monotone: max(relu(a), relu(b)) = relu(max(a, b))), so
 * conv → ReLU → max-pool runs as conv → max-pool → ReLU: the ReLU and its gradient touch a
 * quarter of the values (2×2 pooling). The gradients are the same: where the window's maximum is
 * positive, both route it to the same position; where it is not, the ReLU gradient is zero in both.
 */
function foldReluIntoPool(plan: Step[]): Step[] {
  return plan.map((s, i) => {
    const next = plan[i + 1];
    const prev = plan[i - 1];
    if (s.kind === 'conv' && s.relu && next?.kind === 'maxpool') return { ...s, relu: false };
    if (s.kind === 'maxpool' && prev?.kind === 'conv' && prev.relu) return { ...s, relu: true };
    return s;
  });
}

function makePlan(built: BuiltModel, spec: ModelSpec, fold: boolean): Step[] {
  const plan = planLayers(built, spec);
  return fold ? foldReluIntoPool(plan) : plan;
}

function planLayers(built: BuiltModel, spec: ModelSpec): Step[] {
  const layers = built.model.layers;
  return spec.layers.map((l, i): Step => {
    const layer = layers[i];
    if (!layer) throw new Error(`model has no layer ${i}`);
    switch (l.type) {
      case 'conv2d': {
        const w = variableOf(layer, 0);
        return { kind: 'conv', w, b: l.useBias ? variableOf(layer, 1) : null, relu: l.activation === 'relu', strides: l.strides, padding: l.padding === 'same' ? 'SAME' : 'VALID', wShape: w.shape };
      }
      case 'dense':
        return { kind: 'dense', w: variableOf(layer, 0), b: l.useBias ? variableOf(layer, 1) : null, relu: l.activation === 'relu' };
      case 'maxpool2d':
        return { kind: 'maxpool', pool: l.pool, strides: l.strides, padding: l.padding === 'same' ? 'SAME' : 'VALID', relu: false };
      case 'flatten':
        return { kind: 'flatten' };
      case 'dropout': {
        const d = built.dropouts.find((x) => x === layer);
        if (!d) throw new Error(`layer ${layer.name} is not a seeded dropout`);
        return { kind: 'dropout', layer: d };
      }
      default:
        throw new Error(`the native step does not handle ${l.type}`);
    }
  });
}

// ------------------------------------------------------------------ optimizers as ResourceApply ops

/** tfjs optimizer internals read for the state hand-over (public fields in tfjs 4.22's classes). */
interface TfjsOptimizerState {
  learningRate: number;
  beta1?: number; beta2?: number; epsilon?: number;
  decay?: number; momentum?: number;
  initialAccumulatorValue?: number;
}

/** The tfjs optimizer's slot names, in its `getWeights()` order after `iter`. */
function slotSuffixes(name: ModelSpec['train']['optimizer']): string[] {
  switch (name) {
    case 'adam': return ['m', 'v'];
    case 'adamax': return ['m', 'v'];
    // Plain RMSProp: the language has no `centered` option (model.ts builds tf.train.rmsprop(lr)).
    case 'rmsprop': return ['rms', 'momentum'];
    case 'adagrad': return ['accumulator'];
    case 'sgd': return [];
  }
}

export interface NativeStepResult {
  /** Mean loss of the batch (categorical cross-entropy on the logits). */
  readonly loss: number;
  /** Fraction of the batch whose arg-max prediction is the label. */
  readonly acc: number;
}

/**
 * Reports a native step's optimizer state through the tfjs `Optimizer` interface, for the
 * checkpoint writer; it cannot train.
 */
class CheckpointOptimizer extends tf.Optimizer {
  constructor(private readonly state: () => NamedTensor[]) { super(); }
  override applyGradients(): void {
    throw new Error('the native step\'s checkpoint view of the optimizer cannot apply gradients');
  }
  override getWeights(): Promise<NamedTensor[]> { return Promise.resolve(this.state()); }
  override getConfig(): tf.serialization.ConfigDict { return {}; }
}

/** A named tensor as tfjs optimizers list their state. */
export type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

let nextId = 0;

/**
 * Switches for measuring what each part of the step buys (bench/steps.ts); the trainer uses the
 * defaults, which are the fastest.
 */
export interface NativeStepOptions {
  /** Use oneDNN's pooling and conv+bias kernels when they work here. Default true. */
  readonly mkl?: boolean;
  /** Draw dropout masks with TensorFlow's stateless generator (default) or in JavaScript. */
  readonly dropoutMasks?: 'tensorflow' | 'javascript';
  /** Update with one ResourceApply op per variable (default) or with the tfjs optimizer's element-wise ops. */
  readonly update?: 'resource' | 'tfjs';
  /** Run a ReLU that precedes max pooling behind it (see `foldReluIntoPool`). Default true. */
  readonly foldRelu?: boolean;
}

/**
 * The fast training step. Create it after the model is built and compiled (and restored, when
 * resuming); `dispose` it at the end of training. `checkpointOptimizer()` stands in for the tfjs
 * optimizer when a checkpoint is written.
 */
export class NativeStep {
  private readonly ops: Ops;
  private readonly plan: Step[];
  private readonly vars: tf.Variable[];
  private readonly handles: tf.Tensor[];
  /** slots[s][v]: slot s of variable v, in the tfjs optimizer's `getWeights()` order. */
  private readonly slots: tf.Tensor[][];
  private readonly suffixes: readonly string[];
  private readonly shapeCache = new Map<string, tf.Tensor>();
  private readonly state: TfjsOptimizerState;
  private iterations = 0;
  /** oneDNN's pooling and convolution kernels are used (see `Ops.mklWorks`). */
  readonly mkl: boolean;

  private constructor(
    be: NativeBackend, built: BuiltModel, spec: ModelSpec,
    private readonly optimizer: tf.Optimizer, private readonly optimizerName: ModelSpec['train']['optimizer'],
    private readonly options: NativeStepOptions,
  ) {
    this.ops = new Ops(be);
    // With oneDNN switched off for a model (see backends/tensorflow.ts needsOnednnOff), none of
    // its kernels may run, so the stock ops are used.
    const onednnOff = ['0', 'false'].includes((process.env.TF_ENABLE_ONEDNN_OPTS ?? '').trim().toLowerCase());
    this.mkl = options.mkl !== false && !onednnOff && this.ops.mklWorks();
    this.plan = makePlan(built, spec, options.foldRelu !== false);
    this.vars = [];
    for (const s of this.plan) {
      if (s.kind === 'conv' || s.kind === 'dense') {
        this.vars.push(s.w);
        if (s.b) this.vars.push(s.b);
      }
    }
    this.state = optimizer as unknown as TfjsOptimizerState;
    this.suffixes = slotSuffixes(this.optimizerName);
    const id = `cnnlab_${process.pid}_${nextId++}`;
    this.handles = this.vars.map((v, i) => tf.keep(this.ops.varHandle(v.shape, `${id}_var${i}`)));
    this.slots = this.suffixes.map((_, s) => this.vars.map((v, i) => tf.keep(this.ops.varHandle(v.shape, `${id}_slot${s}_${i}`))));
  }

  /**
   * The fast step for this model, or null when it cannot run here (not the native backend, or a
   * layer it does not handle). Reads the model's weights and the optimizer's state as they are now.
   */
  static async create(built: BuiltModel, spec: ModelSpec, optimizer: tf.Optimizer, options: NativeStepOptions = {}): Promise<NativeStep | null> {
    const be = nativeBackend();
    if (!be || nativeStepUnsupported(spec.layers) !== null) return null;
    const step = new NativeStep(be, built, spec, optimizer, spec.train.optimizer, options);
    await step.loadState();
    return step;
  }

  /** Copies the weights and the tfjs optimizer's state (fresh, or restored from a checkpoint) into the resource variables. */
  private async loadState(): Promise<void> {
    const all = this.optimizerName === 'adamax' ? [] : await this.optimizer.getWeights();
    // tfjs makes a fresh `iter` scalar on every getWeights(); the rest are its own variables.
    if (all[0]?.name === 'iter') all[0].tensor.dispose();
    const saved = all.slice(1);
    const n = this.vars.length;
    const complete = saved.length === this.suffixes.length * n;
    this.iterations = this.optimizer.iterations;
    tf.tidy(() => {
      this.vars.forEach((v, i) => this.ops.assignVariable(this.handles[i] as tf.Tensor, v));
      this.slots.forEach((slot, s) => slot.forEach((handle, i) => {
        const v = this.vars[i] as tf.Variable;
        const fromCheckpoint = complete ? saved[s * n + i]?.tensor : undefined;
        const init = this.optimizerName === 'adagrad' ? (this.state.initialAccumulatorValue ?? 0.1) : 0;
        this.ops.assignVariable(handle, fromCheckpoint && fromCheckpoint.shape.join() === v.shape.join() ? fromCheckpoint : tf.fill(v.shape, init));
      }));
    });
  }

  /**
   * The optimizer state as the tfjs optimizer would report it (`iter`, then each slot for every
   * variable, with tfjs's names), for checkpoints; the caller disposes the tensors. Null for
   * Adamax, whose tfjs class cannot export state either.
   */
  optimizerState(): NamedTensor[] | null {
    if (this.optimizerName === 'adamax') return null;
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }];
    this.slots.forEach((slot, s) => slot.forEach((handle, i) => {
      out.push({ name: `${(this.vars[i] as tf.Variable).name}/${this.suffixes[s] ?? ''}`, tensor: this.ops.readVariable(handle) });
    }));
    return out;
  }

  /**
   * A stand-in for the tfjs optimizer when a checkpoint is written (`modelArtifacts` reads its
   * `getWeights()`): it reports this step's state. Null for Adamax (no state export in tfjs).
   */
  checkpointOptimizer(): tf.Optimizer | null {
    return this.optimizerName === 'adamax' ? null : new CheckpointOptimizer(() => this.optimizerState() ?? []);
  }

  /** A cached float32 scalar for a constant (learning rate, betas, dropout scale). */
  private constant(v: number): tf.Tensor {
    const key = `f${v}`;
    let t = this.shapeCache.get(key);
    if (!t) {
      t = tf.keep(tf.scalar(v));
      this.shapeCache.set(key, t);
    }
    return t;
  }

  /** A cached int32 shape tensor (inputs to Reshape and the conv backprop ops). */
  private shape(dims: readonly number[]): tf.Tensor {
    const key = dims.join(',');
    let t = this.shapeCache.get(key);
    if (!t) {
      t = tf.keep(tf.tensor1d([...dims], 'int32'));
      this.shapeCache.set(key, t);
    }
    return t;
  }

  /**
   * One step: forward, loss on the logits, backward, optimizer update. `x` is [B, H, W, C]
   * float32, `labels` [B] int32 class indices. Returns the batch's mean loss and accuracy.
   */
  step(x: tf.Tensor, labels: tf.Tensor): NativeStepResult {
    const { ops } = this;
    const batch = x.shape[0] ?? 0;
    const out = tf.tidy(() => {
      // ---- forward, keeping what the backward pass needs
      const inputs: tf.Tensor[] = [];
      const outputs: tf.Tensor[] = [];
      /** Per layer: the dropout mask, or oneDNN's max-pooling workspace. */
      const masks: (tf.Tensor | null)[] = [];
      /** Per max-pooling layer: its output before a folded ReLU. */
      const pooled: tf.Tensor[] = [];
      let h = x;
      for (const s of this.plan) {
        inputs.push(h);
        let mask: tf.Tensor | null = null;
        switch (s.kind) {
          case 'conv': {
            let z: tf.Tensor;
            if (s.b && this.mkl) z = ops.mklConv2dWithBias(h, s.w, s.b, s.strides, s.padding);
            else {
              z = ops.conv2d(h, s.w, s.strides, s.padding);
              if (s.b) z = ops.biasAdd(z, s.b);
            }
            h = s.relu ? ops.relu(z) : z;
            break;
          }
          case 'dense': {
            let z = ops.matMul(h, s.w, false, false);
            if (s.b) z = ops.biasAdd(z, s.b);
            h = s.relu ? ops.relu(z) : z;
            break;
          }
          case 'maxpool':
            if (this.mkl) [h, mask] = ops.mklMaxPool(h, s.pool, s.strides, s.padding);
            else h = ops.maxPool(h, s.pool, s.strides, s.padding);
            pooled[inputs.length - 1] = h;
            if (s.relu) h = ops.relu(h);
            break;
          case 'flatten':
            h = ops.reshape(h, this.shape([h.shape[0] ?? 0, h.size / (h.shape[0] ?? 1)]));
            break;
          case 'dropout':
            // Inverted dropout as in SeededDropout, with the mask drawn by TensorFlow from a seed
            // of the layer's stream (drawing 200k numbers in JavaScript took 3 ms a step).
            if (s.layer.rate > 0 && this.options.dropoutMasks === 'javascript') {
              mask = tf.tensor(s.layer.drawMask(h.size) ?? new Float32Array(h.size).fill(1), h.shape, 'float32');
              h = ops.mul(h, mask);
            } else if (s.layer.rate > 0) {
              const u = ops.statelessUniform(this.shape(h.shape), tf.tensor1d(s.layer.nextSeedPair(), 'int32'));
              mask = ops.greaterEqual(u, this.constant(s.layer.rate));
              h = ops.select(mask, ops.mul(h, this.constant(1 / (1 - s.layer.rate))), this.constant(0));
            }
            break;
        }
        masks.push(mask);
        outputs.push(h);
      }
      // The last layer's output is the logits: its softmax (if any) is part of the loss.
      const [lossPerSample, dLogits] = ops.sparseSoftmaxCrossEntropy(h, labels);
      let dy = ops.mul(dLogits, this.constant(1 / Math.max(1, batch)));

      // ---- backward
      const grads = new Map<tf.Variable, tf.Tensor>();
      for (let i = this.plan.length - 1; i >= 0; i--) {
        const s = this.plan[i] as Step;
        const input = inputs[i] as tf.Tensor;
        const output = outputs[i] as tf.Tensor;
        const needInput = i > 0;
        switch (s.kind) {
          case 'conv': {
            const dz = s.relu ? ops.reluGrad(dy, output) : dy;
            if (s.b) grads.set(s.b, ops.biasAddGrad(dz));
            grads.set(s.w, ops.conv2dBackpropFilter(input, this.shape(s.wShape), dz, s.strides, s.padding));
            if (needInput) dy = ops.conv2dBackpropInput(this.shape(input.shape), s.w, dz, s.strides, s.padding);
            break;
          }
          case 'dense': {
            const dz = s.relu ? ops.reluGrad(dy, output) : dy;
            if (s.b) grads.set(s.b, ops.biasAddGrad(dz));
            grads.set(s.w, ops.matMul(input, dz, true, false));
            if (needInput) dy = ops.matMul(dz, s.w, false, true);
            break;
          }
          case 'maxpool': {
            const workspace = masks[i];
            const p = pooled[i] as tf.Tensor;
            if (s.relu) dy = ops.reluGrad(dy, output);
            if (needInput) {
              dy = workspace
                ? ops.mklMaxPoolGrad(input, p, dy, workspace, s.pool, s.strides, s.padding)
                : ops.maxPoolGrad(input, p, dy, s.pool, s.strides, s.padding);
            }
            break;
          }
          case 'flatten':
            if (needInput) dy = ops.reshape(dy, this.shape(input.shape));
            break;
          case 'dropout': {
            const keep = masks[i];
            if (keep && needInput) {
              dy = keep.dtype === 'float32' ? ops.mul(dy, keep) : ops.select(keep, ops.mul(dy, this.constant(1 / (1 - s.layer.rate))), this.constant(0));
            }
            break;
          }
        }
      }

      // ---- update: one ResourceApply op per variable, then hand the new values to the tfjs variables
      this.iterations++;
      if (this.options.update === 'tfjs') {
        this.optimizer.applyGradients(Object.fromEntries(this.vars.map((v) => [v.name, grads.get(v) as tf.Tensor])));
      } else {
        this.applyUpdates(grads);
        this.vars.forEach((v, i) => v.assign(ops.readVariable(this.handles[i] as tf.Tensor)));
      }
      return [lossPerSample, h];
    });
    const [lossT, logitsT] = out;
    if (!lossT || !logitsT) throw new Error('native step lost its outputs');
    const losses = lossT.dataSync();
    const logits = logitsT.dataSync();
    lossT.dispose();
    logitsT.dispose();
    const labelValues = labels.dataSync();
    const classes = logits.length / Math.max(1, batch);
    let lossSum = 0;
    let correct = 0;
    for (let k = 0; k < batch; k++) {
      lossSum += losses[k] as number;
      let best = 0;
      for (let c = 1; c < classes; c++) if ((logits[k * classes + c] as number) > (logits[k * classes + best] as number)) best = c;
      if (best === labelValues[k]) correct++;
    }
    return { loss: lossSum / Math.max(1, batch), acc: correct / Math.max(1, batch) };
  }

  private applyUpdates(grads: ReadonlyMap<tf.Variable, tf.Tensor>): void {
    const { ops } = this;
    const st = this.state;
    const c = (v: number): tf.Tensor => this.constant(v);
    const lr = c(st.learningRate);
    const t = this.iterations;
    const b1 = st.beta1 ?? 0.9;
    const b2 = st.beta2 ?? 0.999;
    const eps = st.epsilon ?? 1e-7;
    // Scalars that change every step: made once per step, shared by all variables (the tidy frees them).
    const b1Power = this.optimizerName === 'adam' || this.optimizerName === 'adamax' ? tf.scalar(b1 ** t) : null;
    const b2Power = this.optimizerName === 'adam' ? tf.scalar(b2 ** t) : null;
    // TensorFlow's Adam op adds ε to √v; tfjs (and the Adam paper's Algorithm 1) add it to √v̂ =
    // √v / √(1-β2ᵗ). Passing ε·√(1-β2ᵗ) makes the op compute tfjs's update exactly, so every
    // backend trains the same model. (Keras uses the op's form; the difference only shows for
    // gradients near ε.)
    const adamEps = this.optimizerName === 'adam' ? tf.scalar(eps * Math.sqrt(1 - b2 ** t)) : null;
    this.vars.forEach((v, i) => {
      const g = grads.get(v);
      if (!g) throw new Error(`no gradient for ${v.name}`);
      const handle = this.handles[i] as tf.Tensor;
      const slot = (s: number): tf.Tensor => this.slots[s]?.[i] as tf.Tensor;
      switch (this.optimizerName) {
        case 'sgd':
          ops.apply('ResourceApplyGradientDescent', [handle, lr, g]);
          break;
        case 'adam':
          ops.apply('ResourceApplyAdam', [handle, slot(0), slot(1), b1Power as tf.Tensor, b2Power as tf.Tensor, lr,
            c(b1), c(b2), adamEps as tf.Tensor, g], [ops.boolAttr('use_nesterov', false)]);
          break;
        case 'adamax':
          ops.apply('ResourceApplyAdaMax', [handle, slot(0), slot(1), b1Power as tf.Tensor, lr, c(b1), c(b2), c(eps), g]);
          break;
        case 'rmsprop':
          ops.apply('ResourceApplyRMSProp', [handle, slot(0), slot(1), lr, c(st.decay ?? 0.9), c(st.momentum ?? 0), c(eps), g]);
          break;
        case 'adagrad':
          ops.apply('ResourceApplyAdagradV2', [handle, slot(0), lr, c(eps), g], [ops.boolAttr('update_slots', true)]);
          break;
      }
    });
  }

  /** Frees the resource variables and cached tensors. */
  dispose(): void {
    for (const h of [...this.handles, ...this.slots.flat()]) {
      this.ops.destroyResource(h);
      h.dispose();
    }
    for (const t of this.shapeCache.values()) t.dispose();
    this.shapeCache.clear();
  }
}
