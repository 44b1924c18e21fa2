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
 * A ReLU in front of a max pooling runs behind it instead (`foldRelu`): same result, a quarter of
 * the work.
 *
 * - the conv (+ bias) (+ ReLU) forward runs in one fused kernel where one runs here: oneDNN's
 *   `_MklNativeFusedConv2D` with oneDNN on, TensorFlow's `_FusedConv2D` (and `_FusedMatMul` for
 *   dense layers) with it off (they take list attributes, which need CNN Lab's binding patch;
 *   `Ops.fusedKernels` checks once and the unfused ops stay the fallback).
 *
 * Each layer's forward and backward pass is its module's (./layers/<type>.ts, `native`), every
 * layer type and activation of the language (batch normalisation as `FusedBatchNormV3`, with the
 * tfjs layer's moving statistics updated as tfjs does); this module holds what is generic: the
 * plan of passes, the loop over them, the loss, the resource variables and the optimizer updates
 * (the ops themselves are ./nativeOps.ts). A layer type added without a pass makes
 * `NativeStep.create` return null and the trainer keep `trainOnBatch`, saying so. The passes are
 * checked against tfjs's automatic differentiation layer by layer (test/process/native/gradients.test.ts)
 * and as whole models on every optimizer (test/process/trainer/nativeStep.test.ts).
 *
 * The optimizer state (moments, accumulators, iteration count) lives in resource variables during
 * training. It is read from the tfjs optimizer when the step is created (fresh, or restored from a
 * checkpoint) and written out under tfjs's names through `checkpointOptimizer()`, so checkpoints
 * stay the tfjs layers format and a run resumes on any backend.
 */
import * as tf from '@tensorflow/tfjs';
import { outputLayerIndex, type LayerSpec, type TypedModelSpec } from '../core/index';
import type { ModelSpec, ModelSummary } from '../shared/modelSpec';
import type { BackendName, TrainingStep } from '../shared/trainerProtocol';
import { isRelu } from './layers/activations';
import { trainerLayerOf, type Gradients, type NativeForward, type NativePass, type PlanContext, type StepContext } from './layers/index';
import type { BuiltModel } from './model';
import { nativeBackend, Ops, type FusedKernels, type NativeBackend } from './nativeOps';

// ------------------------------------------------------------------ the model as a plan of passes

/**
 * The first layer the direct step does not run (0-based, and why in the user's words), or null
 * when it runs the whole model. Every layer type of the language has a pass today; a type added
 * without one names itself here (its module's `native` is the reason), and the trainer says so in
 * its log and in the run's `trainingStep`.
 */
export function nativeStepUnsupported(layers: readonly LayerSpec[]): { readonly layerIndex: number; readonly reason: string } | null {
  const out = outputLayerIndex(layers);
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i] as LayerSpec;
    const native = trainerLayerOf(l).native;
    if (typeof native === 'string') return { layerIndex: i, reason: native };
    const why = native.unsupported?.(l, i === out);
    if (why) return { layerIndex: i, reason: why };
  }
  return null;
}

/**
 * How this run's steps go (the run's `trainingStep`, for the log, the CLI and the dashboard): the
 * direct step with the kernels it uses, trainOnBatch because a layer has no pass (or the native
 * backend could not make the step), or trainOnBatch as the wasm and cpu backends' own path.
 */
export function trainingStepOf(backend: BackendName, step: NativeStep | null, layers: readonly LayerSpec[], summary: ModelSummary): TrainingStep {
  if (backend !== 'tensorflow') return { kind: 'backendPath', backend };
  if (step) {
    return {
      kind: 'direct',
      kernels: [
        ...(step.mkl ? ['oneDNN pooling and convolution kernels'] : []),
        ...(step.fused ? [`fused conv + bias + ReLU (${step.fused === 'mkl' ? "oneDNN's _MklNativeFusedConv2D" : "TensorFlow's _FusedConv2D and _FusedMatMul"})`] : []),
      ],
    };
  }
  const why = nativeStepUnsupported(layers);
  if (!why) return { kind: 'fallback', layerIndex: null, layerName: null, reason: "this model (TensorFlow's training ops could not be loaded)" };
  return { kind: 'fallback', layerIndex: why.layerIndex, layerName: summary.layers[why.layerIndex]?.name ?? null, reason: `layer ${why.layerIndex + 1}, ${why.reason}` };
}

