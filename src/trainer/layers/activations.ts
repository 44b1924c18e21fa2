/**
 * The model language's activations on the direct step (../nativeStep.ts), one pass each over
 * TensorFlow's own ops, as tfjs-layers defines them (tfjs-layers/src/activations.ts), so the step
 * trains what `trainOnBatch` trains: a conv, dense, depthwise or separable layer's own
 * `activation`, the `activation` layer, and the `gelu` and `swish` layers. Where TensorFlow has
 * an activation's gradient op (ReluGrad, Relu6Grad, EluGrad, SeluGrad, SigmoidGrad, TanhGrad,
 * SoftplusGrad, SoftsignGrad) the pass uses it; hardSigmoid, swish, gelu and a softmax that is not
 * left to the loss have theirs written out (a handful of element-wise ops).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../shared/modelSpec';
import type { NativeForward, NativePass, StepContext } from './def';

type Forward = (x: tf.Tensor, ctx: StepContext) => NativeForward;

const pass = (forward: Forward): NativePass => ({ variables: [], forward });

/** y = f(x) with a backward pass `grad(dy, x, y)`. */
const elementwise = (f: (x: tf.Tensor, ctx: StepContext) => tf.Tensor, grad: (dy: tf.Tensor, x: tf.Tensor, y: tf.Tensor, ctx: StepContext) => tf.Tensor): NativePass =>
  pass((x, ctx) => {
    const y = f(x, ctx);
    return { y, backward: (dy, needInput) => (needInput ? grad(dy, x, y, ctx) : null) };
  });

const IDENTITY: NativePass = pass((x) => ({ y: x, backward: (dy, needInput) => (needInput ? dy : null) }));

/** ReLU; it can leave itself to a max pooling after it (see `foldRelu` in ../nativeStep.ts). */
const RELU: NativePass = {
  ...elementwise((x, { ops }) => ops.relu(x), (dy, _x, y, { ops }) => ops.reluGrad(dy, y)),
  withoutRelu: () => ({ pass: IDENTITY, reluApplied: false }),
};

/** Whether `pass` is a bare ReLU (an `activation: relu` layer), which the pass before may absorb. */
export function isRelu(pass: NativePass): boolean {
  return pass === RELU;
}

/** 1/√2 and 1/√(2π), for the exact GELU and its derivative. */
const SQRT2 = Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Each activation as a pass. tfjs's definitions: relu6 = min(6, relu(x)); hardSigmoid =
 * clip(0.2·x + 0.5, 0, 1) (Keras 2's, which tfjs keeps); swish = x·sigmoid(x); gelu =
 * x·0.5·(1 + erf(x/√2)); elu with alpha 1; selu with TensorFlow's (and tfjs's) constants;
 * softmax over the last axis.
 */
