/** `swish`: Keras `Activation('swish')` (also called SiLU; Keras has no Swish layer class). */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ok } from './geometry';

export type SwishLayer = LayerSpecCommon<'swish'>;

export const swish = defineLayer<SwishLayer>({
  type: 'swish',
  keras: {
    className: 'Activation',
    name: 'activation',
    // Keras 3 writes Activation('swish') as 'silu'; Keras 2 and TensorFlow.js as 'swish'.
    config: () => ({ activation: 'silu' }),
    claims: (r) => {
      const a = r.raw('activation');
      return a === 'silu' || a === 'swish';
    },
    fromConfig: (r) => {
      r.raw('activation');
      return {};
    },
  },
  docs: {
    en: 'Swish / SiLU (Keras `Activation(\'swish\')`): x·sigmoid(x), a smooth ReLU that lets small negative values through (EfficientNet, MobileNetV3).',
    ko: 'Swish / SiLU(Keras `Activation(\'swish\')`): x·sigmoid(x). 작은 음수 값도 통과시키는 매끄러운 ReLU입니다(EfficientNet, MobileNetV3).',
  },
  fields: [],
  aliases: ['silu'],
  example: '`swish: {}`',
  snippet: 'swish: {}',
  traits: { kind: 'activation', spatial: false, hasWeights: false, passThrough: false },
  build: () => ({}),
  infer: (_l, input) => ok(input, 0, 0),
  activationOf: () => 'swish',
});
