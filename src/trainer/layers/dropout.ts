/**
 * `dropout`: inverted dropout (Keras `Dropout`) whose masks come from the run's seed.
 *
 * A seeded tfjs `Dropout` draws the *same* mask on every step, so the trainer has its own layer
 * that draws a fresh mask per step from a seeded stream; its class name is `Dropout`, so a saved
 * model.json is a stock tfjs/Keras topology. The direct step draws the same kind of mask with
 * TensorFlow's stateless generator from seeds of the same stream.
 */
import * as tf from '@tensorflow/tfjs';
import type { DropoutLayer, LayerSpec } from '../../core/index';
import { Rng, stream } from '../rng';
import { inputShapeArg, NOT_SHOWN, trainerLayer } from './def';
import type { NativeForward, NativeSupport, StepContext } from './def';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/**
 * Inverted dropout (as Keras: scale kept units by 1/(1-rate) while training, identity otherwise)
 * with a mask drawn from a seeded stream on each training call.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  readonly rate: number;
  protected rng: Rng;

  /** `seed`: the run's; absent when tfjs rebuilds the layer from a saved topology (it then trains unseeded by the run). */
  constructor(args: LayerArgs & { rate: number; seed?: number | null }) {
    super(args);
    this.rate = args.rate;
    this.rng = stream(args.seed ?? 0, `dropout:${args.name ?? ''}`, 0);
    this.supportsMasking = true;
  }

  /** Restart the mask stream for one epoch, so an epoch's masks do not depend on earlier epochs. */
  reseed(seed: number, epoch: number): void {
    this.rng = stream(seed, `dropout:${this.name}`, epoch);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  /** The shape of one step's mask for an input of `shape` (broadcast over the input). */
  maskShape(shape: readonly number[]): number[] {
    return [...shape];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input === undefined) throw new Error(`${this.getClassName()} expects one input`);
    if (kwargs.training !== true) return input;
    const shape = this.maskShape(input.shape);
    const mask = this.drawMask(shape.reduce((a, b) => a * b, 1));
    if (!mask) return input;
    return tf.tidy(() => tf.mul(input, tf.tensor(mask, shape, 'float32')));
  }

  /**
   * A seed pair for one step's mask drawn by TensorFlow's stateless generator (the native training
   * step), taken from the same per-epoch stream, so masks stay fresh per step and reproducible.
   */
  nextSeedPair(): [number, number] {
    return [this.rng.int(0x7fffffff), this.rng.int(0x7fffffff)];
  }

  /**
   * The next training mask for `size` inputs: 1/(1-rate) for kept units, 0 for dropped ones; null
   * when the rate is 0. Used by `call` and by the native training step, so both draw the same masks.
   */
  drawMask(size: number): Float32Array | null {
    if (this.rate <= 0) return null;
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = new Float32Array(size);
    for (let i = 0; i < size; i++) mask[i] = this.rng.next() < keep ? scale : 0;
    return mask;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, noiseShape: null, seed: null, ...super.getConfig() };
  }
}

/**
 * One step of inverted dropout on the direct step, mask of `maskShape` broadcast over `x`: drawn
 * by TensorFlow from a seed of the layer's stream (drawing 200k numbers in JavaScript took 3 ms a
 * step), or in JavaScript as `call` does (to compare with tfjs).
 */
function dropoutForward(layer: SeededDropout, x: tf.Tensor, ctx: StepContext): NativeForward {
  const { ops } = ctx;
  const rate = layer.rate;
  let mask: tf.Tensor | null = null;
  let y = x;
  if (rate > 0) {
    const shape = layer.maskShape(x.shape);
    if (ctx.dropoutMasks === 'javascript') {
      const size = shape.reduce((a, b) => a * b, 1);
      mask = tf.tensor(layer.drawMask(size) ?? new Float32Array(size).fill(1), shape, 'float32');
      y = ops.mul(x, mask);
    } else {
      const u = ops.statelessUniform(ctx.shape(shape), tf.tensor1d(layer.nextSeedPair(), 'int32'));
      mask = ops.greaterEqual(u, ctx.constant(rate));
      y = ops.select(mask, ops.mul(x, ctx.constant(1 / (1 - rate))), ctx.constant(0));
    }
  }
  return {
    y,
    backward: (dy, needInput) => {
      if (!needInput) return null;
      if (!mask) return dy;
      return mask.dtype === 'float32' ? ops.mul(dy, mask) : ops.select(mask, ops.mul(dy, ctx.constant(1 / (1 - rate))), ctx.constant(0));
    },
  };
}

/** The built layer as a seeded dropout (the direct step draws its masks from the layer's stream). */
function seededDropoutOf(layer: tf.layers.Layer): SeededDropout {
  if (!(layer instanceof SeededDropout)) throw new Error(`layer ${layer.name} is not a seeded dropout`);
  return layer;
}

/** The direct step's pass of a seeded dropout layer (`dropout` and `spatialdropout2d` alike: the mask's shape is the layer's). */
export function seededDropoutNative<S extends LayerSpec>(): NativeSupport<S> {
  return {
    logits: false,
    pass: (_l, layer) => {
      const d = seededDropoutOf(layer);
      return { variables: [], forward: (x, ctx) => dropoutForward(d, x, ctx) };
    },
  };
}

export const dropout = trainerLayer<DropoutLayer>({
  type: 'dropout',
  build: (l, ctx) => new SeededDropout({ rate: l.rate, name: ctx.name, seed: ctx.seed, ...inputShapeArg(ctx) }),
  native: seededDropoutNative(),
  inspect: NOT_SHOWN,
});
