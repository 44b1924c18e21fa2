/** `conv2d`: Keras `Conv2D`. */
import { ACTIVATIONS, PADDINGS } from '../../shared/modelSpec';
import type { Activation, Pair, Padding } from '../../shared/modelSpec';
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ACTIVATION_FIELD, CONV_PADDING_FIELD, CONV_STRIDES_FIELD, KERNEL_FIELD, USE_BIAS_FIELD } from './fields';
import { channelsOf, fail, needsSpatial, ok, slideWindow, weightsFormula } from './geometry';
import { CHANNELS_LAST, kerasActivation, kerasPair } from './kerasArgs';

export interface Conv2DLayer extends LayerSpecCommon<'conv2d'> {
  readonly filters: number;
  readonly kernel: Pair;
  /** Default [1, 1]. */
  readonly strides: Pair;
  /** Default `valid`, as in Keras. */
  readonly padding: Padding;
  /** Default `linear`, as in Keras. */
  readonly activation: Activation;
  /** Default true. */
  readonly useBias: boolean;
}

export const conv2d = defineLayer<Conv2DLayer>({
  type: 'conv2d',
  keras: {
    className: 'Conv2D',
    name: 'conv2d',
    config: (l) => ({
      filters: l.filters, kernel_size: kerasPair(l.kernel), strides: kerasPair(l.strides), padding: l.padding, ...CHANNELS_LAST,
      activation: kerasActivation(l.activation), use_bias: l.useBias,
    }),
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      r.expect('dilation_rate', 1);
      r.expect('groups', 1);
      r.none('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint');
      r.initializer('kernel_initializer', 'GlorotUniform');
      r.initializer('bias_initializer', 'Zeros');
      return {
        filters: r.int('filters'), kernel: r.pair('kernel_size'), strides: r.pair('strides', [1, 1]), padding: r.padding(),
        activation: r.activation(), useBias: r.bool('use_bias', true),
      };
    },
    weights: (l, input) => [
      { name: 'kernel', shape: [l.kernel[0], l.kernel[1], channelsOf(input), l.filters], trainable: true },
      ...(l.useBias ? [{ name: 'bias', shape: [l.filters], trainable: true }] : []),
    ],
  },
  docs: {
    en: '2-D convolution (Keras `Conv2D`): slides `filters` kernels of size `kernel` over the image; each kernel has a slice per input channel.',
    ko: '2차원 합성곱 층(Keras `Conv2D`): 크기가 `kernel`인 커널 `filters`개를 이미지 위로 밀며 계산합니다. 각 커널은 입력 채널마다 조각을 하나씩 가집니다.',
  },
  fields: [
    { key: 'filters', kind: 'int', required: true, min: 1, max: 100_000, doc: 'Number of filters (output channels). Each filter has one kernel slice per input channel.', docKo: '필터 개수(출력 채널 수). 각 필터는 입력 채널마다 커널 조각을 하나씩 가집니다.' },
    KERNEL_FIELD, CONV_STRIDES_FIELD, CONV_PADDING_FIELD, ACTIVATION_FIELD, USE_BIAS_FIELD,
  ],
  aliases: ['conv', 'convolution2d'],
  example: '`conv2d: { filters: 32, kernel: 3, padding: same, activation: relu }`',
  snippet: 'conv2d: { filters: ${1:32}, kernel: ${2:3}, padding: ${3|same,valid|}, activation: ${4|relu,linear,elu,tanh,sigmoid|} }',
  traits: { kind: 'convolution', spatial: true, hasWeights: true, passThrough: false },
  build: (r) => ({
    filters: r.number('filters', 1), kernel: r.pair('kernel', [1, 1]), strides: r.pair('strides', [1, 1]),
    padding: r.choice('padding', PADDINGS, 'valid'), activation: r.choice('activation', ACTIVATIONS, 'linear'), useBias: r.bool('useBias', true),
  }),
  // Parameters kh·kw·inC·filters (+ filters biases); MACs outH·outW·kh·kw·inC·filters.
  infer: (l, input, locale) => {
    const e = needsSpatial(l.type, input, locale);
    if (e) return fail(e);
    const r = slideWindow(l.type, input, l.kernel, l.strides, l.padding, 'kernel', true, locale);
    if ('code' in r) return fail(r);
    const perFilter = l.kernel[0] * l.kernel[1] * channelsOf(input);
    return ok([r.h, r.w, l.filters], perFilter * l.filters + (l.useBias ? l.filters : 0), r.h * r.w * perFilter * l.filters);
  },
  paramFormula: (l, input, locale) => weightsFormula(locale, [l.kernel[0], l.kernel[1], channelsOf(input), l.filters], l.useBias ? l.filters : null),
  activationOf: (l) => l.activation,
});
