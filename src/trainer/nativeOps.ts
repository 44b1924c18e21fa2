/**
 * libtensorflow's ops as the native training step calls them: tfjs-node's binding typed, and a
 * wrapper that supplies each op's attributes. Shared by the step's generic machinery
 * (nativeStep.ts: resource variables, optimizer updates, the loss) and the layers' forward and
 * backward passes (layers/<type>.ts), which never touch the binding themselves.
 */
import * as tf from '@tensorflow/tfjs';

// ------------------------------------------------------------------ the native binding, typed

export interface OpAttr { readonly name: string; readonly type: number; readonly value: unknown }

interface NativeBinding {
  readonly TF_ATTR_STRING: number;
  readonly TF_ATTR_INT: number;
  readonly TF_ATTR_FLOAT: number;
  readonly TF_ATTR_BOOL: number;
  readonly TF_ATTR_TYPE: number;
  readonly TF_ATTR_SHAPE: number;
  readonly TF_FLOAT: number;
  readonly TF_INT32: number;
  readonly TF_BOOL: number;
  readonly TF_RESOURCE: number;
}

/** The part of tfjs-node's `NodeJSKernelBackend` this module calls. */
export interface NativeBackend {
  readonly binding: NativeBinding;
  executeSingleOutput(name: string, attrs: readonly OpAttr[], inputs: readonly tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: readonly OpAttr[], inputs: readonly tf.Tensor[], numOutputs: number): tf.Tensor[];
}

export function nativeBackend(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  if (typeof b.executeSingleOutput !== 'function' || typeof b.executeMultipleOutputs !== 'function' || b.binding === undefined) return null;
  return b as NativeBackend;
}

