/** `flatten`: Keras `Flatten`. */
import { defineLayer } from './def';
import type { LayerSpecCommon } from './def';
import { ok } from './geometry';
import { CHANNELS_LAST } from './kerasArgs';

export type FlattenLayer = LayerSpecCommon<'flatten'>;

export const flatten = defineLayer<FlattenLayer>({
  type: 'flatten',
  keras: {
    className: 'Flatten',
    name: 'flatten',
    // channels_first would flatten in another order, and the dense kernel after it would not fit.
    config: () => ({ ...CHANNELS_LAST }),
    fromConfig: (r) => {
      r.expect('data_format', 'channels_last');
      return {};
    },
  },
  docs: {
    en: 'Flatten (Keras `Flatten`): turns the height×width×channels feature maps into one vector for dense layers.',
    ko: '평탄화(Keras `Flatten`): 높이×너비×채널 특징 맵을 완전연결층에 넣을 1차원 벡터로 펼칩니다.',
  },
  fields: [],
  example: '`flatten: {}`',
  snippet: 'flatten: {}',
  // Any input: Keras's Flatten passes a vector through.
  traits: { kind: 'flattening', spatial: false, hasWeights: false, passThrough: true },
  build: () => ({}),
  infer: (_l, input) => ok([input.reduce((a, b) => a * b, 1)], 0, 0),
});