/**
 * How the loss meets the model's output, as tfjs's compiled loss does (../model.ts `compileModel`):
 * - `logits`: a model that ends in softmax, whose output layer can give its logits (a softmax over
 *   the output's only axis: a vector, or a 1×1 map, with nothing but flatten after it): the
 *   softmax and categorical cross-entropy are one `SparseSoftmaxCrossEntropyWithLogits`, which is
 *   what tfjs computes up to rounding and what Keras does for such a model;
 * - `probabilities`: any other model that ends in softmax (a dropout after the softmax, a softmax
 *   over the channels of a map): tfjs's categorical cross-entropy on the output as it is,
 *   normalised to sum 1 and clipped to [ε, 1 − ε];
 * - `raw`: a model that outputs logits: softmax cross-entropy on them.
 */
type LossMode = { readonly kind: 'logits'; readonly layer: number } | { readonly kind: 'probabilities' | 'raw' };

function lossMode(built: BuiltModel, layers: readonly LayerSpec[]): LossMode {
  if (!built.outputsProbabilities) return { kind: 'raw' };
  const out = outputLayerIndex(layers);
  const outLayer = layers[out];
  const native = outLayer ? trainerLayerOf(outLayer).native : null;
  const shape = (built.model.layers[out]?.outputShape ?? []) as (number | null)[];
  const softmaxOverAll = shape.slice(1, -1).every((d) => d === 1);
  const onlyFlattenAfter = layers.slice(out + 1).every((l) => l.type === 'flatten');
  return native && typeof native !== 'string' && native.logits && softmaxOverAll && onlyFlattenAfter
    ? { kind: 'logits', layer: out }
    : { kind: 'probabilities' };
}

/**
 * A ReLU commutes with max pooling (both are monotone: max(relu(a), relu(b)) = relu(max(a, b))),
 * so conv → ReLU → max-pool runs as conv → max-pool → ReLU: the ReLU and its gradient touch a
 * quarter of the values (2×2 pooling). The gradients are the same: where the window's maximum is
 * positive, both route it to the same position; where it is not, the ReLU gradient is zero in both.
 * A conv whose fused kernel applies the ReLU anyway (at no cost) keeps it, and only the gradient
 * moves behind the pooling (`reluApplied`). Generic over the passes: one that can leave its ReLU
 * to the next (`withoutRelu`) followed by one that can take it (`withRelu`). Before that, a ReLU
 * layer joins the pass before it where that pass can run it in its own kernel (`absorbRelu`:
 * batch norm → ReLU as oneDNN's fused batch norm, a linear conv → ReLU as a conv with ReLU).
 */
function foldRelu(plan: readonly NativePass[]): NativePass[] {
  // First an `activation: relu` layer into the pass before it, where that one's kernel can apply it.
  const out: NativePass[] = [];
  for (const p of plan) {
    const prev = out[out.length - 1];
    if (prev?.absorbRelu && isRelu(p)) out[out.length - 1] = prev.absorbRelu();
    else out.push(p);
  }
  for (let i = 0; i + 1 < out.length; i++) {
    const next = out[i + 1] as NativePass;
    if (!next.withRelu) continue;
    const without = (out[i] as NativePass).withoutRelu?.();
    if (!without) continue;
    out[i] = without.pass;
    out[i + 1] = next.withRelu(without.reluApplied);
  }
  return out;
}

/** Each layer's pass over the built model's variables (for a model `nativeStepUnsupported` accepts). */
function makePlan(built: BuiltModel, spec: TypedModelSpec, loss: LossMode, kernels: Omit<PlanContext, 'logits'>, fold: boolean): NativePass[] {
  const layers = built.model.layers;
  const plan = spec.layers.map((l, i): NativePass => {
    const layer = layers[i];
    if (!layer) throw new Error(`model has no layer ${i}`);
    const native = trainerLayerOf(l).native;
    if (typeof native === 'string') throw new Error(`the native step does not handle ${native}`);
    return native.pass(l, layer, { ...kernels, logits: loss.kind === 'logits' && loss.layer === i });
  });
  return fold ? foldRelu(plan) : plan;
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
  /** Run a ReLU that precedes max pooling behind it (see `foldRelu`). Default true. */
  readonly foldRelu?: boolean;
  /**
   * Use the fused kernels where they run here (see `Ops.fusedKernels`): conv (+ bias + ReLU), and
   * with oneDNN batch norm + ReLU and oneDNN's conv kernels by name. Default true.
   */
  readonly fused?: boolean;
}

/**
 * The fast training step. Create it after the model is built and compiled (and restored, when
 * resuming); `dispose` it at the end of training. `checkpointOptimizer()` stands in for the tfjs
 * optimizer when a checkpoint is written.
 */
