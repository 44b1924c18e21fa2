/** `dropout`: Keras `Dropout`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { rateField } from './fields';
import { ok } from './geometry';

export interface DropoutLayer extends LayerSpecCommon<'dropout'> {
  /** Fraction of inputs zeroed during training, in [0, 1). */
  readonly rate: number;
}

export const dropout = defineLayer<DropoutLayer>({
  type: 'dropout',
  keras: {
    className: 'Dropout',
    name: 'dropout',
    config: (l) => ({ rate: l.rate }),
    fromConfig: (r) => {
      r.none('noise_shape');
      // CNN Lab draws every dropout mask from the run's seed (train.seed).
      r.ignore('seed');
      return { rate: r.number('rate') };
    },
  },
  docs: {
    en: 'Dropout (Keras `Dropout`): zeroes a random fraction `rate` of its inputs while training to reduce overfitting. The course places it between the flattened features and the output.',
    ko: '드롭아웃(Keras `Dropout`): 학습 중에 입력의 `rate` 비율만큼을 무작위로 0으로 만들어 과적합을 줄입니다. 강의에서는 평탄화한 특징과 출력층 사이에 둡니다.',
  },
  fields: [rateField('Fraction of inputs zeroed during training, in [0, 1). Inactive at test time.', '학습 중에 0으로 만들 입력의 비율, [0, 1) 범위. 테스트 때는 작동하지 않습니다.')],
  shorthand: 'rate',
  example: '`dropout: { rate: 0.5 }`',
  snippet: 'dropout: { rate: ${1:0.5} }',
  traits: { kind: 'dropout', spatial: false, hasWeights: false, passThrough: true },
  build: (r) => ({ rate: r.number('rate', 0, 'dropout-range') }),
  infer: (_l, input) => ok(input, 0, 0),
});