/** Ops with their attributes; every call returns a tfjs tensor owned by the enclosing tidy. */
export class Ops {
  private readonly T: OpAttr;
  private readonly nhwc: OpAttr;
  constructor(readonly be: NativeBackend) {
    this.T = { name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT };
    this.nhwc = { name: 'data_format', type: be.binding.TF_ATTR_STRING, value: 'NHWC' };
  }
  private int(name: string, value: number | readonly number[]): OpAttr { return { name, type: this.be.binding.TF_ATTR_INT, value }; }
  private str(name: string, value: string | readonly string[]): OpAttr { return { name, type: this.be.binding.TF_ATTR_STRING, value }; }
  private bool(name: string, value: boolean): OpAttr { return { name, type: this.be.binding.TF_ATTR_BOOL, value }; }
  private float(name: string, value: number): OpAttr { return { name, type: this.be.binding.TF_ATTR_FLOAT, value }; }
  private type(name: string, value: number | readonly number[]): OpAttr { return { name, type: this.be.binding.TF_ATTR_TYPE, value }; }
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
  /** The input gradient; `mkl`: oneDNN's kernel by name (bit-identical, 2–9% faster at the benchmark models' shapes). */
  conv2dBackpropInput(inputSizes: tf.Tensor, w: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string, mkl = false): tf.Tensor {
    return mkl
      ? this.one('_MklNativeConv2DBackpropInput', [...this.convAttrs(strides, padding), ...this.mklAttrs()], [inputSizes, w, dy])
      : this.one('Conv2DBackpropInput', this.convAttrs(strides, padding), [inputSizes, w, dy]);
  }
  /** The weight gradient; `mkl` as for `conv2dBackpropInput`. */
  conv2dBackpropFilter(x: tf.Tensor, filterSizes: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string, mkl = false): tf.Tensor {
    return mkl
      ? this.one('_MklNativeConv2DBackpropFilter', [...this.convAttrs(strides, padding), ...this.mklAttrs()], [x, filterSizes, dy])
      : this.one('Conv2DBackpropFilter', this.convAttrs(strides, padding), [x, filterSizes, dy]);
  }
  biasAdd(x: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('BiasAdd', [this.T, this.nhwc], [x, b]); }
  biasAddGrad(dy: tf.Tensor): tf.Tensor { return this.one('BiasAddGrad', [this.T, this.nhwc], [dy]); }
  relu(x: tf.Tensor): tf.Tensor { return this.one('Relu', [this.T], [x]); }
  reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor { return this.one('ReluGrad', [this.T], [dy, y]); }
  /** `x > 0 ? x : alpha·x`. */
  leakyRelu(x: tf.Tensor, alpha: number): tf.Tensor { return this.one('LeakyRelu', [this.T, this.float('alpha', alpha)], [x]); }
  /** `dy · (x > 0 ? 1 : alpha)`, from the layer's input `x`. */
  leakyReluGrad(dy: tf.Tensor, x: tf.Tensor, alpha: number): tf.Tensor { return this.one('LeakyReluGrad', [this.T, this.float('alpha', alpha)], [dy, x]); }
  /** `x > 0 ? x : exp(x) − 1`. */
  elu(x: tf.Tensor): tf.Tensor { return this.one('Elu', [this.T], [x]); }
  /** `dy · (y < 0 ? y + 1 : 1)`, from the output `y` of `elu`. */
  eluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor { return this.one('EluGrad', [this.T], [dy, y]); }
  greater(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('Greater', [this.T], [a, b]); }
  /** Zero padding; `paddings` is int32 [rank, 2] (before, after per dimension). */
  pad(x: tf.Tensor, paddings: tf.Tensor): tf.Tensor {
    return this.one('Pad', [this.T, this.type('Tpaddings', this.be.binding.TF_INT32)], [x, paddings]);
  }
  /** The block of `size` at `begin` (both int32 [rank]). */
  slice(x: tf.Tensor, begin: tf.Tensor, size: tf.Tensor): tf.Tensor {
    return this.one('Slice', [this.T, this.type('Index', this.be.binding.TF_INT32)], [x, begin, size]);
  }
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
  /** oneDNN's convolution without bias (the stock `Conv2D` takes 1.5× as long for the first conv of the batch-norm benchmark). */
  mklConv2d(x: tf.Tensor, w: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('_MklNativeConv2D', [...this.convAttrs(strides, padding), ...this.mklAttrs(), this.bool('is_filter_const', false)], [x, w]);
  }
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
  avgPool(x: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('AvgPool', this.poolAttrs(pool, strides, padding), [x]);
  }
  /** `inputShape`: int32 [4], the shape of the pooling's input. */
  avgPoolGrad(inputShape: tf.Tensor, dy: tf.Tensor, pool: readonly [number, number], strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('AvgPoolGrad', this.poolAttrs(pool, strides, padding), [inputShape, dy]);
  }
  private depthwiseAttrs(strides: readonly [number, number], padding: string): OpAttr[] {
    return [this.T, this.int('strides', [1, strides[0], strides[1], 1]), this.str('padding', padding), this.nhwc, this.int('dilations', [1, 1, 1, 1])];
  }
  /** `w`: [kh, kw, channels, multiplier]; output channel c·multiplier + m. */
  depthwiseConv2d(x: tf.Tensor, w: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('DepthwiseConv2dNative', this.depthwiseAttrs(strides, padding), [x, w]);
  }
  depthwiseConv2dBackpropInput(inputSizes: tf.Tensor, w: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('DepthwiseConv2dNativeBackpropInput', this.depthwiseAttrs(strides, padding), [inputSizes, w, dy]);
  }
  depthwiseConv2dBackpropFilter(x: tf.Tensor, filterSizes: tf.Tensor, dy: tf.Tensor, strides: readonly [number, number], padding: string): tf.Tensor {
    return this.one('DepthwiseConv2dNativeBackpropFilter', this.depthwiseAttrs(strides, padding), [x, filterSizes, dy]);
  }
  /**
   * Batch normalisation of an NHWC input over its batch and spatial positions (training mode):
   * [y, batch mean, batch variance (Bessel-corrected, n/(n−1), as TensorFlow keeps it for its
   * running variance), and three reserve tensors the gradient takes]. `mean` and `variance` are
   * not read in training mode (`exponential_avg_factor` 1) but must be of the channel count.
   */
  fusedBatchNorm(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor[] {
    const out = this.be.executeMultipleOutputs('FusedBatchNormV3', this.batchNormAttrs(epsilon), [x, scale, offset, mean, variance], 6);
    if (out.length !== 6) throw new Error('FusedBatchNormV3 returned no outputs');
    return out;
  }
  private batchNormAttrs(epsilon: number): OpAttr[] {
    return [this.T, this.type('U', this.be.binding.TF_FLOAT), this.float('epsilon', epsilon), this.float('exponential_avg_factor', 1), this.nhwc, this.bool('is_training', true)];
  }
  /**
   * `fusedBatchNorm` with a ReLU after it in the same pass: oneDNN's `_MklNativeFusedBatchNormEx`
   * (the same outputs, y after the ReLU; its third reserve tensor holds the ReLU's mask, which
   * `fusedBatchNormGrad` takes as it takes the stock op's: gradients bit-identical, checked in
   * test/process/native). One pass over the map fewer than `FusedBatchNormV3` then `Relu`.
   */
  mklFusedBatchNormRelu(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor[] {
    const out = this.be.executeMultipleOutputs('_MklNativeFusedBatchNormEx', [...this.batchNormAttrs(epsilon), ...this.mklAttrs(),
      this.int('num_side_inputs', 0), this.str('activation_mode', 'Relu')], [x, scale, offset, mean, variance], 6);
    if (out.length !== 6) throw new Error('_MklNativeFusedBatchNormEx returned no outputs');
    return out;
  }
  /** [dx, dscale, doffset] from the forward pass's input and reserve tensors. */
  fusedBatchNormGrad(dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor, reserve: readonly tf.Tensor[], epsilon: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const [dx, dscale, doffset] = this.be.executeMultipleOutputs('FusedBatchNormGradV3', [this.T, this.type('U', this.be.binding.TF_FLOAT),
      this.float('epsilon', epsilon), this.nhwc, this.bool('is_training', true)], [dy, x, scale, ...reserve], 5);
    if (!dx || !dscale || !doffset) throw new Error('FusedBatchNormGradV3 returned no outputs');
    return [dx, dscale, doffset];
  }
  // ---- fused kernels: conv/matmul + bias (+ ReLU) in one kernel. Their `fused_ops` and `TArgs`
  // attributes are lists, which tfjs-node's binding passes only with CNN Lab's patch
  // (scripts/native/binding-patch.mjs); `fusedKernels()` checks that once. They return the layer's
  // output after the activation, which is what `ReluGrad` takes (measured and checked in
  // docs/benchmarks.md, "Fused kernels").
  private fusedAttrs(relu: boolean): OpAttr[] {
    return [this.int('num_args', 1), this.str('fused_ops', relu ? ['BiasAdd', 'Relu'] : ['BiasAdd']),
      this.float('epsilon', 1e-4), this.float('leakyrelu_alpha', 0.2)];
  }
  /**
   * `relu?(conv(x, w) + b)`: oneDNN's `_MklNativeFusedConv2D` (`mkl`, for libtensorflow with
   * oneDNN on) or TensorFlow's `_FusedConv2D` (`stock`, with oneDNN off; with it on the stock
   * kernel is Eigen's, 3–4.5× slower than oneDNN's on a 1- or 3-channel input).
   */
  fusedConv2d(kind: FusedKernels, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, strides: readonly [number, number], padding: string, relu: boolean): tf.Tensor {
    // `_MklNativeFusedConv2D`'s kernel reads `TArgs` too, although its op definition does not list it.
    const attrs = [...this.convAttrs(strides, padding), ...this.fusedAttrs(relu), this.type('TArgs', [this.be.binding.TF_FLOAT])];
    return kind === 'mkl'
      ? this.one('_MklNativeFusedConv2D', [...attrs, ...this.mklAttrs(), this.bool('is_filter_const', false)], [x, w, b])
      : this.one('_FusedConv2D', [...attrs, this.int('num_host_args', 0), this.str('filter_format', 'HWIO')], [x, w, b]);
  }
  /** `relu?(x·w + b)` as TensorFlow's `_FusedMatMul` (used with oneDNN off; with it on MatMul + BiasAdd (+ Relu) is as fast). */
  fusedMatMul(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, relu: boolean): tf.Tensor {
    return this.one('_FusedMatMul', [this.T, this.bool('transpose_a', false), this.bool('transpose_b', false), ...this.fusedAttrs(relu)], [x, w, b]);
  }
  /**
   * Which fused kernels run here: `mkl` when oneDNN's run (`mkl`), `stock` with oneDNN off, null
   * when neither does, e.g. an addon built before the binding patch ("Argument is not a
   * string!" on a list attribute). Checked once against the unfused ops on a tiny input.
   */
  fusedKernels(mkl: boolean, onednnOff: boolean): FusedKernels | null {
    const kind: FusedKernels | null = mkl ? 'mkl' : onednnOff ? 'stock' : null;
    if (kind === null) return null;
    try {
      const works = tf.tidy(() => {
        const x = tf.tensor4d([1, -5, 3, 2, 4, 0, -7, 6, 1, 2, 8, -3, 5, 9, 0, 4], [1, 4, 4, 1]);
        const w = tf.tensor4d([1, -1, 2, 0.5], [2, 2, 1, 1]);
        const b = tf.tensor1d([-2.25]);
        const close = (a: tf.Tensor, c: tf.Tensor): boolean => a.shape.join() === c.shape.join()
          && Array.from(a.dataSync()).every((v, i) => Math.abs(v - (c.dataSync()[i] ?? NaN)) <= 1e-5);
        if (!close(this.fusedConv2d(kind, x, w, b, [1, 1], 'VALID', true), this.relu(this.biasAdd(this.conv2d(x, w, [1, 1], 'VALID'), b)))) return false;
        if (kind === 'mkl') return true;
        const m = tf.tensor2d([1, -2, 3, 0.5, 2, -1], [2, 3]);
        const mw = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
        const mb = tf.tensor1d([0.5, -3]);
        return close(this.fusedMatMul(m, mw, mb, true), this.relu(this.biasAdd(this.matMul(m, mw, false, false), mb)));
      });
      return works ? kind : null;
    } catch {
      return null;
    }
  }
  matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
    return this.one('MatMul', [this.T, this.bool('transpose_a', transposeA), this.bool('transpose_b', transposeB)], [a, b]);
  }
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('Mul', [this.T], [a, b]); }
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('AddV2', [this.T], [a, b]); }
  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('Sub', [this.T], [a, b]); }
  div(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('RealDiv', [this.T], [a, b]); }
  neg(x: tf.Tensor): tf.Tensor { return this.one('Neg', [this.T], [x]); }
  square(x: tf.Tensor): tf.Tensor { return this.one('Square', [this.T], [x]); }
  exp(x: tf.Tensor): tf.Tensor { return this.one('Exp', [this.T], [x]); }
  log(x: tf.Tensor): tf.Tensor { return this.one('Log', [this.T], [x]); }
  erf(x: tf.Tensor): tf.Tensor { return this.one('Erf', [this.T], [x]); }
  /** `min(max(x, lo), hi)`, element-wise (scalars `lo`, `hi`). */
  clip(x: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor { return this.one('ClipByValue', [this.T], [x, lo, hi]); }
  equal(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('Equal', [this.T, this.bool('incompatible_shape_error', true)], [a, b]); }
  lessEqual(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('LessEqual', [this.T], [a, b]); }
  logicalAnd(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return this.one('LogicalAnd', [], [a, b]); }
  /** bool → float32 (1, 0). */
  toFloat(x: tf.Tensor): tf.Tensor {
    return this.one('Cast', [this.type('SrcT', this.be.binding.TF_BOOL), this.type('DstT', this.be.binding.TF_FLOAT), this.bool('Truncate', false)], [x]);
  }
  // ---- activations and their gradients (TensorFlow's own ops: the argument orders are TensorFlow's)
  relu6(x: tf.Tensor): tf.Tensor { return this.one('Relu6', [this.T], [x]); }
  /** `dy` where 0 < features < 6 (input or output of `relu6`, either gives the same). */
  relu6Grad(dy: tf.Tensor, features: tf.Tensor): tf.Tensor { return this.one('Relu6Grad', [this.T], [dy, features]); }
  selu(x: tf.Tensor): tf.Tensor { return this.one('Selu', [this.T], [x]); }
  /** From the output `y` of `selu`. */
  seluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor { return this.one('SeluGrad', [this.T], [dy, y]); }
  sigmoid(x: tf.Tensor): tf.Tensor { return this.one('Sigmoid', [this.T], [x]); }
  /** `dy·y·(1 − y)`, from the output `y` of `sigmoid`. */
  sigmoidGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor { return this.one('SigmoidGrad', [this.T], [y, dy]); }
  tanh(x: tf.Tensor): tf.Tensor { return this.one('Tanh', [this.T], [x]); }
  /** `dy·(1 − y²)`, from the output `y` of `tanh`. */
  tanhGrad(y: tf.Tensor, dy: tf.Tensor): tf.Tensor { return this.one('TanhGrad', [this.T], [y, dy]); }
  softplus(x: tf.Tensor): tf.Tensor { return this.one('Softplus', [this.T], [x]); }
  /** From the input `x` of `softplus`. */
  softplusGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor { return this.one('SoftplusGrad', [this.T], [dy, x]); }
  softsign(x: tf.Tensor): tf.Tensor { return this.one('Softsign', [this.T], [x]); }
  /** From the input `x` of `softsign`. */
  softsignGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor { return this.one('SoftsignGrad', [this.T], [dy, x]); }
  /** Softmax over the last axis. */
  softmax(x: tf.Tensor): tf.Tensor { return this.one('Softmax', [this.T], [x]); }
  // ---- reductions and broadcasts; `axes` int32 [k]
  sum(x: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.one('Sum', [this.T, this.type('Tidx', this.be.binding.TF_INT32), this.bool('keep_dims', keepDims)], [x, axes]);
  }
  mean(x: tf.Tensor, axes: tf.Tensor, keepDims: boolean): tf.Tensor {
    return this.one('Mean', [this.T, this.type('Tidx', this.be.binding.TF_INT32), this.bool('keep_dims', keepDims)], [x, axes]);
  }
  broadcastTo(x: tf.Tensor, shape: tf.Tensor): tf.Tensor {
    return this.one('BroadcastTo', [this.T, this.type('Tidx', this.be.binding.TF_INT32)], [x, shape]);
  }
  /** One-hot float32 rows of `depth` for int32 `indices`. */
  oneHot(indices: tf.Tensor, depth: tf.Tensor, on: tf.Tensor, off: tf.Tensor): tf.Tensor {
    return this.one('OneHot', [this.T, this.type('TI', this.be.binding.TF_INT32), this.int('axis', -1)], [indices, depth, on, off]);
  }
  private stridedSliceAttrs(): OpAttr[] {
    return [this.T, this.type('Index', this.be.binding.TF_INT32), this.int('begin_mask', 0), this.int('end_mask', 0),
      this.int('ellipsis_mask', 0), this.int('new_axis_mask', 0), this.int('shrink_axis_mask', 0)];
  }
  /** Every `strides[d]`-th element from `begin` up to `end` in each dimension (all int32 [rank]). */
  stridedSlice(x: tf.Tensor, begin: tf.Tensor, end: tf.Tensor, strides: tf.Tensor): tf.Tensor {
    return this.one('StridedSlice', this.stridedSliceAttrs(), [x, begin, end, strides]);
  }
  /** The gradient of `stridedSlice`: `dy` scattered into zeros of `shape`. */
  stridedSliceGrad(shape: tf.Tensor, begin: tf.Tensor, end: tf.Tensor, strides: tf.Tensor, dy: tf.Tensor): tf.Tensor {
    return this.one('StridedSliceGrad', this.stridedSliceAttrs(), [shape, begin, end, strides, dy]);
  }
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

/** Which fused conv (+ bias + ReLU) kernels the step calls: oneDNN's (`mkl`) or TensorFlow's (`stock`, oneDNN off). */
export type FusedKernels = 'mkl' | 'stock';

/** TensorFlow's spelling of a padding. */
export type TfPadding = 'SAME' | 'VALID';

export function tfPadding(p: 'same' | 'valid'): TfPadding {
  return p === 'same' ? 'SAME' : 'VALID';
}

/** The tfjs variable behind weight `k` of a built layer (its resource variable is made from it). */
export function variableOf(layer: tf.layers.Layer, k: number): tf.Variable {
  const lv = layer.weights[k] as unknown as { read(): tf.Variable } | undefined;
  if (!lv) throw new Error(`layer ${layer.name} has no weight ${k}`);
  return lv.read();
}
