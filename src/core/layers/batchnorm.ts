/** `batchnorm`: Keras `BatchNormalization`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { t } from '../messages';
import { channelsOf, ok } from './geometry';

export interface BatchNormLayer extends LayerSpecCommon<'batchnorm'> {
  /** Default 0.99 (Keras). */
  readonly momentum: number;
  /** Default 0.001 (Keras). */
  readonly epsilon: number;
}

export const batchnorm = defineLayer<BatchNormLayer>({
  type: 'batchnorm',
  keras: {
    className: 'BatchNormalization',
    name: 'batch_normalization',
    config: (l) => ({ axis: -1, momentum: l.momentum, epsilon: l.epsilon, center: true, scale: true }),
    fromConfig: (r) => {
      // The last axis: -1, or its index counting the batch (Keras 2 writes `[3]` after a conv).
      const axis = r.raw('axis') ?? -1;
      const last = (a: unknown): boolean => a === -1 || (r.inputRank > 0 && a === r.inputRank);
      if (!(last(axis) || (Array.isArray(axis) && axis.length === 1 && last(axis[0])))) {
        r.refuse('axis', `axis ${JSON.stringify(axis)} normalises another axis than the channels; CNN Lab's batchnorm normalises the last one.`);
      }
      r.expect('center', true);
      r.expect('scale', true);
      r.expect('synchronized', false);
      r.expect('renorm', false);
      r.ignore('renorm_clipping', 'renorm_momentum');
      r.none('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint');
      r.initializer('beta_initializer', 'Zeros');
      r.initializer('gamma_initializer', 'Ones');
      r.initializer('moving_mean_initializer', 'Zeros');
      r.initializer('moving_variance_initializer', 'Ones');
      return { momentum: r.number('momentum', 0.99), epsilon: r.number('epsilon', 0.001) };
    },
    weights: (_l, input) => {
      const c = [channelsOf(input)];
      return [
        { name: 'gamma', shape: c, trainable: true }, { name: 'beta', shape: c, trainable: true },
        { name: 'moving_mean', shape: c, trainable: false }, { name: 'moving_variance', shape: c, trainable: false },
      ];
    },
  },
  docs: {
    en: 'Batch normalisation (Keras `BatchNormalization`): normalises each channel; 4 parameters per channel, 2 of them (moving mean and variance) not trainable.',
    ko: '배치 정규화(Keras `BatchNormalization`): 채널별로 정규화합니다. 채널마다 파라미터 4개이며, 그중 2개(이동 평균과 이동 분산)는 학습되지 않습니다.',
  },
  fields: [
    { key: 'momentum', kind: 'number', shapeNeutral: true, default: '0.99', min: 0, max: 1, maxExclusive: true, doc: 'Momentum of the moving mean and variance.', docKo: '이동 평균과 이동 분산의 모멘텀.' },
    { key: 'epsilon', kind: 'number', shapeNeutral: true, default: '0.001', min: 0, minExclusive: true, max: 1, doc: 'Small constant added to the variance.', docKo: '분산에 더하는 작은 상수.' },
  ],
  aliases: ['batchnormalization', 'batchnorm2d', 'bn'],
  example: '`batchnorm: {}`',
  snippet: 'batchnorm: {}',
  traits: { kind: 'normalization', spatial: false, hasWeights: true, passThrough: false },
  build: (r) => ({ momentum: r.number('momentum', 0.99), epsilon: r.number('epsilon', 0.001) }),
  // 4·C parameters: gamma and beta trainable, the moving mean and variance not.
  infer: (_l, input) => ok(input, 2 * channelsOf(input), 0, 2 * channelsOf(input)),
  paramFormula: (_l, input, locale) => t(locale, 'hover.batchnorm', { channels: channelsOf(input) }),
});
