/**
 * TensorFlow's fused convolution and matmul kernels as tfjs-node's backend calls them, next to the
 * unfused ops they replace; shared by test/process/native/fusedOps.* and bench/fusedOps.ts.
 *
 * The fused kernels take `fused_ops: list(string)` (and `_FusedConv2D` also `TArgs: list(type)`),
 * which tfjs-node's binding passes only with CNN Lab's patch (scripts/native/binding-patch.mjs,
 * applied by scripts/provision-native.mjs): an attribute whose `value` is an array.
 *
 * Implementations:
 * - `stock`: `_FusedConv2D` / `_FusedMatMul`, TensorFlow's own CPU kernels (what Grappler's
 *   remapper fuses Conv2D+BiasAdd+Relu into in a graph);
 * - `mklNative`: oneDNN's `_MklNativeFusedConv2D` / `_MklNativeFusedMatMul` (plain NHWC tensors in
 *   and out, reached with the node attribute `_kernel: MklNameChangeOp`, like the trainer's
 *   `_MklNativeConv2DWithBias`). `_MklNativeFusedConv2D`'s kernel reads `TArgs` although its op
 *   definition does not list it, so it is passed here too;
 * - `mklLayout`: the layout-dependent `_MklFusedMatMul` (`_kernel: MklLayoutDependentOp`), which
 *   takes a uint8 metadata tensor per input and returns one per output (what TensorFlow's graph
 *   rewrite pass wires in); an all-zero 8-byte tensor means "plain tensor".
 * The layout-dependent `_MklFusedConv2D` returns its output in oneDNN's blocked layout, which
 * only `_MklToTf` converts back (see fusedOps.test.ts for what happens).
 */
import type * as tfTypes from '@tensorflow/tfjs';

type Tensor = tfTypes.Tensor;

export interface OpAttr { readonly name: string; readonly type: number; readonly value: unknown }

/** The part of tfjs-node's `NodeJSKernelBackend` used here. */
export interface NodeBackend {
  readonly binding: {
    readonly TF_ATTR_STRING: number; readonly TF_ATTR_INT: number; readonly TF_ATTR_FLOAT: number;
    readonly TF_ATTR_BOOL: number; readonly TF_ATTR_TYPE: number;
    readonly TF_FLOAT: number; readonly TF_INT32: number; readonly TF_Version: string;
  };
  executeSingleOutput(name: string, attrs: readonly OpAttr[], inputs: readonly Tensor[]): Tensor;
  executeMultipleOutputs(name: string, attrs: readonly OpAttr[], inputs: readonly Tensor[], numOutputs: number): Tensor[];
}

export function nodeBackend(tf: typeof tfTypes): NodeBackend {
  if (tf.getBackend() !== 'tensorflow') throw new Error(`backend is ${tf.getBackend()}, not tensorflow`);
  const be = tf.backend() as unknown as Partial<NodeBackend>;
  if (typeof be.executeSingleOutput !== 'function' || typeof be.executeMultipleOutputs !== 'function' || !be.binding) {
    throw new Error('the tensorflow backend does not expose executeSingleOutput/executeMultipleOutputs');
  }
  return be as NodeBackend;
}

export type Padding = 'SAME' | 'VALID';
export type FusedOps = readonly ['BiasAdd'] | readonly ['BiasAdd', 'Relu'];
export type ConvImpl = 'stock' | 'mklNative';
export type DenseImpl = 'stock' | 'mklNative' | 'mklLayout';

/** TF_UINT8, the dtype of oneDNN's layout metadata tensors. */
const TF_UINT8 = 4;

export class Kernels {
  private readonly T: OpAttr;
  constructor(readonly be: NodeBackend, private readonly tf: typeof tfTypes) {
    this.T = this.type('T', be.binding.TF_FLOAT);
  }
  private attr(name: string, type: number, value: unknown): OpAttr { return { name, type, value }; }
  private str(name: string, value: string | readonly string[]): OpAttr { return this.attr(name, this.be.binding.TF_ATTR_STRING, value); }
  private int(name: string, value: number | readonly number[]): OpAttr { return this.attr(name, this.be.binding.TF_ATTR_INT, value); }
  private float(name: string, value: number): OpAttr { return this.attr(name, this.be.binding.TF_ATTR_FLOAT, value); }
  private bool(name: string, value: boolean): OpAttr { return this.attr(name, this.be.binding.TF_ATTR_BOOL, value); }
  private type(name: string, value: number | readonly number[]): OpAttr { return this.attr(name, this.be.binding.TF_ATTR_TYPE, value); }
  private one(op: string, attrs: readonly OpAttr[], inputs: readonly Tensor[]): Tensor { return this.be.executeSingleOutput(op, attrs, inputs); }

