/** `spatialdropout2d`: Keras `SpatialDropout2D`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { rateField } from './fields';
import { fail, needsSpatial, ok } from './geometry';
import { CHANNELS_LAST } from './kerasArgs';

export interface SpatialDropout2DLayer extends LayerSpecCommon<'spatialdropout2d'> {
  /** Fraction of channels zeroed during training, in [0, 1). */
  readonly rate: number;
}

export const spatialdropout2d = defineLayer<SpatialDropout2DLayer>({
  type: 'spatialdropout2d',
  keras: {
    className: 'SpatialDropout2D',
    name: 'spatial_dropout2d',
    config: (l) => ({ rate: l.rate, ...CHANNELS_LAST }),
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      r.none('noise_shape');
      // CNN Lab draws every dropout mask from the run's seed (train.seed).
      r.ignore('seed');
      return { rate: r.number('rate') };
    },
  },
  docs: {
    en: 'Spatial dropout (Keras `SpatialDropout2D`): while training, zeroes whole feature maps (a random fraction `rate` of the channels) rather than single values, which suits convolutions, whose neighbouring values are alike.',
    ko: '공간 드롭아웃(Keras `SpatialDropout2D`): 학습 중에 값 하나하나가 아니라 특징 맵 전체(채널의 `rate` 비율)를 무작위로 0으로 만듭니다. 이웃한 값이 비슷한 합성곱 층에 알맞습니다.',
  },
  fields: [rateField('Fraction of channels zeroed during training, in [0, 1). Inactive at test time.', '학습 중에 0으로 만들 채널의 비율, [0, 1) 범위. 테스트 때는 작동하지 않습니다.')],
  aliases: ['dropout2d', 'spatialdropout'],
  shorthand: 'rate',
  example: '`spatialdropout2d: { rate: 0.2 }`',
  snippet: 'spatialdropout2d: { rate: ${1:0.2} }',
  traits: { kind: 'dropout', spatial: true, hasWeights: false, passThrough: true },
  build: (r) => ({ rate: r.number('rate', 0, 'dropout-range') }),
  infer: (l, input, locale) => {
    const e = needsSpatial(l.type, input, locale);
    if (e) return fail(e);
    return ok(input, 0, 0);
  },
});
