/** `separableconv2d`: Keras `SeparableConv2D`. */
import { ACTIVATIONS, PADDINGS } from '../../shared/modelSpec';
import type { Activation } from '../../shared/modelSpec';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { depthwiseStep } from './depthwise';
import type { DepthwiseGeometry } from './depthwise';
import { ACTIVATION_FIELD, CONV_PADDING_FIELD, CONV_STRIDES_FIELD, DEPTH_MULTIPLIER_FIELD, KERNEL_FIELD, USE_BIAS_FIELD } from './fields';
import { t } from '../messages';
import { channelsOf, fail, ok } from './geometry';
import { CHANNELS_LAST, kerasActivation, kerasPair } from './kerasArgs';

export interface SeparableConv2DLayer extends LayerSpecCommon<'separableconv2d'>, DepthwiseGeometry {
  readonly filters: number;
  readonly activation: Activation;
  readonly useBias: boolean;
}

export const separableconv2d = defineLayer<SeparableConv2DLayer>({
  type: 'separableconv2d',
  keras: {
    className: 'SeparableConv2D',
    name: 'separable_conv2d',
    config: (l) => ({
      filters: l.filters, kernel_size: kerasPair(l.kernel), strides: kerasPair(l.strides), padding: l.padding, ...CHANNELS_LAST,
      depth_multiplier: l.depthMultiplier, activation: kerasActivation(l.activation), use_bias: l.useBias,
    }),
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      r.expect('dilation_rate', 1);
      r.none('depthwise_regularizer', 'pointwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'pointwise_constraint', 'bias_constraint');
      r.initializer('depthwise_initializer', 'GlorotUniform');
      r.initializer('pointwise_initializer', 'GlorotUniform');
      r.initializer('bias_initializer', 'Zeros');
      return {
        filters: r.int('filters'), kernel: r.pair('kernel_size'), strides: r.pair('strides', [1, 1]), padding: r.padding(),
        depthMultiplier: r.int('depth_multiplier', 1), activation: r.activation(), useBias: r.bool('use_bias', true),
      };
    },
    weights: (l, input) => {
      const c = channelsOf(input);
      return [
        { name: 'depthwise_kernel', shape: [l.kernel[0], l.kernel[1], c, l.depthMultiplier], trainable: true },
        { name: 'pointwise_kernel', shape: [1, 1, c * l.depthMultiplier, l.filters], trainable: true },
        ...(l.useBias ? [{ name: 'bias', shape: [l.filters], trainable: true }] : []),
      ];
    },
  },
  docs: {
    en: 'Depthwise-separable convolution (Keras `SeparableConv2D`): a depthwise convolution per input channel, then a 1×1 convolution mixing the channels into `filters` outputs; close to a `conv2d` at a fraction of its weights and MACs.',
    ko: '깊이별 분리 합성곱(Keras `SeparableConv2D`): 입력 채널마다 깊이별 합성곱을 한 뒤 1×1 합성곱으로 채널을 섞어 `filters`개를 출력합니다. `conv2d`와 비슷한 효과를 훨씬 적은 가중치와 MAC으로 냅니다.',
  },
  fields: [
    { key: 'filters', kind: 'int', required: true, min: 1, max: 100_000, doc: 'Number of output channels of the 1×1 (pointwise) step.', docKo: '1×1(점별) 단계의 출력 채널 수.' },
    KERNEL_FIELD, CONV_STRIDES_FIELD, CONV_PADDING_FIELD, DEPTH_MULTIPLIER_FIELD, ACTIVATION_FIELD, USE_BIAS_FIELD,
  ],
  aliases: ['separableconvolution2d', 'sepconv2d', 'separableconv'],
  example: '`separableconv2d: { filters: 64, kernel: 3, padding: same, activation: relu }`',
  snippet: 'separableconv2d: { filters: ${1:64}, kernel: ${2:3}, padding: ${3|same,valid|}, activation: ${4|relu,linear,elu,tanh,sigmoid|} }',
  traits: { kind: 'convolution', spatial: true, hasWeights: true, passThrough: false },
  build: (r) => ({
    filters: r.number('filters', 1), kernel: r.pair('kernel', [1, 1]), strides: r.pair('strides', [1, 1]), padding: r.choice('padding', PADDINGS, 'valid'),
    depthMultiplier: r.number('depthMultiplier', 1), activation: r.choice('activation', ACTIVATIONS, 'linear'), useBias: r.bool('useBias', true),
  }),
  // Depthwise kh·kw·inC·m weights, pointwise inC·m·filters (+ filters biases); MACs of both steps.
  infer: (l, input, locale) => {
    const d = depthwiseStep(l.type, l, input, locale);
    if ('code' in d) return fail(d);
    const pointwise = d.channels * l.filters;
    return ok([d.h, d.w, l.filters], d.weights + pointwise + (l.useBias ? l.filters : 0), d.macs + d.h * d.w * pointwise);
  },
  paramFormula: (l, input, locale) => {
    const c = channelsOf(input);
    const args = { depthwise: `${l.kernel[0]}·${l.kernel[1]}·${c}·${l.depthMultiplier}`, pointwise: `${c * l.depthMultiplier}·${l.filters}` };
    return t(locale, l.useBias ? 'hover.separableBiases' : 'hover.separable', { ...args, biases: l.filters });
  },
  activationOf: (l) => l.activation,
});
