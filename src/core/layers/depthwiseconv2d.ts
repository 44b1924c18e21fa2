/** `depthwiseconv2d`: Keras `DepthwiseConv2D`. */
import { ACTIVATIONS, PADDINGS } from '../../shared/modelSpec';
import type { Activation } from '../../shared/modelSpec';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { depthwiseStep } from './depthwise';
import type { DepthwiseGeometry } from './depthwise';
import { ACTIVATION_FIELD, CONV_PADDING_FIELD, CONV_STRIDES_FIELD, DEPTH_MULTIPLIER_FIELD, KERNEL_FIELD, USE_BIAS_FIELD } from './fields';
import { channelsOf, fail, ok, weightsFormula } from './geometry';
import { CHANNELS_LAST, kerasActivation, kerasPair } from './kerasArgs';

export interface DepthwiseConv2DLayer extends LayerSpecCommon<'depthwiseconv2d'>, DepthwiseGeometry {
  readonly activation: Activation;
  readonly useBias: boolean;
}

export const depthwiseconv2d = defineLayer<DepthwiseConv2DLayer>({
  type: 'depthwiseconv2d',
  keras: {
    className: 'DepthwiseConv2D',
    name: 'depthwise_conv2d',
    config: (l) => ({
      kernel_size: kerasPair(l.kernel), strides: kerasPair(l.strides), padding: l.padding, ...CHANNELS_LAST,
      depth_multiplier: l.depthMultiplier, activation: kerasActivation(l.activation), use_bias: l.useBias,
    }),
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      r.expect('dilation_rate', 1);
      r.none('depthwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'bias_constraint');
      r.initializer('depthwise_initializer', 'GlorotUniform');
      r.initializer('bias_initializer', 'Zeros');
      return {
        kernel: r.pair('kernel_size'), strides: r.pair('strides', [1, 1]), padding: r.padding(),
        depthMultiplier: r.int('depth_multiplier', 1), activation: r.activation(), useBias: r.bool('use_bias', true),
      };
    },
    // Keras 3 calls the depthwise kernel `kernel`; TensorFlow.js (and so a checkpoint) `depthwise_kernel`.
    weights: (l, input) => [
      { name: 'depthwise_kernel', shape: [l.kernel[0], l.kernel[1], channelsOf(input), l.depthMultiplier], trainable: true },
      ...(l.useBias ? [{ name: 'bias', shape: [channelsOf(input) * l.depthMultiplier], trainable: true }] : []),
    ],
  },
  docs: {
    en: 'Depthwise convolution (Keras `DepthwiseConv2D`): each input channel gets its own `depthMultiplier` kernels and is never mixed with the others; outputs channels × `depthMultiplier` maps with a fraction of a `conv2d`\'s weights.',
    ko: '깊이별 합성곱(Keras `DepthwiseConv2D`): 입력 채널마다 따로 `depthMultiplier`개의 커널을 적용하고 채널끼리 섞지 않습니다. 출력은 채널 × `depthMultiplier`장이며, 가중치는 `conv2d`의 일부만 씁니다.',
  },
  fields: [KERNEL_FIELD, CONV_STRIDES_FIELD, CONV_PADDING_FIELD, DEPTH_MULTIPLIER_FIELD, ACTIVATION_FIELD, USE_BIAS_FIELD],
  aliases: ['depthwiseconvolution2d', 'depthwise'],
  example: '`depthwiseconv2d: { kernel: 3, padding: same }`',
  snippet: 'depthwiseconv2d: { kernel: ${1:3}, padding: ${2|same,valid|}, depthMultiplier: ${3:1} }',
  traits: { kind: 'convolution', spatial: true, hasWeights: true, passThrough: false },
  build: (r) => ({
    kernel: r.pair('kernel', [1, 1]), strides: r.pair('strides', [1, 1]), padding: r.choice('padding', PADDINGS, 'valid'),
    depthMultiplier: r.number('depthMultiplier', 1), activation: r.choice('activation', ACTIVATIONS, 'linear'), useBias: r.bool('useBias', true),
  }),
  // Parameters kh·kw·inC·multiplier (+ inC·multiplier biases); MACs outH·outW·kh·kw·inC·multiplier.
  infer: (l, input, locale) => {
    const d = depthwiseStep(l.type, l, input, locale);
    if ('code' in d) return fail(d);
    return ok([d.h, d.w, d.channels], d.weights + (l.useBias ? d.channels : 0), d.macs);
  },
  paramFormula: (l, input, locale) => weightsFormula(locale, [l.kernel[0], l.kernel[1], channelsOf(input), l.depthMultiplier], l.useBias ? channelsOf(input) * l.depthMultiplier : null),
  activationOf: (l) => l.activation,
});
