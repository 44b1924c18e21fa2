/** `gelu`: Keras `Activation('gelu')` (Keras has no GELU layer class). */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ok } from './geometry';

export type GeluLayer = LayerSpecCommon<'gelu'>;

export const gelu = defineLayer<GeluLayer>({
  type: 'gelu',
  keras: {
    className: 'Activation',
    name: 'activation',
    // Keras's gelu is the exact erf form by default (approximate=False), as CNN Lab's.
    config: () => ({ activation: 'gelu' }),
    claims: (r) => r.raw('activation') === 'gelu',
    fromConfig: (r) => {
      r.raw('activation');
      return {};
    },
  },
  docs: {
    en: 'GELU (Keras `Activation(\'gelu\')`): x·Φ(x), the input weighted by the probability that a standard normal value is below it (the exact erf form, Keras\'s default); the activation of transformers.',
    ko: 'GELU(Keras `Activation(\'gelu\')`): x·Φ(x), 즉 입력에 표준 정규분포 값이 그보다 작을 확률을 곱합니다(Keras 기본값인 정확한 erf 형태). 트랜스포머의 활성화 함수입니다.',
  },
  fields: [],
  example: '`gelu: {}`',
  snippet: 'gelu: {}',
  traits: { kind: 'activation', spatial: false, hasWeights: false, passThrough: false },
  build: () => ({}),
  infer: (_l, input) => ok(input, 0, 0),
  activationOf: () => 'gelu',
});