  private convAttrs(stride: number, padding: Padding): OpAttr[] {
    return [this.T, this.int('strides', [1, stride, stride, 1]), this.str('padding', padding), this.str('data_format', 'NHWC'),
      this.int('dilations', [1, 1, 1, 1]), this.bool('use_cudnn_on_gpu', true)];
  }
  private fusedAttrs(ops: FusedOps, numArgs: number): OpAttr[] {
    return [this.int('num_args', numArgs), this.str('fused_ops', ops), this.float('epsilon', 1e-4), this.float('leakyrelu_alpha', 0.2)];
  }
  private readonly nameChange = (): OpAttr => this.str('_kernel', 'MklNameChangeOp');
  private readonly layoutDependent = (): OpAttr => this.str('_kernel', 'MklLayoutDependentOp');

  // ---- the unfused ops
  conv2d(x: Tensor, w: Tensor, stride: number, padding: Padding): Tensor { return this.one('Conv2D', this.convAttrs(stride, padding), [x, w]); }
  biasAdd(x: Tensor, b: Tensor): Tensor { return this.one('BiasAdd', [this.T, this.str('data_format', 'NHWC')], [x, b]); }
  relu(x: Tensor): Tensor { return this.one('Relu', [this.T], [x]); }
  reluGrad(dy: Tensor, features: Tensor): Tensor { return this.one('ReluGrad', [this.T], [dy, features]); }
  matMul(a: Tensor, b: Tensor): Tensor {
    return this.one('MatMul', [this.T, this.bool('transpose_a', false), this.bool('transpose_b', false)], [a, b]);
  }
  /** oneDNN's conv + bias in one kernel, what the trainer's step runs today (`_MklNativeConv2DWithBias`). */
  mklConv2dWithBias(x: Tensor, w: Tensor, b: Tensor, stride: number, padding: Padding): Tensor {
    return this.one('_MklNativeConv2DWithBias', [...this.convAttrs(stride, padding), this.nameChange(), this.bool('is_filter_const', false)], [x, w, b]);
  }
  biasAddGrad(dy: Tensor): Tensor { return this.one('BiasAddGrad', [this.T, this.str('data_format', 'NHWC')], [dy]); }
  /** The weight gradient as the trainer computes it (`Conv2DBackpropFilter`), or oneDNN's kernel by name (`mkl`). */
  conv2dBackpropFilter(x: Tensor, filterSizes: Tensor, dy: Tensor, stride: number, padding: Padding, mkl: boolean): Tensor {
    return mkl
      ? this.one('_MklNativeConv2DBackpropFilter', [...this.convAttrs(stride, padding), this.nameChange()], [x, filterSizes, dy])
      : this.one('Conv2DBackpropFilter', this.convAttrs(stride, padding), [x, filterSizes, dy]);
  }
  /** oneDNN's weight gradient with the bias gradient in the same kernel: [dW, db]. */
  mklConv2dBackpropFilterWithBias(x: Tensor, filterSizes: Tensor, dy: Tensor, stride: number, padding: Padding): Tensor[] {
    return this.be.executeMultipleOutputs('_MklNativeConv2DBackpropFilterWithBias', [...this.convAttrs(stride, padding), this.nameChange()], [x, filterSizes, dy], 2);
  }
  /** Conv2D → BiasAdd (→ Relu), three ops; returns the pre-activation too. */
  unfusedConv(x: Tensor, w: Tensor, b: Tensor, stride: number, padding: Padding, ops: FusedOps): { y: Tensor; z: Tensor } {
    const z = this.biasAdd(this.conv2d(x, w, stride, padding), b);
    return { z, y: ops.length === 2 ? this.relu(z) : z };
  }
  /** MatMul → BiasAdd (→ Relu). */
  unfusedDense(x: Tensor, w: Tensor, b: Tensor, ops: FusedOps): { y: Tensor; z: Tensor } {
    const z = this.biasAdd(this.matMul(x, w), b);
    return { z, y: ops.length === 2 ? this.relu(z) : z };
  }

