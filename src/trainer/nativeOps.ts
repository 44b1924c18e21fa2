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
  private str(name: string, value: string): OpAttr { return { name, type: this.be.binding.TF_ATTR_STRING, value }; }
  private bool(name: string, value: boolean): OpAttr { return { name, type: this.be.binding.TF_ATTR_BOOL, value }; }
  private float(name: string, value: number): OpAttr { return { name, type: this.be.binding.TF_ATTR_FLOAT, value }; }
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