const PASSES: Readonly<Record<Activation, NativePass>> = {
  linear: IDENTITY,
  relu: RELU,
  relu6: elementwise((x, { ops }) => ops.relu6(x), (dy, x, _y, { ops }) => ops.relu6Grad(dy, x)),
  elu: elementwise((x, { ops }) => ops.elu(x), (dy, _x, y, { ops }) => ops.eluGrad(dy, y)),
  selu: elementwise((x, { ops }) => ops.selu(x), (dy, _x, y, { ops }) => ops.seluGrad(dy, y)),
  sigmoid: elementwise((x, { ops }) => ops.sigmoid(x), (dy, _x, y, { ops }) => ops.sigmoidGrad(y, dy)),
  tanh: elementwise((x, { ops }) => ops.tanh(x), (dy, _x, y, { ops }) => ops.tanhGrad(y, dy)),
  softplus: elementwise((x, { ops }) => ops.softplus(x), (dy, x, _y, { ops }) => ops.softplusGrad(dy, x)),
  softsign: elementwise((x, { ops }) => ops.softsign(x), (dy, x, _y, { ops }) => ops.softsignGrad(dy, x)),
  hardSigmoid: pass((x, ctx) => {
    const { ops } = ctx;
    const z = ops.add(ops.mul(x, ctx.constant(0.2)), ctx.constant(0.5));
    const y = ops.clip(z, ctx.constant(0), ctx.constant(1));
    // tfjs's clipByValue gradient passes where lo ≤ z ≤ hi, i.e. where the clip left z as it was.
    return { y, backward: (dy, needInput) => (needInput ? ops.select(ops.equal(z, y), ops.mul(dy, ctx.constant(0.2)), ctx.constant(0)) : null) };
  }),
  swish: pass((x, ctx) => {
    const { ops } = ctx;
    const s = ops.sigmoid(x);
    const y = ops.mul(x, s);
    // d/dx x·s(x) = s + x·s·(1 − s) = s + y·(1 − s).
    return { y, backward: (dy, needInput) => (needInput ? ops.mul(dy, ops.add(s, ops.mul(y, ops.sub(ctx.constant(1), s)))) : null) };
  }),
  gelu: pass((x, ctx) => {
    const { ops } = ctx;
    const cdf = ops.mul(ctx.constant(0.5), ops.add(ctx.constant(1), ops.erf(ops.div(x, ctx.constant(SQRT2)))));
    const y = ops.mul(x, cdf);
    return {
      y,
      // d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π).
      backward: (dy, needInput) => {
        if (!needInput) return null;
        const pdf = ops.mul(ops.exp(ops.mul(ops.square(x), ctx.constant(-0.5))), ctx.constant(INV_SQRT_2PI));
        return ops.mul(dy, ops.add(cdf, ops.mul(x, pdf)));
      },
    };
  }),
  softmax: pass((x, ctx) => {
    const { ops } = ctx;
    const y = ops.softmax(x);
    // dx = y·(dy − Σ dy·y) over the last axis.
    return {
      y,
      backward: (dy, needInput) => (needInput
        ? ops.mul(y, ops.sub(dy, ops.sum(ops.mul(dy, y), ctx.int32([x.shape.length - 1], [1]), true)))
        : null),
    };
  }),
};

/**
 * The pass of `activation`; `logits`: the layer gives the loss its logits (../nativeStep.ts),
 * so its softmax is left out.
 */
export function activationPass(activation: Activation, logits = false): NativePass {
  return logits && activation === 'softmax' ? IDENTITY : PASSES[activation];
}

/**
 * A layer's linear pass with its activation: a ReLU fused into the op (`linear(true)`, one pass
 * fewer), any other activation as its own pass after `linear(false)`.
 */
export function withActivation(activation: Activation, logits: boolean, linear: (fuseRelu: boolean) => NativePass): NativePass {
  if (activation === 'relu') return linear(true);
  return chain(linear(false), activationPass(activation, logits));
}

/**
 * Passes one after the other as one (a layer's linear part and its activation; a separable
 * convolution's depthwise and pointwise steps). A ReLU at the end can be left to the next layer.
 */
export function chain(...passes: readonly NativePass[]): NativePass {
  const live = passes.filter((p) => p !== IDENTITY);
  if (live.length === 0) return IDENTITY;
  if (live.length === 1) return live[0] as NativePass;
  const last = live[live.length - 1] as NativePass;
  return {
    variables: live.flatMap((p) => p.variables),
    forward: (x, ctx) => {
      const fs: NativeForward[] = [];
      let h = x;
      for (const p of live) {
        const f = p.forward(h, ctx);
        fs.push(f);
        h = f.y;
      }
      return {
        y: h,
        backward: (dy, needInput, grads) => {
          let g: tf.Tensor | null = dy;
          for (let i = fs.length - 1; i >= 0 && g; i--) g = (fs[i] as NativeForward).backward(g, i > 0 || needInput, grads);
          return g;
        },
      };
    },
    withoutRelu: () => {
      const w = last.withoutRelu?.();
      return w ? { pass: chain(...live.slice(0, -1), w.pass), reluApplied: w.reluApplied } : null;
    },
    ...(last.absorbRelu ? { absorbRelu: () => chain(...live.slice(0, -1), (last.absorbRelu as () => NativePass)()) } : {}),
  };
}
