/** `leakyrelu`: Keras `LeakyReLU`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ok } from './geometry';

export interface LeakyReluLayer extends LayerSpecCommon<'leakyrelu'> {
  /** Slope for negative inputs. Default 0.3 (Keras). */
  readonly negativeSlope: number;
}

export const leakyrelu = defineLayer<LeakyReluLayer>({
  type: 'leakyrelu',
  keras: {
    className: 'LeakyReLU',
    name: 'leaky_re_lu',
    config: (l) => ({ negative_slope: l.negativeSlope }),
    // Keras 2 and TensorFlow.js call the slope `alpha`.
    fromConfig: (r) => ({ negativeSlope: r.number(['negative_slope', 'alpha'], 0.3) }),
  },
  docs: {
    en: 'Leaky ReLU (Keras `LeakyReLU`): x for x > 0, `negativeSlope`·x otherwise, so negative inputs still pass a small gradient.',
    ko: '리키 ReLU(Keras `LeakyReLU`): x > 0이면 x, 아니면 `negativeSlope`·x입니다. 음수 입력에도 작은 기울기가 흐릅니다.',
  },
  fields: [
    { key: 'negativeSlope', kind: 'number', shapeNeutral: true, default: '0.3', min: 0, max: 1_000, aliases: ['negative_slope', 'alpha'], doc: 'Slope for negative inputs (Keras default 0.3).', docKo: '음수 입력의 기울기(Keras 기본값 0.3).' },
  ],
  aliases: ['leaky_relu', 'leakyrelu2d'],
  shorthand: 'negativeSlope',
  example: '`leakyrelu: { negativeSlope: 0.1 }`',
  snippet: 'leakyrelu: { negativeSlope: ${1:0.3} }',
  traits: { kind: 'activation', spatial: false, hasWeights: false, passThrough: false },
  build: (r) => ({ negativeSlope: r.number('negativeSlope', 0.3) }),
  infer: (_l, input) => ok(input, 0, 0),
});