export class NativeStep {
  private readonly ops: Ops;
  private readonly plan: NativePass[];
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
  /** The fused conv (+ bias + ReLU) kernels used, or null (see `Ops.fusedKernels`). */
  readonly fused: FusedKernels | null;
  private readonly loss: LossMode;
  /** What the layers' passes run with. */
  private readonly ctx: StepContext;

  private constructor(
    be: NativeBackend, built: BuiltModel, spec: TypedModelSpec,
    private readonly optimizer: tf.Optimizer, private readonly optimizerName: ModelSpec['train']['optimizer'],
    private readonly options: NativeStepOptions,
  ) {
    this.ops = new Ops(be);
    // With oneDNN switched off for a model (see backends/tensorflow.ts needsOnednnOff), none of
    // its kernels may run, so the stock ops are used.
    const onednnOff = ['0', 'false'].includes((process.env.TF_ENABLE_ONEDNN_OPTS ?? '').trim().toLowerCase());
    this.mkl = options.mkl !== false && !onednnOff && this.ops.mklWorks();
    this.fused = options.fused === false ? null : this.ops.fusedKernels(this.mkl, onednnOff);
    this.loss = lossMode(built, spec.layers);
    this.plan = makePlan(built, spec, this.loss, { mkl: this.mkl, fused: this.fused }, options.foldRelu !== false);
    this.vars = this.plan.flatMap((p) => p.variables);
    this.ctx = {
      ops: this.ops, mkl: this.mkl, dropoutMasks: options.dropoutMasks ?? 'tensorflow',
      shape: (dims) => this.shape(dims), constant: (v) => this.constant(v), int32: (values, shape) => this.int32(values, shape),
    };
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
  static async create(built: BuiltModel, spec: TypedModelSpec, optimizer: tf.Optimizer, options: NativeStepOptions = {}): Promise<NativeStep | null> {
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

  /** A cached int32 tensor of `values` in `shape`. */
  private int32(values: readonly number[], shape: readonly number[]): tf.Tensor {
    const key = `i${shape.join('x')}:${values.join(',')}`;
    let t = this.shapeCache.get(key);
    if (!t) {
      t = tf.keep(tf.tensor([...values], [...shape], 'int32'));
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
      // ---- forward, each pass keeping what its backward pass needs
      const passes: NativeForward[] = [];
      let h = x;
      for (const p of this.plan) {
        const f = p.forward(h, this.ctx);
        passes.push(f);
        h = f.y;
      }
      // The mean loss over the batch and its gradient with respect to the last output.
      const [lossPerSample, dOut] = this.loss.kind === 'probabilities'
        ? this.probabilityLoss(h, labels)
        : ops.sparseSoftmaxCrossEntropy(h, labels);
      let dy: tf.Tensor | null = ops.mul(dOut, this.constant(1 / Math.max(1, batch)));

      // ---- backward
      const grads: Gradients = new Map();
      for (let i = passes.length - 1; i >= 0 && dy; i--) dy = (passes[i] as NativeForward).backward(dy, i > 0, grads);

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

  /**
   * tfjs's categorical cross-entropy on probabilities `p` [B, C] (tfjs-layers `losses.ts`):
   * q = p / Σp, loss = −log(clip(q_label, ε, 1 − ε)), ε = 1e-7; and its gradient with respect to
   * p, per sample: (1/Σp − [k = label]/p_label) where the clip passes q_label, else 0.
   */
  private probabilityLoss(p: tf.Tensor, labels: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const { ops } = this;
    const c = (v: number): tf.Tensor => this.constant(v);
    const classes = p.shape[p.shape.length - 1] ?? 1;
    const lastAxis = this.int32([1], [1]);
    const oneHot = ops.oneHot(labels, this.int32([classes], []), c(1), c(0));
    const total = ops.sum(p, lastAxis, true);
    const atLabel = ops.sum(ops.mul(p, oneHot), lastAxis, true);
    const q = ops.div(atLabel, total);
    const eps = 1e-7;
    const clipped = ops.clip(q, c(eps), c(1 - eps));
    const loss = ops.reshape(ops.neg(ops.log(clipped)), this.shape([p.shape[0] ?? 0]));
    const passes = ops.equal(q, clipped);
    const grad = ops.sub(ops.div(c(1), total), ops.div(oneHot, atLabel));
    return [loss, ops.select(passes, grad, c(0))];
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