  // ---- the fused kernels
  fusedConv(impl: ConvImpl, x: Tensor, w: Tensor, b: Tensor, stride: number, padding: Padding, ops: FusedOps): Tensor {
    const attrs = [...this.convAttrs(stride, padding), ...this.fusedAttrs(ops, 1), this.type('TArgs', [this.be.binding.TF_FLOAT])];
    if (impl === 'stock') return this.one('_FusedConv2D', [...attrs, this.int('num_host_args', 0), this.str('filter_format', 'HWIO')], [x, w, b]);
    return this.one('_MklNativeFusedConv2D', [...attrs, this.nameChange(), this.bool('is_filter_const', false)], [x, w, b]);
  }
  fusedDense(impl: DenseImpl, x: Tensor, w: Tensor, b: Tensor, ops: FusedOps): Tensor {
    const attrs = [this.T, this.bool('transpose_a', false), this.bool('transpose_b', false), ...this.fusedAttrs(ops, 1)];
    if (impl === 'stock') return this.one('_FusedMatMul', attrs, [x, w, b]);
    if (impl === 'mklNative') return this.one('_MklNativeFusedMatMul', [...attrs, this.nameChange(), this.bool('is_filter_const', false)], [x, w, b]);
    const [y] = this.be.executeMultipleOutputs('_MklFusedMatMul', [...attrs, this.layoutDependent()],
      [x, w, b, this.plainMeta(), this.plainMeta(), this.plainMeta()], 2);
    if (!y) throw new Error('_MklFusedMatMul returned no output');
    return y;
  }
  /**
   * The layout-dependent `_MklFusedConv2D`, raw: [output, filter_output, mkl_output,
   * mkl_filter_output] (the output in oneDNN's own layout, described by mkl_output).
   */
  mklLayoutFusedConvRaw(x: Tensor, w: Tensor, b: Tensor, stride: number, padding: Padding, ops: FusedOps): Tensor[] {
    return this.be.executeMultipleOutputs('_MklFusedConv2D', [...this.convAttrs(stride, padding), ...this.fusedAttrs(ops, 1), this.layoutDependent()],
      [x, w, b, this.plainMeta(), this.plainMeta(), this.plainMeta()], 4);
  }
  /** `_MklToTf`: a tensor in oneDNN's layout (with its metadata) back to a plain one. */
  mklToTf(x: Tensor, meta: Tensor): Tensor {
    return this.one('_MklToTf', [this.T, this.str('data_format', 'NHWC'), this.layoutDependent()], [x, meta]);
  }
  /** The metadata of a plain (non-oneDNN) tensor: 8 zero bytes, as TensorFlow's graph rewrite makes it. */
  plainMeta(): Tensor {
    const zeros = this.tf.zeros([8], 'int32');
    const meta = this.one('Cast', [this.type('SrcT', this.be.binding.TF_INT32), this.type('DstT', TF_UINT8), this.bool('Truncate', false)], [zeros]);
    zeros.dispose();
    return meta;
  }
}

/** Deterministic uniform values in [-scale, scale) (a 32-bit LCG): the same inputs in every process. */
export function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** A convolution layer of the course models: input H×W×C, `filters` of k×k. */
export interface ConvLayer { readonly name: string; readonly h: number; readonly w: number; readonly c: number; readonly filters: number; readonly k: number }
/** A dense layer: `inputs` → `units`. */
export interface DenseLayer { readonly name: string; readonly inputs: number; readonly units: number }

export const CONV_LAYERS: readonly ConvLayer[] = [
  { name: 'course MNIST conv1 (28×28×1 → 32, 3×3)', h: 28, w: 28, c: 1, filters: 32, k: 3 },
  { name: 'course MNIST conv2 (14×14×32 → 64, 3×3)', h: 14, w: 14, c: 32, filters: 64, k: 3 },
  { name: 'Keras mnist_convnet conv2 (13×13×32 → 64, 3×3)', h: 13, w: 13, c: 32, filters: 64, k: 3 },
  { name: 'CIFAR-10 32×32×3 → 16, 3×3', h: 32, w: 32, c: 3, filters: 16, k: 3 },
  { name: 'CIFAR-10 AlexNet conv1 (32×32×3 → 16, 2×2)', h: 32, w: 32, c: 3, filters: 16, k: 2 },
  { name: 'CIFAR-10 AlexNet conv2 (16×16×16 → 32, 2×2)', h: 16, w: 16, c: 16, filters: 32, k: 2 },
  { name: 'CIFAR-10 AlexNet conv3 (8×8×32 → 64, 2×2)', h: 8, w: 8, c: 32, filters: 64, k: 2 },
];

export const DENSE_LAYERS: readonly DenseLayer[] = [
  { name: 'course MNIST dense1 (3136 → 64)', inputs: 3136, units: 64 },
  { name: 'course MNIST dense2 (64 → 10)', inputs: 64, units: 10 },
  { name: 'Keras mnist_convnet dense (1600 → 10)', inputs: 1600, units: 10 },
  { name: 'CIFAR-10 AlexNet dense1 (1024 → 500)', inputs: 1024, units: 500 },
  { name: 'CIFAR-10 AlexNet dense2 (500 → 10)', inputs: 500, units: 10 },
];

/** Largest absolute difference relative to the reference's largest magnitude (Infinity on a shape mismatch or NaN). */
export function relDiff(a: ArrayLike<number>, ref: ArrayLike<number>): { rel: number; maxAbs: number } {
  if (a.length !== ref.length) return { rel: Number.POSITIVE_INFINITY, maxAbs: Number.POSITIVE_INFINITY };
  let d = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs((a[i] ?? Number.NaN) - (ref[i] ?? 0));
    if (Number.isNaN(diff)) return { rel: Number.POSITIVE_INFINITY, maxAbs: Number.POSITIVE_INFINITY };
    d = Math.max(d, diff);
    m = Math.max(m, Math.abs(ref[i] ?? 0));
  }
  return { rel: d / Math.max(m, 1e-12), maxAbs: d };
}
