/**
 * `elu`: Keras `ELU`, `x > 0 ? x : alpha·(exp(x) − 1)`. tfjs's own ELU layer refuses any alpha but
 * 1, so the trainer has its own class under Keras's name, registered with tfjs's serialization
 * (it replaces tfjs's ELU there, which it equals for alpha 1); a saved model says `ELU` with its
 * alpha, as Keras writes it. On the direct step `Elu` and `EluGrad`, scaled on the negative side.
 */
import * as tf from '@tensorflow/tfjs';
import type { EluLayer } from '../../core/index';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export class Elu extends tf.layers.Layer {
  static className = 'ELU';
  readonly alpha: number;

  constructor(args: LayerArgs & { alpha?: number | null }) {
    super(args);
    this.alpha = args.alpha ?? 1;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('ELU expects one input');
    if (this.alpha === 1) return tf.elu(x);
    // relu(x) + alpha·elu(min(x, 0)): ops that all have gradients (a `where` on `x > 0` would
    // send tfjs's tape into `Greater`, which has none).
    return tf.tidy(() => tf.add(tf.relu(x), tf.mul(tf.elu(tf.neg(tf.relu(tf.neg(x)))), this.alpha)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { alpha: this.alpha, ...super.getConfig() };
  }
}
tf.serialization.registerClass(Elu);

export const elu = trainerLayer<EluLayer>({
  type: 'elu',
  build: (l, ctx) => new Elu({ ...inputShapeArg(ctx), name: ctx.name, alpha: l.alpha }),
  native: {
    logits: false,
    pass: (l) => ({
      variables: [],
      forward: (x, ctx) => {
        const { ops } = ctx;
        const e = ops.elu(x);
        // alpha·elu(x) where x ≤ 0: one scale tensor for both ways (EluGrad(dy·s, e) = dy·alpha·exp(x) there).
        const scale = l.alpha === 1 ? null : ops.select(ops.greater(x, ctx.constant(0)), ctx.constant(1), ctx.constant(l.alpha));
        return {
          y: scale ? ops.mul(e, scale) : e,
          backward: (dy, needInput) => (needInput ? ops.eluGrad(scale ? ops.mul(dy, scale) : dy, e) : null),
        };
      },
    }),
  },
  inspect: NOT_SHOWN,
});
