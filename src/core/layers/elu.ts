/** `elu`: Keras `ELU`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ok } from './geometry';

export interface EluLayer extends LayerSpecCommon<'elu'> {
  /** Scale of the negative part. Default 1 (Keras). */
  readonly alpha: number;
}

export const elu = defineLayer<EluLayer>({
  type: 'elu',
  keras: {
    className: 'ELU',
    name: 'elu',
    config: (l) => ({ alpha: l.alpha }),
    fromConfig: (r) => ({ alpha: r.number('alpha', 1) }),
  },
  docs: {
    en: 'Exponential linear unit (Keras `ELU`): x for x > 0, `alpha`·(eˣ − 1) otherwise: smooth, with negative outputs down to −`alpha`.',
    ko: '지수 선형 유닛(Keras `ELU`): x > 0이면 x, 아니면 `alpha`·(eˣ − 1)입니다. 매끄럽고, 음수 출력은 −`alpha`까지 내려갑니다.',
  },
  fields: [
    { key: 'alpha', kind: 'number', shapeNeutral: true, default: '1', min: 0, max: 1_000, doc: 'Scale of the negative part (Keras default 1.0).', docKo: '음수 부분의 크기(Keras 기본값 1.0).' },
  ],
  shorthand: 'alpha',
  example: '`elu: { alpha: 1.0 }`',
  snippet: 'elu: { alpha: ${1:1.0} }',
  traits: { kind: 'activation', spatial: false, hasWeights: false, passThrough: false },
  build: (r) => ({ alpha: r.number('alpha', 1) }),
  infer: (_l, input) => ok(input, 0, 0),
});
